"""Decoding strategies and the Translator API on real (tiny) trained models."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import fra_file, needs_fra

import s2s_viz
from s2s_viz.decoding import TOP_K
from s2s_viz.training import TranslatorTrainConfig, train_translator
from s2s_viz.translation import InputError


@needs_fra
def test_teacher_forcing_overfits_twenty_real_pairs(tmp_path):
    from s2s_viz.data import read_pairs

    pairs = read_pairs(fra_file(), split="train", first_lines=400)
    chosen: dict[str, str] = {}
    for source, target in zip(pairs.sources, pairs.targets):
        chosen.setdefault(source, target)  # one translation per source: reproducible exactly
    sample = list(chosen.items())[:20]
    data_file = tmp_path / "twenty.txt"
    data_file.write_text("".join(f"{s}\t{t}\n" for s, t in sample), encoding="utf-8")
    config = TranslatorTrainConfig(
        name="overfit",
        data=str(data_file),
        validation_pairs=1,
        epochs=40,
        batch_size=5,  # four steps an epoch, about 160 in all, with a checkpoint a quarter as often
        learning_rate=0.01,
        model={"latent_dim": 128},
    )
    translator = s2s_viz.load(str(train_translator(config, tmp_path).path))
    outputs = translator.translate_batch([s for s, _ in sample])
    assert outputs == [t for _, t in sample]


def test_greedy_equals_beam_of_width_one(tiny_translator):
    for text in ["hello", "abcdefg", "zzyx"]:
        greedy = tiny_translator.translate(text, strategy="greedy")
        beam = tiny_translator.translate(text, strategy="beam", beam_width=1)
        assert greedy.text == beam.text
        assert [s.token for s in greedy.steps] == [s.token for s in beam.steps]


def test_beam_search_never_scores_worse_than_greedy(tiny_translator):
    greedy = tiny_translator.translate("qwerty", strategy="greedy")
    beam = tiny_translator.translate("qwerty", strategy="beam", beam_width=4)
    logp = lambda result: sum(np.log(s.probability) for s in result.steps) / len(result.steps)  # noqa: E731
    assert logp(beam) >= logp(greedy) - 1e-4


def test_seeded_sampling_reproduces(tiny_translator):
    first = tiny_translator.translate("abcdef", strategy="sample", temperature=2.0, seed=7).text
    assert tiny_translator.translate("abcdef", strategy="sample", temperature=2.0, seed=7).text == first
    others = {tiny_translator.translate("abcdef", strategy="sample", temperature=2.0, seed=s).text for s in range(8)}
    assert len(others) > 1


def test_trace_and_attention_shapes(tiny_translator):
    result = tiny_translator.translate("abcd")
    assert result.attention.shape == (len(result.steps), 4)
    np.testing.assert_allclose(result.attention.sum(axis=1), 1.0, atol=1e-5)
    assert result.steps[-1].token == "\n"
    for step in result.steps:
        assert len(step.top) == 5 and step.top[0][1] >= step.top[-1][1]
        assert step.top[0][0] == step.token  # greedy picks the most likely


def test_each_steps_context_is_the_weighted_sum_the_attention_layer_reads(tiny_translator):
    """The trace's c_i = sum_j alpha_ij h_j equals what the model's own attention layer returns at that step, from
    the top decoder state before it (Bahdanau's order) and the encoder's outputs."""
    from keras import ops

    trace = tiny_translator.trace("abcd")
    assert trace.attention.shape == (len(trace.tokens), 4) and trace.encoder_outputs.shape == (4, 32)
    assert trace.contexts.shape == (len(trace.tokens), 32)
    model = tiny_translator.model
    source = ops.convert_to_tensor(np.array([tiny_translator.prepare("abcd")[0]], dtype=np.int32))
    memory, _ = model.encode(source)
    for step in (0, 2):
        before = trace.initial_states[-1]["h"] if step == 0 else trace.decoder_states[-1]["h"][step - 1]
        context, alpha = model.attention(
            ops.convert_to_tensor(before[None]), memory["outputs"], memory["keys"], memory["mask"]
        )
        np.testing.assert_allclose(ops.convert_to_numpy(alpha)[0], trace.attention[step], atol=1e-5)
        np.testing.assert_allclose(ops.convert_to_numpy(context)[0], trace.contexts[step], atol=1e-4)


def test_batch_equals_one_by_one(tiny_translator):
    texts = ["abc", "hello", "x", "abcdefghij"]
    assert tiny_translator.translate_batch(texts) == [tiny_translator.translate(t).text for t in texts]


@pytest.mark.parametrize("text", ["", "   \t ", "😀😀", "\ud800"])
def test_untranslatable_input_is_a_clear_error(tiny_translator, text):
    with pytest.raises(InputError, match="empty|unknown characters"):
        tiny_translator.translate(text)


def test_unknown_characters_are_reported_and_skipped(tiny_translator):
    result = tiny_translator.translate("ab😀c\td")
    assert [(u.token, u.position) for u in result.unknown_chars] == [("😀", 2), ("\t", 4)]
    assert "positions 2, 4" in result.notice
    assert result.source_tokens == list("abcd")


def test_huge_input_is_truncated_with_a_notice(tiny_translator):
    result = tiny_translator.translate("a" * 5000)
    assert "truncated" in result.notice and len(result.source_tokens) == tiny_translator.max_source_length


def test_impossible_strategy_settings(tiny_translator):
    with pytest.raises(InputError, match="beam_width must be in 1..16"):
        tiny_translator.translate("abc", strategy="beam", beam_width=0)
    with pytest.raises(InputError, match="unknown strategy"):
        tiny_translator.translate("abc", strategy="best")
    with pytest.raises(InputError, match="temperature"):
        tiny_translator.translate("abc", strategy="sample", temperature=-1)


def test_compare_forcing_marks_the_first_divergence(tiny_translator):
    free = tiny_translator.translate("abcdef").text
    assert len(free) >= 3
    # A reference that agrees with the free-running output for two characters, then differs: divergence at 2.
    reference = free[:2] + ("x" if free[2] != "x" else "y") + free[3:]
    comparison = tiny_translator.compare_forcing("abcdef", reference)
    assert [s.reference for s in comparison.steps] == [*reference, "\n"]
    assert comparison.free_text == free
    assert comparison.first_divergence == 2
    assert tiny_translator.compare_forcing("abcdef", free).first_divergence is None
    short = tiny_translator.compare_forcing("abcdef", free[:2])  # a reference shorter than what the model writes
    assert short.free_text == free and len(short.steps) == 3  # the output whole; the steps the reference's
    for step in comparison.steps:
        assert 0.0 <= step.forced_reference_probability <= 1.0
    # While the free run still agrees with the reference, both decoders saw the same prefix.
    for step in comparison.steps[: comparison.first_divergence]:
        assert step.forced_reference_probability == pytest.approx(step.free_reference_probability, abs=1e-5)


@pytest.mark.parametrize("name", ["lstm-char-en-fr", "gru-char-en-fr", "attention-char-en-fr", "attention-char-fr-en"])
def test_the_loop_written_out_by_hand_writes_what_the_compiled_loop_writes(name):
    translator = s2s_viz.load(name)
    sentences = ["I am cold.", "Tom is wise.", "Where is the station?"] if name.endswith("en-fr") else ["J'ai froid."]
    for text in sentences:
        trace = translator.trace(text)
        assert trace.text == translator.translate(text).text
        top = trace.decoder_states[-1]
        assert top["h"].shape == (len(trace.tokens), translator.model.spec.latent_dim)
        assert set(top) == ({"h"} if translator.model.spec.cell == "gru" else {"h", "c"})
        for final, initial in zip(trace.encoder_states, trace.initial_states):  # the hand-over
            assert all(np.array_equal(final[key], initial[key]) for key in final)
    from_zeros = translator.trace("I am cold." if name.endswith("en-fr") else "J'ai froid.", hand_over=False)
    assert not any(value.any() for layer in from_zeros.initial_states for value in layer.values())


def test_without_the_hand_over_a_plain_lstm_does_not_know_the_sentence():
    translator = s2s_viz.load("lstm-char-en-fr")
    texts = {translator.trace(text, hand_over=False).text for text in ["I am cold.", "We won.", "Tom is wise."]}
    assert len(texts) == 1  # the same output for every source: it only ever saw it through the states


def test_a_transformer_has_no_states_to_trace():
    with pytest.raises(InputError, match="only an RNN translator"):
        s2s_viz.load("transformer-char-en-fr").trace("I am cold.")


@pytest.mark.parametrize("width", [1, 2, 3, 5])
@pytest.mark.parametrize("length_penalty", [0.0, 1.0, 2.0])
def test_the_compiled_beam_search_finds_what_the_python_one_finds(tiny_translator, width, length_penalty):
    decoder = tiny_translator.decoder
    for text in ["qwerty", "abc", "hello world", "zz"]:
        ids, _, _ = tiny_translator.prepare(text)
        source = np.array([ids], dtype=np.int32)
        expected = decoder.beam_stepwise(source, tiny_translator.max_steps, width, length_penalty)
        found = decoder.beam_search(source, tiny_translator.max_steps, width, length_penalty)
        assert np.array_equal(found.tokens, expected[0]), (text, width)
        steps = np.arange(len(expected[0]))
        np.testing.assert_allclose(found.chosen_log_probs, expected[1][steps, expected[0]], atol=1e-4)
        np.testing.assert_allclose(found.top_log_probs, -np.sort(-expected[1], axis=1)[:, :TOP_K], atol=1e-4)
        np.testing.assert_allclose(np.take_along_axis(expected[1], found.top_ids, 1), found.top_log_probs, atol=1e-4)
        np.testing.assert_allclose(found.attention, expected[2], atol=1e-4)
        ranks = [h.normalised for h in found.hypotheses]
        assert 1 <= len(ranks) <= width and ranks == sorted(ranks, reverse=True)
        assert np.array_equal(found.hypotheses[0].tokens, found.tokens)


def test_a_beam_translation_lists_its_candidates_best_first(tiny_translator):
    result = tiny_translator.translate("qwerty", strategy="beam", beam_width=4)
    assert result.hypotheses[0].text == result.text and len(result.hypotheses) <= 4
    assert all(h.ended for h in result.hypotheses)  # the copy task ends well inside the step limit
    assert tiny_translator.translate("qwerty").hypotheses == []  # greedy has no candidates to list


def test_every_sentence_of_up_to_32_tokens_shares_one_compiled_shape():
    """A fresh server compiles each model once for the sentences people type (not once for 16 tokens and again for
    32); longer ones go up by 16, never past a Transformer's position table; batches keep multiples of 16."""
    import numpy as np

    from s2s_viz.decoding.outputs import padded_columns

    widths = {length: padded_columns(np.ones((1, length), int), None).shape[1] for length in (1, 10, 29, 32, 33, 50)}
    assert widths == {1: 32, 10: 32, 29: 32, 32: 32, 33: 48, 50: 64}
    assert padded_columns(np.ones((1, 10), int), 20).shape[1] == 20
    assert padded_columns(np.ones((2, 25), int), 20).shape[1] == 25  # never cut
    # a batch keeps its tight padding: its cost grows with every column
    assert padded_columns(np.ones((8, 10), int), None).shape[1] == 16


def test_a_transformers_maps_are_the_same_padded_to_one_shape():
    """The Transformer view's maps are computed on sequences padded to one shape (one compilation for every
    sentence of up to 32 tokens): the real rows and columns are those of the unpadded pass."""
    from s2s_viz import backend

    translator = s2s_viz.loaded("transformer-char-en-fr")
    source = np.asarray([translator.prepare("Where is the station?")[0]], np.int32)
    written = [step.token for step in translator.translate("Where is the station?").steps]
    ids = [translator.target_vocab.id_of(token) for token in written[:-1]]
    target = np.asarray([[translator.target_vocab.start_id, *ids]], np.int32)
    padded = translator._maps(source, target)
    plain = backend.to_numpy(translator._attention_maps(source, target))
    for kind, layers in plain.items():
        for layer, maps in enumerate(layers):
            assert padded[kind][layer].shape == maps[0].shape
            np.testing.assert_allclose(padded[kind][layer], maps[0], atol=1e-5)
