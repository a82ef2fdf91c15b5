"""Fill in the blank (the notes' reason for a bidirectional RNN): a forward RNN's guess depends on what comes before
the blank only; a bidirectional one's also on what comes after. Real (tiny) Keras models, real fra.txt."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import needs_fra

from s2s_viz.blanks import BLANK, BlankFill, blank_rows, blank_vocab
from s2s_viz.translation import InputError

SENTENCES = ["Tom is a good doctor.", "I am hungry.", "We won!", "Go away."]


def tiny_filler(bidirectional: bool) -> BlankFill:
    from s2s_viz.models.blank import BlankFiller

    vocab = blank_vocab(SENTENCES)
    model = BlankFiller({"vocab_size": vocab.size, "blank_id": 1, "units": 8, "bidirectional": bidirectional})
    card = {"name": "tiny", "training": {"config": {"max_length": 40}}}
    return BlankFill(model, vocab, card)


def test_forward_guess_ignores_what_follows_the_blank_bidirectional_reads_it():
    import keras

    keras.utils.set_random_seed(3)
    forward, both = tiny_filler(False), tiny_filler(True)
    # same left context "Tom is ", different right contexts
    for filler, should_differ in ((forward, False), (both, True)):
        one = [g.probability for g in filler.fill("Tom is _ good doctor.", top=40)]
        other = [g.probability for g in filler.fill("Tom is _ doctor.", top=40)]
        assert (not np.allclose(one, other, atol=1e-6)) == should_differ


def test_blank_rows_hide_one_real_character_each():
    vocab = blank_vocab(SENTENCES)
    rows, targets = blank_rows(SENTENCES, vocab, max_length=40, copies=3, seed=0)
    assert rows.shape == (12, 40) and targets.shape == (12,)
    assert ((rows == vocab.id_of(BLANK)).sum(axis=1) == 1).all()
    for row, target, sentence in zip(rows, targets, np.repeat(SENTENCES, 3)):
        position = int(np.flatnonzero(row == vocab.id_of(BLANK))[0])
        assert position < len(sentence) and vocab.token(int(target)) == sentence[position]


def test_every_position_hides_each_character_once():
    filler = tiny_filler(True)
    scores = filler.every_position("We won!")
    assert [s.char for s in scores] == list("We won!")
    single = filler.fill("We _on!", top=40)
    assert scores[3].probability == pytest.approx(next(g.probability for g in single if g.char == "w"), abs=1e-6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a sentence"),
        ("Tom is _ good _octor.", "exactly one"),
        ("Tom is a doctor.", "exactly one"),
        ("Tom ist _ gut. Ärzte", "never saw"),
        ("a" * 41 + "_", "at most 40"),
    ],
)
def test_bad_input_gets_a_clear_answer(text, message):
    with pytest.raises(InputError, match=message):
        tiny_filler(False).fill(text)


@needs_fra
def test_trained_blank_model_saves_loads_and_reports_test_accuracy(tmp_path):
    import s2s_viz
    from s2s_viz.training.blanks import BlankTrainConfig, train_blanks

    config = BlankTrainConfig(
        name="tiny-blank", limit=400, epochs=1, copies=2, test_sentences=200, model={"units": 16, "bidirectional": True}
    )
    result = train_blanks(config, tmp_path)
    metrics = result.card["metrics"]
    scored = int(re.match(r"test-short English sentences \((\d+)\)", metrics["split"]).group(1))
    assert 0 <= metrics["blank_accuracy"] <= 100 and 100 < scored <= 200  # those whose characters it knows
    loaded = s2s_viz.load(result.path)
    assert isinstance(loaded, BlankFill) and loaded.bidirectional
    again = [g.probability for g in loaded.fill("I am _ungry.")]
    first = [g.probability for g in BlankFill(result.model, loaded.vocab, result.card).fill("I am _ungry.")]
    assert again == pytest.approx(first, abs=1e-6)
