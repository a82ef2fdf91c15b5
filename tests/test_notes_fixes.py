"""Each "the notes say ...; in fact ..." line the app shows is true of Keras 3 and of the shipped models."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

import s2s_viz
from s2s_viz import explain
from s2s_viz.data import layouts
from s2s_viz.ui.notes import FIXES, KERAS2_STATEFUL, KERAS3_SEQUENTIAL, KERAS3_STATEFUL


def test_the_notes_keras2_stateful_line_fails_and_the_keras3_way_works():
    with pytest.raises(ValueError, match="batch_input_shape"):
        eval(KERAS2_STATEFUL, {"keras": keras})  # noqa: S307 - the notes' own line
    stateful = eval(KERAS3_STATEFUL, {"keras": keras})  # noqa: S307
    assert stateful.input_shape == (16, 10, 8) and stateful.output_shape == (16, 10, 32)
    assert stateful.layers[0].stateful
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the Keras 3 way draws no warning
        sequential = eval(KERAS3_SEQUENTIAL, {"keras": keras})  # noqa: S307
    assert sequential.output_shape == (None, 32)
    with pytest.warns(UserWarning, match="input_shape"):
        keras.Sequential([keras.layers.LSTM(32, input_shape=(10, 8))])


def test_the_scores_are_scaled_by_the_key_size_and_the_shapes_are_as_said():
    parts = explain.mha_walkthrough("attention", num_heads=2, key_dim=8, value_dim=4)
    np.testing.assert_allclose(parts["scaled"], parts["raw_scores"] / np.sqrt(8), rtol=1e-5)
    assert parts["probabilities"].shape == (2, 9, 9)  # [h, N, N] for one batch row
    assert parts["output"].shape == (9, parts["d_model"])  # [N, d_model], after W_O
    assert "W_O" in " ".join(fact for _, fact in FIXES["mha"])


def test_the_decoders_tensors_use_the_target_vocabulary_and_length():
    translator = s2s_viz.load("attention-char-en-fr")
    tensors = layouts.pair_tensors("Go away!", "Va-t'en !", translator.source_vocab, translator.target_vocab)
    assert tensors["encoder_input_data"].shape[2] == len(translator.source_vocab.tokens)
    assert (
        tensors["decoder_input_data"].shape[2]
        == len(translator.target_vocab.tokens)
        != len(translator.source_vocab.tokens)
    )
    assert tensors["decoder_input_data"].shape[1] != tensors["encoder_input_data"].shape[1]


def test_both_directions_ship_and_the_shipped_attention_is_additive():
    from s2s_viz import default_translator
    from s2s_viz.ui.translate import LUONG_ORDER, attention_note

    cards = {info.name: info.card for info in s2s_viz.list_models(kind="translator") if info.origin == "shipped"}
    assert {card.get("direction") for card in cards.values()} >= {"en-fr", "fr-en"}
    assert cards["attention-char-fr-en"]["direction"] == "fr-en"
    for name in ("attention-char-en-fr", "attention-char-fr-en"):
        config = cards[name]["model_config"]
        assert (config["attention"], config.get("attention_order", "bahdanau")) == ("additive", "bahdanau"), name
    assert default_translator() == "attention-char-en-fr"
    # the Translate tab names Luong's order where a model reads it (the word-level one); the notes' own needs no note
    assert attention_note(s2s_viz.load("attention-word-en-fr")) == LUONG_ORDER
    assert attention_note(s2s_viz.load("attention-char-en-fr")) == ""
