"""Bring your own, against the running app: a file of pairs of another layout checked, trained on and translated
with; a model of the keras-io recipe imported and translating; every bad file refused with its sentence."""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from helpers import another_pair_file, fra_file, recipe_model

from s2s_viz.training.recipes import OWN_DATA

pytestmark = pytest.mark.skipif(fra_file() is None, reason="needs fra.txt (S2S_VIZ_DATA)")


def test_your_own_pairs_are_checked_trained_on_and_translate(app_url, tmp_path):
    visitor, other = Client(app_url, verbose=False), Client(app_url, verbose=False)
    upload = handle_file(str(another_pair_file(tmp_path / "fra-first.txt", lines=3000)))
    report, first = visitor.predict(upload, "1 → 2", api_name="/check_pairs")  # kept for this visitor's training
    assert "training pairs" in report and "no bad lines" in report
    assert first["data"][0][0] in {"Va !", "Salut !", "Cours !", "Courez !"}  # French is the source here
    job = visitor.submit("translator: LSTM seq2seq", OWN_DATA, "own-pairs", 1, 64, 0.01, 32, 1, 1.0, 2000,
                         api_name="/train")  # fmt: skip
    job.result(timeout=300)
    said = [output[0] for output in job.outputs()]
    assert "Finished" in said[-1], said[-3:]
    written = visitor.predict("own-pairs", "Merci !", "greedy", 4, 1.0, 0, api_name="/translate")[0]
    assert isinstance(written, str)
    with pytest.raises(AppError, match="unknown model 'own-pairs'"):  # the visitor's own
        other.predict("own-pairs", "Merci !", "greedy", 4, 1.0, 0, api_name="/translate")
    with pytest.raises(AppError, match="upload your file of sentence pairs first"):
        other.predict("translator: LSTM seq2seq", OWN_DATA, "no-file", 1, 64, 0.01, 32, 1, 1.0, 200,
                      api_name="/train")  # fmt: skip


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the file is empty"),
        (b"only one column\nhere too\n", "no line has a tab"),
        ("Adiós.\tBye.\n".encode("latin-1"), "not UTF-8 text"),
        (b"\x00\x01\x02binary", "binary file, not text"),
    ],
)
def test_a_bad_pairs_file_is_refused_with_its_reason(client, tmp_path, content, said):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(AppError, match=said):
        client.predict(handle_file(str(path)), "1 → 2", api_name="/check_pairs")


def test_a_model_of_the_keras_io_recipe_is_imported_from_the_page(app_url, tmp_path):
    visitor = Client(app_url, verbose=False)
    path, sources, decode = recipe_model(tmp_path, 200, 32)
    with open(fra_file(), encoding="utf-8") as whole:  # the lines the recipe read, and more: an upload's size
        (tmp_path / "fra-start.txt").write_text("".join(line for line, _ in zip(whole, range(1000), strict=False)))
    data = handle_file(str(tmp_path / "fra-start.txt"))
    with pytest.raises(AppError, match="the number of samples it was trained on"):
        visitor.predict(handle_file(str(path)), data, 150, "recipe-wrong", api_name="/import_model")
    said = visitor.predict(handle_file(str(path)), data, 200, "recipe-here", api_name="/import_model")
    assert "is imported" in said
    written = visitor.predict("recipe-here", sources[0], "greedy", 4, 1.0, 0, api_name="/translate")[0]
    assert written == decode(sources[0])[0]
    with pytest.raises(AppError, match="Invalid file type"):  # Gradio refuses it by its name
        visitor.predict(data, data, 200, "not-keras", api_name="/import_model")
