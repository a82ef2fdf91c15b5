"""Attention and Transformer translators: they learn what attention should learn, and round-trip exactly."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_viz
from s2s_viz.models import TransformerTranslator
from s2s_viz.models.attention import SeqAttention
from s2s_viz.models.transformer import sinusoidal_encoding
from s2s_viz.training import TranslatorTrainConfig, train_translator


def test_padding_gets_exactly_zero_weight():
    for kind in ("additive", "dot", "general", "learned"):
        layer = SeqAttention(kind, units=8)
        layer.build(6, 6)
        values = np.random.default_rng(0).normal(size=(2, 5, 6)).astype("float32")
        mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
        context, alpha = layer(np.ones((2, 6), "float32"), values, layer.prepare(values), mask)
        alpha = np.asarray(alpha)
        assert np.all(alpha[0, 3:] == 0) and np.allclose(alpha.sum(axis=1), 1.0, atol=1e-6)
        np.testing.assert_allclose(context[0], (alpha[0, :, None] * values[0]).sum(0), atol=1e-5)


def test_the_notes_attention_weighs_every_channel_over_positions_and_ignores_the_decoder():
    """The notes' "like an SE block" attention: a Dense across positions per channel, then a softmax over positions."""
    layer = SeqAttention("positional", positions=7)
    layer.build(4, 6)
    assert tuple(layer.W.shape) == (7, 7)  # a map from positions to positions, not from channels
    rng = np.random.default_rng(1)
    values = rng.normal(size=(2, 5, 6)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)
    keys = layer.prepare(values)
    context, alpha = layer(rng.normal(size=(2, 4)).astype("float32"), values, keys, mask)
    again, alpha_again = layer(rng.normal(size=(2, 4)).astype("float32"), values, keys, mask)
    np.testing.assert_array_equal(np.asarray(alpha), np.asarray(alpha_again))  # another decoder state: the same
    np.testing.assert_array_equal(np.asarray(context), np.asarray(again))
    per_channel = np.exp(np.asarray(keys)[0, :3]) / np.exp(np.asarray(keys)[0, :3]).sum(0)  # (3 positions, 6)
    np.testing.assert_allclose(context[0], (per_channel * values[0, :3]).sum(0), atol=1e-5)  # each channel its own
    assert np.all(np.asarray(alpha)[0, 3:] == 0) and np.allclose(np.asarray(alpha).sum(axis=1), 1.0, atol=1e-6)
    assert np.abs(per_channel - per_channel[:, :1]).max() > 1e-3  # the channels' weights differ


@pytest.mark.parametrize("kind", ["learned", "positional", "additive"])
def test_only_attention_that_reads_the_decoder_state_changes_its_rows(kind):
    """``learned`` and the notes' ``positional`` score the source alone: every output step reads the same weights;
    additive attention reads s_{i-1} and moves from step to step."""
    from s2s_viz.models.rnn_seq2seq import RNNSeq2Seq

    model = RNNSeq2Seq(
        {
            "source_vocab_size": 20,
            "target_vocab_size": 15,
            "latent_dim": 16,
            "attention": kind,
            "attention_positions": 9 if kind == "positional" else 0,
        }
    )
    rng = np.random.default_rng(0)
    source, target = rng.integers(1, 20, (2, 7)), rng.integers(1, 15, (2, 6))
    source[0, 5:] = 0
    memory, states = model.encode(source)
    rows = []
    for t in range(6):
        logits, states, alpha = model.decode_step(target[:, t], states, memory)
        rows.append(np.asarray(alpha))
    spread = np.abs(np.stack(rows) - rows[0]).max()
    assert (spread == 0) == (kind != "additive")
    assert np.all(rows[0][0, 5:] == 0)


@pytest.fixture(scope="module")
def reverse_model(tmp_path_factory):
    config = TranslatorTrainConfig(
        name="reverse",
        data="toy:reverse",
        toy_count=4000,
        validation_pairs=200,
        epochs=12,  # 8 left it repeating characters on one CPU (Intel Xeon, AMX), 12 reverse every word
        batch_size=64,
        learning_rate=0.005,
        max_source_length=12,
        max_target_length=12,
        model={"latent_dim": 64, "attention": "additive", "attention_units": 32, "bidirectional": True},
    )
    result = train_translator(config, tmp_path_factory.mktemp("reverse"))
    return s2s_viz.load(str(result.path))


def test_additive_attention_learns_the_anti_diagonal_on_reverse(reverse_model):
    hits = total = 0
    for word in ["abcdefg", "hello", "qwertyui", "zyxwvu", "mnbvcxzl", "pattern"]:
        result = reverse_model.translate(word)
        steps = len(word)  # the end symbol's step is left out
        argmax = result.attention[:steps].argmax(axis=1)
        hits += int((argmax == np.arange(steps)[::-1]).sum())
        total += steps
    assert hits / total >= 0.9, hits / total


def test_attention_round_trip_is_exact(reverse_model, tmp_path):
    from s2s_viz import checkpoints

    card = {k: v for k, v in reverse_model.card.items() if k != "unknown_fields"}
    checkpoints.save(reverse_model.model, card, tmp_path, "copy-of-reverse")
    loaded = s2s_viz.load(str(tmp_path / "copy-of-reverse.keras"))
    a, b = reverse_model.translate("abcdef", strategy="beam"), loaded.translate("abcdef", strategy="beam")
    assert a.text == b.text
    np.testing.assert_allclose(a.attention, b.attention, atol=1e-6)


def test_date_attention_is_monotonic_where_the_format_keeps_order():
    """The shipped date model: a bidirectional LSTM with additive attention (configs/attention-dates.toml)."""
    translator = s2s_viz.load("attention-dates")
    # "2026/11/27" -> "2026-11-27": the year, month and day keep their order, so the alignment should too.
    result = translator.translate("2016/3/7")
    assert result.text == "2016-03-07"
    peaks = result.attention[:4].argmax(axis=1)  # the four year digits
    assert list(peaks) == sorted(peaks) and peaks[-1] <= 4


def transformer(**overrides):
    config = {
        "source_vocab_size": 20,
        "target_vocab_size": 22,
        "d_model": 32,
        "num_heads": 4,
        "d_ff": 64,
        "max_length": 16,
        "dropout": 0.0,
        **overrides,
    }
    return TransformerTranslator(config)


def test_kv_cached_steps_equal_the_full_pass():
    model = transformer(num_layers=2)
    rng = np.random.default_rng(1)
    source = rng.integers(1, 20, (3, 7)).astype("int32")
    source[0, 5:] = 0
    target = rng.integers(1, 22, (3, 9)).astype("int32")
    full = np.asarray(model((source, target)))
    memory, states = model.encode(source)
    stepwise = []
    for t in range(9):
        logits, states, _ = model.decode_step(target[:, t], states, memory)
        stepwise.append(np.asarray(logits))
    np.testing.assert_allclose(np.stack(stepwise, 1), full, atol=1e-4)


def test_xla_decoding_with_padded_buckets_equals_the_plain_loop():
    """The Transformer's XLA loop pads batch, source and steps to fixed sizes; results are cut back exactly."""
    from s2s_viz.decoding import FORCED, GREEDY, SAMPLE, StepDecoder

    model = transformer(num_layers=2)
    rng = np.random.default_rng(3)
    source = rng.integers(3, 20, (3, 7)).astype("int32")  # 3 rows (padded to 4), 7 columns (padded to 16)
    source[1, 4:] = 0
    reference = rng.integers(3, 22, (3, 9)).astype("int32")
    xla, plain = StepDecoder(model, 1, 2), StepDecoder(model, 1, 2, xla=False)
    assert xla.xla and not plain.xla
    for mode in (GREEDY, FORCED):
        a = xla.run(source, 9, mode, reference_ids=reference, temperature=0.7, seed=4)
        b = plain.run(source, 9, mode, reference_ids=reference, temperature=0.7, seed=4)
        assert a.attention.shape == b.attention.shape == (3, 9, 7)
        np.testing.assert_array_equal(a.tokens, b.tokens)
        np.testing.assert_array_equal(a.lengths, b.lengths)
        np.testing.assert_allclose(a.top_probs, b.top_probs, atol=1e-5)
        np.testing.assert_allclose(a.attention, b.attention, atol=1e-5)
    assert (a.attention[1, :, 4:] == 0).all()  # padding of a real row is never read
    # XLA draws its own random numbers: samples differ from the plain loop's but a seed still fixes them
    first, again = (xla.run(source, 9, SAMPLE, temperature=0.7, seed=4) for _ in range(2))
    np.testing.assert_array_equal(first.tokens, again.tokens)
    assert first.tokens.shape == (3, 9)


def test_xla_decoding_of_a_padded_bidirectional_attention_rnn_equals_the_plain_loop():
    from s2s_viz.decoding import FORCED, GREEDY, StepDecoder
    from s2s_viz.models import RNNSeq2Seq

    model = RNNSeq2Seq(
        {
            "source_vocab_size": 20,
            "target_vocab_size": 22,
            "latent_dim": 16,
            "bidirectional": True,
            "attention": "additive",
            "attention_units": 8,
        }
    )
    rng = np.random.default_rng(5)
    source = rng.integers(3, 20, (2, 5)).astype("int32")  # padded to 16 columns: the masked encoder must skip them
    source[0, 3:] = 0
    xla, plain = StepDecoder(model, 1, 2), StepDecoder(model, 1, 2, xla=False)
    assert xla.xla
    for mode in (GREEDY, FORCED):
        a = xla.run(source, 7, mode, reference_ids=source)
        b = plain.run(source, 7, mode, reference_ids=source)
        np.testing.assert_array_equal(a.tokens, b.tokens)
        np.testing.assert_allclose(a.top_probs, b.top_probs, atol=1e-5)
        np.testing.assert_allclose(a.attention, b.attention, atol=1e-5)


def test_decoding_falls_back_to_the_graph_loop_where_xla_is_missing():
    import tensorflow as tf

    from s2s_viz.decoding import GREEDY, StepDecoder

    model = transformer()
    source = np.array([[3, 4, 5]], dtype="int32")
    decoder = StepDecoder(model, 1, 2)

    def no_xla(*args, **kwargs):
        raise tf.errors.UnimplementedError(None, None, "XLA is not built into this TensorFlow")

    decoder._loops = dict.fromkeys(decoder._loops, no_xla)
    out = decoder.run(source, 6, GREEDY)
    assert not decoder.xla and out.tokens.shape == (1, 6) and out.attention.shape == (1, 6, 3)
    np.testing.assert_array_equal(out.tokens, StepDecoder(model, 1, 2, xla=False).run(source, 6, GREEDY).tokens)


@pytest.mark.parametrize("positional", ["sinusoidal", "learned"])
def test_causal_masking_hides_the_future(positional):
    model = transformer(positional=positional)
    rng = np.random.default_rng(2)
    source = rng.integers(1, 20, (1, 6)).astype("int32")
    target = rng.integers(1, 22, (1, 8)).astype("int32")
    changed = target.copy()
    changed[0, 5:] = (changed[0, 5:] % 21) + 1  # change only future tokens
    a, b = np.asarray(model((source, target))), np.asarray(model((source, changed)))
    np.testing.assert_allclose(a[0, :5], b[0, :5], atol=1e-6)
    assert not np.allclose(a[0, 5:], b[0, 5:])


def test_sinusoidal_encoding_matches_the_paper():
    encoding = sinusoidal_encoding(50, 16)
    assert encoding[7, 0] == pytest.approx(np.sin(7)) and encoding[7, 1] == pytest.approx(np.cos(7))
    assert encoding[7, 2] == pytest.approx(np.sin(7 / 10000 ** (2 / 16)), rel=1e-5)


def test_transformer_overfits_twenty_pairs_and_round_trips(tmp_path):
    config = TranslatorTrainConfig(
        name="tiny-transformer",
        architecture="transformer",
        data="toy:dates",
        toy_count=20,
        validation_pairs=1,
        epochs=60,
        batch_size=5,  # four steps an epoch: about 240 steps in all, with a checkpoint a quarter as often
        bucket_width=32,  # every batch one shape: the training step is traced once, not once per shape
        learning_rate=0.003,
        max_source_length=20,
        max_target_length=12,
        model={"d_model": 64, "num_heads": 4, "d_ff": 128, "num_layers": 2, "dropout": 0.0},
    )
    result = train_translator(config, tmp_path)
    translator = s2s_viz.load(str(result.path))
    from s2s_viz.data import toy

    pairs = toy.make_pairs("dates", 20, seed=0)
    assert translator.translate_batch(pairs.sources) == pairs.targets
    a = translator.translate(pairs.sources[0], strategy="beam", beam_width=3)
    assert a.text == pairs.targets[0]
    maps = a.attention_maps
    assert set(maps) == {"encoder_self", "decoder_self", "cross"} and len(maps["cross"]) == 2
    assert maps["cross"][0].shape == (4, len(a.steps), len(a.source_tokens))
    np.testing.assert_allclose(a.attention.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("overrides", "message"), [({"d_model": 30, "num_heads": 4}, "divisible"), ({"num_layers": 0}, "num_layers")]
)
def test_impossible_transformer_configs(overrides, message):
    with pytest.raises(ValueError, match=message):
        transformer(**overrides)


@pytest.mark.parametrize("norm_first", [False, True])
def test_the_residual_stream_through_a_block_adds_up(norm_first):
    """Each recorded stage is what the block computes: the adds add, the last stage is the block's output."""
    from s2s_viz.models.transformer import EncoderBlock

    block = EncoderBlock(16, 2, 32, dropout=0.0, norm_first=norm_first)
    x = np.random.default_rng(0).normal(size=(2, 5, 16)).astype("float32")
    block.build(x.shape)
    output, _ = block(x)
    _, _, stages = block.run(x)
    names = [name for name, _ in stages]
    attended, added = (np.asarray(stages[names.index(name)][1]) for name in ("multi-head attention", "add"))
    np.testing.assert_allclose(np.asarray(stages[-1][1]), np.asarray(output), atol=1e-6)
    np.testing.assert_allclose(added, x + attended, atol=1e-5)  # the residual connection
    assert [name for name, _ in stages][0] == "block input" and len(stages) == 7


def test_inside_a_shipped_transformer_block_and_the_papers_sizes():
    from s2s_viz.training.recipes import PAPER_TRANSFORMER, WHAT, make_config
    from s2s_viz.ui.common import refuse
    from s2s_viz.ui.transformer import block_inside

    figure, table, sizes = block_inside("transformer-char-en-fr", "I am cold.", 1, 2)
    assert len(table) == 7 and table.columns[1] == "|x| of 'a' (2)"
    assert figure.data[0].z.shape == (7, len("I am cold."))
    spec = s2s_viz.load("transformer-char-en-fr").model.spec  # the model's column is the loaded model's own
    shown = sizes.set_index("size")["transformer-char-en-fr"]
    assert (shown["d_model"], shown["d_ff"]) == (spec.d_model, spec.d_ff) and shown["d_model"] != 512
    with pytest.raises(type(refuse("x")), match="block must be in 0..2"):
        block_inside("transformer-char-en-fr", "I am cold.", 5, 0)
    with pytest.raises(type(refuse("x")), match="character must be in 0..9"):
        block_inside("transformer-char-en-fr", "I am cold.", 0, 40)
    paper = next(name for name in WHAT if "paper" in name)
    _, config = make_config(paper, "toy:dates", "paper-size", 1, 64, 0.001, 128, 2, 1.0, 1000)
    assert config.model == {**PAPER_TRANSFORMER, "activation": "relu"}  # the form's size and layers do not shrink it
    from s2s_viz.training import estimate_parameters

    assert estimate_parameters(config, 100, 100) > 40_000_000  # the base model's tens of millions of weights


def test_the_train_tab_switches_a_transformers_feed_forward_activation():
    """relu (the original Transformer's) or gelu (BERT's, ViT's): the block's first feed-forward layer uses it."""
    import keras

    from s2s_viz.models.transformer import TransformerTranslator
    from s2s_viz.training.recipes import make_config

    form = ("translator: Transformer", "toy:dates", "ffn", 1, 64, 0.001, 32, 1, 1.0, 300)
    for activation in ("relu", "gelu"):
        _, config = make_config(*form, activation=activation)
        model = TransformerTranslator({**config.model, "source_vocab_size": 20, "target_vocab_size": 20})
        model((np.ones((1, 5), "int32"), np.ones((1, 4), "int32")))
        block = model.encoder_blocks[0]
        assert block.ffn_in.activation is keras.activations.get(activation)
        assert model.spec.activation == activation
    with pytest.raises(ValueError, match="relu or gelu"):
        make_config(*form, activation="tanh")


SENTENCES = [
    "Go.",
    "Hi.",
    "Run!",
    "I am cold.",
    "We won.",
    "Tom is here.",
    "Where is the station?",
    "I don't know what to do.",
    "She reads a book every night.",
    "Call me.",
    "I'm not sure I can do that.",
    "It's raining.",
    "He is a good teacher.",
    "Help!",
    "My father likes to cook fish.",
    "Be quiet.",
    "Is this your umbrella?",
    "I want to go home now.",
    "Thanks.",
    "They are sleeping.",
]


@pytest.mark.parametrize("name", ["attention-char-en-fr", "transformer-char-en-fr"])
def test_batched_greedy_drops_the_rows_that_ended_and_writes_what_one_loop_writes(name):
    """run_tokens gathers the rows still writing into smaller batches; every token is what run() writes."""
    from s2s_viz.decoding import TOKENS

    translator = s2s_viz.load(name)
    prepared = [translator.prepare(text)[0] for text in SENTENCES]
    source = np.zeros((len(prepared), max(map(len, prepared))), dtype="int32")
    for row, ids in enumerate(prepared):
        source[row, : len(ids)] = ids
    decoder = translator.decoder
    decoder.run_tokens(source, translator.max_steps)
    compiled, rows = decoder._segment, []

    def counting(tokens, *rest):
        rows.append(int(tokens.shape[0]))
        return compiled(tokens, *rest)

    decoder._segment = counting
    fast = decoder.run_tokens(source, translator.max_steps)
    whole = decoder.run(source, translator.max_steps, TOKENS)
    np.testing.assert_array_equal(fast.tokens, whole.tokens)
    np.testing.assert_array_equal(fast.lengths, whole.lengths)
    assert rows[0] == 32 and min(rows) < 16, rows  # 20 rows padded to 32, then fewer once most had ended
    assert translator.translate_batch(SENTENCES[:6]) == [translator.translate(text).text for text in SENTENCES[:6]]


@pytest.mark.parametrize("name", ["attention-char-en-fr", "transformer-char-en-fr"])
def test_batched_greedy_encodes_in_parts_as_wide_as_their_sources(name, monkeypatch):
    """A batch is encoded in parts of ENCODE_ROWS rows, each only as wide as its own longest source, and a
    Transformer decodes with a self-attention cache only as long as the steps so far need: the tokens are those of
    one loop over the whole batch at its full width (and full cache)."""
    import s2s_viz.decoding.batched as decoding
    from s2s_viz.decoding import TOKENS

    translator = s2s_viz.load(name)
    prepared = sorted((translator.prepare(text)[0] for text in SENTENCES), key=len)  # as translate_batch sends them
    source = np.zeros((len(prepared), max(map(len, prepared))), dtype="int32")
    for row, ids in enumerate(prepared):
        source[row, : len(ids)] = ids
    decoder = translator.decoder
    monkeypatch.setattr(decoding, "ENCODE_ROWS", 8)
    decoder.run_tokens(source, translator.max_steps)
    encode, segment, widths, caches = decoder._encode_batch, decoder._segment, [], []

    def encoding(ids):
        widths.append(int(ids.shape[1]))
        return encode(ids)

    def decoding_segment(tokens, states, *rest):
        if isinstance(states, dict):  # a Transformer's: its self-attention caches
            caches.append(int(states["keys"][0].shape[2]))
        return segment(tokens, states, *rest)

    monkeypatch.setattr(decoder, "_encode_batch", encoding)
    monkeypatch.setattr(decoder, "_segment", decoding_segment)
    fast = decoder.run_tokens(source, translator.max_steps)
    whole = decoder.run(source, translator.max_steps, TOKENS)
    np.testing.assert_array_equal(fast.tokens, whole.tokens)
    np.testing.assert_array_equal(fast.lengths, whole.lengths)
    assert len(widths) == 4 and min(widths) < max(widths) <= 32, widths  # 20 rows padded to 32: 4 parts
    if name.startswith("transformer"):
        assert caches[0] == 16 and caches == sorted(caches) and caches[-1] < translator.model.spec.max_length, caches
