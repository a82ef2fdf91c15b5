"""The shipped checkpoints: each loads, and its card's figures match a fresh evaluation on a small slice."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import data_file, fra_file

import s2s_viz
from s2s_viz.checkpoints import shipped_dir
from s2s_viz.evaluation import SLICE, evaluate_translator

SHIPPED = sorted(path.stem for path in shipped_dir().glob("*.keras"))


def test_the_shipped_checkpoints_fit_their_budget_compressed():
    import zipfile

    files = [path for path in shipped_dir().iterdir() if path.suffix in (".keras", ".json")]
    assert sum(path.stat().st_size for path in files) <= 40 * 2**20
    for path in shipped_dir().glob("*.keras"):
        with zipfile.ZipFile(path) as archive:
            assert archive.getinfo("model.weights.h5").compress_type == zipfile.ZIP_DEFLATED, path.name


@pytest.mark.parametrize("name", SHIPPED)
def test_card_matches_a_fresh_evaluation(name):
    model = s2s_viz.load(name)
    card = model.card
    assert card["training"]["parameters"] == model.model.count_params()
    assert card.get("machine") and card.get("command", "").startswith("s2s-viz train --config configs/")
    metrics = card["metrics"]
    if card["kind"] == "translator":
        if "slice_200" not in metrics:
            pytest.skip(f"{name}: no slice figures on the card")
        if not str(card.get("direction")).startswith("toy:") and fra_file() is None:
            pytest.skip("needs fra.txt")
        fresh = evaluate_translator(model, limit=SLICE)
        for key, value in metrics["slice_200"].items():
            assert fresh[key] == pytest.approx(value, abs=0.02), key
    elif card["kind"] == "blank":
        if fra_file() is None:
            pytest.skip("needs fra.txt")
        from s2s_viz.evaluation import SLICE_SENTENCES, evaluate_blanks

        fresh = evaluate_blanks(model.model, model.vocab, limit=SLICE_SENTENCES)["blank_accuracy"]
        assert fresh == pytest.approx(metrics[f"slice_{SLICE_SENTENCES}_accuracy"], abs=0.02)
    else:
        if data_file("mnist/mnist.npz") is None:
            pytest.skip("needs mnist.npz")
        from s2s_viz.data.digits import load_mnist

        mnist = load_mnist()
        logits = np.asarray(model.model(mnist["x_test"][:1000] / 255.0, training=False))
        accuracy = 100 * float((logits.argmax(axis=1) == mnist["y_test"][:1000]).mean())
        assert accuracy == pytest.approx(metrics["slice_1000_accuracy"], abs=0.05)


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.endswith("-en-fr")])
def test_the_forcing_tabs_examples_diverge_for_every_english_french_translator(name):
    from s2s_viz.ui.forcing import EXAMPLES

    translator = s2s_viz.loaded(name)  # kept for the what-if test below
    for source, reference in EXAMPLES:
        comparison = translator.compare_forcing(source, reference)
        assert comparison.first_divergence is not None and comparison.free_text != reference, (name, source)


TRANSLATORS = [n for n in SHIPPED if json.loads((shipped_dir() / f"{n}.json").read_text())["kind"] == "translator"]


@pytest.mark.parametrize("name", TRANSLATORS)
def test_what_if_decoding_writes_the_forced_token_and_nothing_else_changes_without_one(name):
    translator = s2s_viz.loaded(name)
    text = "3 May 1999" if name.endswith("dates") else "I am cold."
    greedy = translator.translate(text)
    assert translator.translate(text, forced={}).text == greedy.text  # no force: greedy's own output
    assert translator.translate(text, forced={1: greedy.steps[1].token}).text == greedy.text  # its own choice
    runner_up = greedy.steps[1].top[1][0]
    found = translator.what_if(text, 1, runner_up)
    assert found.forced.steps[1].token == runner_up and found.first_difference == 1
    assert [s.token for s in found.forced.steps[:1]] == [s.token for s in greedy.steps[:1]]
    if name in ("attention-char-en-fr", "attention-word-en-fr"):  # beam: the same, the prefix kept
        beamed = translator.what_if(text, 2, found.original.steps[2].top[1][0], strategy="beam", beam_width=3)
        assert beamed.forced.steps[2].token == beamed.original.steps[2].top[1][0]
        assert [s.token for s in beamed.forced.steps[:2]] == [s.token for s in beamed.original.steps[:2]]
        assert beamed.forced.text == beamed.forced.hypotheses[0].text


@pytest.mark.parametrize(
    "forced, message",
    [
        ({99999: "a"}, "whole number in 0.."),
        ({"x": "a"}, "must be a whole number"),
        ({1.5: "a"}, "whole number in 0.."),
        ({1: "漢"}, "is not a char this model writes"),
        ({1: "\t"}, "is not a char this model writes"),
        ({1: None}, "is not a char this model writes"),
        ({1: float("nan")}, "is not a char this model writes"),
        ([1], "must map step numbers to tokens"),
        ({40: "a"}, "the output ended at step"),
    ],
)
def test_forcing_refuses_what_cannot_be_forced_and_says_why(forced, message):
    from s2s_viz.translation import InputError

    translator = s2s_viz.loaded("attention-char-en-fr")
    with pytest.raises(InputError, match=message):
        translator.translate("I am cold.", forced=forced)
    with pytest.raises(InputError, match="not with sampling"):
        translator.translate("I am cold.", strategy="sample", forced={1: "a"})
