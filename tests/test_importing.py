"""A model of the keras-io ``lstm_seq2seq`` recipe, built and trained here as a student would (one-hot characters,
an LSTM encoder whose states start the decoder, ``model.save``), imported, and decoded by the project's own
decoder to the same text as the recipe's own inference loop; anything else is refused with its reason."""

from __future__ import annotations

import keras
import pytest
from helpers import fra_file, recipe_model

import s2s_viz
from s2s_viz.checkpoints import CheckpointError
from s2s_viz.importing import import_recipe

SAMPLES = 200
LATENT = 64

pytestmark = pytest.mark.skipif(fra_file() is None, reason="needs fra.txt (S2S_VIZ_DATA)")


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    return recipe_model(tmp_path_factory.mktemp("recipe"), SAMPLES, LATENT)


def test_a_recipe_model_is_imported_and_decodes_as_the_recipe_does(recipe, tmp_path):
    path, sources, decode = recipe
    imported = import_recipe(path, fra_file(), SAMPLES, "from-the-recipe", tmp_path)
    translator = s2s_viz.load(str(imported))
    assert translator.card["data"]["samples"] == SAMPLES and translator.card["direction"] == "imported"
    sentences = sources[::10][:20]
    results = [translator.translate(sentence) for sentence in sentences]
    ours = [result.text for result in results]
    theirs = [decode(sentence) for sentence in sentences]
    assert ours == [text for text, _ in theirs]
    for result, (_, chances) in zip(results, theirs, strict=True):  # the same numbers, not only the same argmax
        assert [step.probability for step in result.steps][: len(chances)] == pytest.approx(chances, rel=1e-4)
    assert translator.translate_batch(sentences) == ours
    forced = translator.compare_forcing(sentences[0], "Va !")  # the views' calls work on it
    assert forced.steps and ours[0].startswith(forced.free_text)
    assert translator.trace(sentences[0]).text == ours[0]


def test_anything_but_the_recipe_is_refused_with_its_reason(recipe, tmp_path):
    path, _, _ = recipe
    with pytest.raises(CheckpointError, match="give the data file and the number of samples it was trained on"):
        import_recipe(path, fra_file(), 50, "wrong-count", tmp_path)
    with pytest.raises(CheckpointError, match="not a .keras file"):
        (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 not really")
        import_recipe(tmp_path / "broken.keras", fra_file(), SAMPLES, "broken", tmp_path)
    inputs = keras.Input(shape=(None, 4))
    lambda_model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    lambda_model.save(tmp_path / "lambda.keras")
    with pytest.raises(CheckpointError, match="not the recipe's model: it has 1 InputLayer, 1 Lambda"):
        import_recipe(tmp_path / "lambda.keras", fra_file(), SAMPLES, "lambda", tmp_path)
    with pytest.raises(CheckpointError, match="number of samples must be a whole number"):
        import_recipe(path, fra_file(), 0, "zero", tmp_path)
    with pytest.raises(CheckpointError, match="invalid model name"):
        import_recipe(path, fra_file(), SAMPLES, "../escape", tmp_path)
    assert not list(tmp_path.glob("*.json"))  # nothing half-imported


def test_the_command_line_imports_it_and_says_why_not(recipe, tmp_path, capsys):
    from s2s_viz.cli import main

    path, sources, decode = recipe
    common = ["import", str(path), "--data", str(fra_file()), "--output", str(tmp_path)]
    assert main([*common, "--samples", str(SAMPLES), "--name", "cli-import"]) == 0
    assert "imported s2s_model.keras as cli-import" in capsys.readouterr().out
    assert s2s_viz.load(str(tmp_path / "cli-import.keras")).translate(sources[0]).text == decode(sources[0])[0]
    assert main([*common, "--samples", "20", "--name", "too-few"]) == 1
    assert "the number of samples it was trained on" in capsys.readouterr().err
