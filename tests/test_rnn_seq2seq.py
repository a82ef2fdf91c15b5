"""The encoder-decoder RNN: every variant builds, trains and decodes; the training modes really train."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from s2s_viz.models import RNNSeq2Seq, masked_loss
from s2s_viz.models.rnn_seq2seq import RNNSeq2SeqConfig

SOURCE_VOCAB, TARGET_VOCAB = 12, 14


def batch(seed=0, size=8):
    rng = np.random.default_rng(seed)
    source = rng.integers(1, SOURCE_VOCAB, (size, 6)).astype("int32")
    source[:, 4:] = 0
    decoder_input = rng.integers(3, TARGET_VOCAB, (size, 7)).astype("int32")
    decoder_input[:, 0] = 1
    decoder_target = np.zeros_like(decoder_input)
    decoder_target[:, :-1] = decoder_input[:, 1:]
    return (source, decoder_input), decoder_target


def make(**overrides):
    return RNNSeq2Seq(
        {"source_vocab_size": SOURCE_VOCAB, "target_vocab_size": TARGET_VOCAB, "latent_dim": 16, **overrides}
    )


# every pair of settings (cell x layers, cell x direction, layers x direction) in four runs instead of all eight
@pytest.mark.parametrize(
    ("cell", "num_layers", "bidirectional"),
    [("lstm", 1, False), ("lstm", 2, True), ("gru", 1, True), ("gru", 2, False)],
)
def test_every_variant_builds_trains_a_step_and_decodes(cell, num_layers, bidirectional):
    model = make(cell=cell, num_layers=num_layers, bidirectional=bidirectional)
    (source, decoder_input), decoder_target = batch()
    assert model((source, decoder_input)).shape == (8, 7, TARGET_VOCAB)
    model.compile(optimizer="adam", loss=masked_loss)
    before = [w.numpy().copy() for w in model.trainable_weights]
    model.fit((source, decoder_input), decoder_target, epochs=1, verbose=0)
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(before, model.trainable_weights))
    memory, states = model.encode(source)
    assert len(states) == num_layers and all(len(s) == (2 if cell == "lstm" else 1) for s in states)
    logits, states, alpha = model.decode_step(decoder_input[:, 0], states, memory)
    assert logits.shape == (8, TARGET_VOCAB) and alpha.shape == (8, 6)


def test_gru_carries_one_state_and_lstm_two():
    source = batch()[0][0]
    assert [len(s) for s in make(cell="gru").encode(source)[1]] == [1]
    assert [len(s) for s in make(cell="lstm").encode(source)[1]] == [2]


@pytest.mark.parametrize("ratio", [0.0, 0.5])
def test_reinjection_and_scheduled_sampling_train(ratio):
    model = make(teacher_forcing_ratio=ratio, latent_dim=32)
    (source, decoder_input), decoder_target = batch(size=16)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=masked_loss)
    history = model.fit((source, decoder_input), decoder_target, epochs=30, verbose=0).history["loss"]
    assert history[-1] < 0.8 * history[0]


def test_teacher_forcing_ratio_one_and_stepwise_path_agree():
    """The fast teacher-forced path and the step-by-step loop are the same computation."""
    model = make(latent_dim=16)
    (source, decoder_input), _ = batch()
    memory, states = model.encode(source)
    stepwise, _ = model._stepwise(decoder_input, states, memory, 1.0, False)
    np.testing.assert_allclose(model((source, decoder_input)), stepwise, atol=1e-5)


def test_masked_loss_ignores_padding():
    logits = np.random.default_rng(0).normal(size=(2, 4, 5)).astype("float32")
    target = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    changed = logits.copy()
    changed[:, 2:] += 100.0  # only padded positions change
    changed[1, 1:] -= 50.0
    assert float(masked_loss(target, logits)) == pytest.approx(float(masked_loss(target, changed)), rel=1e-6)


@pytest.mark.parametrize("attention", ["none", "additive", "general"])
def test_save_and_load_give_identical_outputs(tmp_path, attention):
    model = make(attention=attention, bidirectional=attention != "none")
    (source, decoder_input), _ = batch()
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(model((source, decoder_input)), loaded((source, decoder_input)), atol=1e-6)


def test_tied_output_scores_each_word_against_its_own_embedding_and_round_trips(tmp_path):
    settings = dict(embedding_dim=8, attention="additive", attention_order="luong")
    tied, untied = make(tie_embeddings=True, **settings), make(**settings)
    # The output matrix (features x V) is replaced by a projection to the embedding size and a bias over V.
    assert untied.count_params() - tied.count_params() == (16 + 16) * (TARGET_VOCAB - 8) - 8
    (source, decoder_input), decoder_target = batch()
    memory, states = tied.encode(source)
    features = tied._step_features(tied.target_embedding(decoder_input[:, 0]), states, memory)[0]
    logits = tied.decode_step(decoder_input[:, 0], states, memory)[0]
    expected = tied.output_layer(features) @ np.asarray(tied.target_embedding.embeddings).T
    np.testing.assert_allclose(logits, expected + np.asarray(tied.output_bias), atol=1e-5)
    tied.compile(optimizer=keras.optimizers.Adam(0.01), loss=masked_loss)
    first = tied.train_on_batch((source, decoder_input), decoder_target)
    for _ in range(5):
        last = tied.train_on_batch((source, decoder_input), decoder_target)
    assert last < first  # the gradient reaches the shared embedding through both uses
    path = tmp_path / "tied.keras"
    tied.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(tied((source, decoder_input)), loaded((source, decoder_input)), atol=1e-6)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cell": "rnn"}, "cell must be"),
        ({"latent_dim": 100_000}, "latent_dim must be in 1..4096"),
        ({"num_layers": 0}, "num_layers must be in 1..4"),
        ({"teacher_forcing_ratio": 1.5}, "teacher_forcing_ratio"),
        ({"attention": "dot", "bidirectional": True}, "use general"),
        ({"reverse_source": True, "attention": "additive"}, "reverse_source is for models without attention"),
        ({"tie_embeddings": True}, "tie_embeddings needs an Embedding layer"),
    ],
)
def test_impossible_configs_name_the_allowed_range(overrides, message):
    with pytest.raises(ValueError, match=message):
        RNNSeq2SeqConfig(SOURCE_VOCAB, TARGET_VOCAB, **overrides).validate()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_reverse_source_reads_each_sentence_backwards_and_ignores_padding(cell):
    """Reversed = the same weights fed the characters last to first; the padding (any amount) stays last."""
    reversed_model, plain = make(cell=cell, reverse_source=True), make(cell=cell)
    plain.set_weights(reversed_model.get_weights())
    source = np.array([[3, 4, 5, 0, 0, 0], [6, 7, 8, 9, 10, 0]], dtype="int32")
    backwards = np.array([[5, 4, 3, 0, 0, 0], [10, 9, 8, 7, 6, 0]], dtype="int32")
    wider = np.pad(source, ((0, 0), (0, 10)))  # a wider length bucket
    for a, b, c in zip(
        reversed_model.encode(source)[1][0], plain.encode(backwards)[1][0], reversed_model.encode(wider)[1][0]
    ):
        np.testing.assert_allclose(a, b, atol=1e-6)
        np.testing.assert_allclose(a, c, atol=1e-6)
    assert not np.allclose(reversed_model.encode(source)[1][0][0], plain.encode(source)[1][0][0], atol=1e-4)


def test_reverse_source_decodes_the_same_with_xla_and_the_plain_loop():
    from s2s_viz.decoding import GREEDY, StepDecoder

    model = make(reverse_source=True)
    source = batch(seed=3)[0][0]
    xla = StepDecoder(model, 1, 2)
    a = xla.run(source, 7, GREEDY)
    b = StepDecoder(model, 1, 2, xla=False).run(source, 7, GREEDY)
    assert xla.xla  # compiled, not fallen back
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_allclose(a.top_probs, b.top_probs, atol=1e-5)


def test_dropout_drops_encoder_outputs_in_training_only():
    """With dropout, the outputs the attention reads are thinned in training and untouched in inference."""
    model = make(dropout=0.5, attention="additive", bidirectional=True)
    source = batch()[0][0]
    inference = [model.encode(source)[0]["outputs"].numpy() for _ in range(2)]
    np.testing.assert_array_equal(inference[0], inference[1])
    trained = model.encode(source, training=True)[0]["outputs"].numpy()
    real = inference[0][source > 0]  # (N, d_h): the real source positions only
    dropped = trained[source > 0] == 0
    assert 0.3 < dropped[real != 0].mean() < 0.7
    np.testing.assert_allclose(trained[source > 0][~dropped], 2 * real[~dropped], rtol=1e-5)
