"""Bring your own (part of the Train tab): your own sentence pairs to train on, and a model trained elsewhere (the
keras-io ``lstm_seq2seq`` recipe) to open in every translator view."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr
import pandas as pd

from s2s_viz import checkpoints
from s2s_viz.data.own import COLUMNS, OwnPairs, check_pairs_file
from s2s_viz.data.pairs import DataError, file_sha256
from s2s_viz.importing import import_recipe

from .common import refuse
from .i18n import as_text, t

OWN_INTRO = """**Your own sentence pairs.** A UTF-8 text file, one pair a line: `source<TAB>target`, optionally a third
column (the layout of every `xxx-eng` file of manythings.org/anki, in any language and script). Choose which column
is the source; the file is checked as it arrives (pairs, bad lines, each side's characters), split by the same rule
as the built-in data, and then *your file* in the data list above trains on it."""

IMPORT_INTRO = """**A model trained elsewhere.** The character-level model of the keras-io `lstm_seq2seq` recipe,
saved with `model.save("s2s_model.keras")`, with the data file and the number of samples it was trained on (the
recipe builds its characters from them). Its indices are rebuilt as the recipe builds them and checked against the
model; then it is yours in every translator view. Nothing from the file runs: anything but Keras's own layers is
refused."""

KEPT_FILES = 3  # each visitor's uploaded pair files kept for training (the oldest go first)


def _path(file) -> str | None:
    if file is None:
        return None
    if isinstance(file, dict):  # the API's FileData
        file = file.get("path")
    if not isinstance(file, str) or not file:
        raise refuse("send the file itself (an upload), not text")
    return file


def checked(file, columns: str) -> OwnPairs:
    """The uploaded file checked as training will read it; its refusal in a sentence."""
    path = _path(file)
    if path is None:
        raise refuse("upload your file of sentence pairs first (below the Start button)")
    try:
        return check_pairs_file(path, columns)
    except DataError as error:
        raise refuse(str(error)) from error


def describe(file, columns: str):
    """What the uploaded file holds: the report, the first pairs, and what a training on *your file* reads (the
    file kept in the visitor's folder, its direction and first sources); nothing uploaded: nothing."""
    if file is None:
        return "", pd.DataFrame(columns=["source", "target"]), None
    path, found = kept_copy(file, columns)
    source, target = found.source_characters, found.target_characters
    others = ", ".join(f"{split} {found.splits[split]:,}" for split in ("validation", "test") if found.splits[split])
    report = (
        f"**{found.pairs:,} training pairs** ({others or 'no held-out pairs'}; the reserved pairs are never read); "
        f"{as_text(found.bad_report())}. Source: {len(source)} characters and {len(found.source_words):,} words, "
        f"the longest sentence {found.longest_source} characters; target: {len(target)} characters and "
        f"{len(found.target_words):,} words, the longest {found.longest_target}. "
        f"Most frequent source characters: {_shown(source)}; target: {_shown(target)}. "
        f"Choose *your file* as the data above and press Start."
    )
    kept = {
        "own_pairs": path,
        "own_direction": found.direction,
        "samples": [s for s, _ in found.examples[:3]],
        "vocab_sizes": (len(source) + 1, len(target) + 3),  # padding; and the start and end symbols
    }
    return report, pd.DataFrame(found.examples, columns=["source", "target"]), kept


def _shown(characters) -> str:
    return " ".join(f"`{char}`" if char != " " else "`␣`" for char, _ in characters.most_common(12) if char != "`")


def kept_copy(file, columns: str) -> tuple[str, OwnPairs]:
    """The uploaded file, checked, copied into the visitor's own folder (named by its content), for the training."""
    found = checked(file, columns)
    folder = checkpoints.own_dir() / "data"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"pairs-{file_sha256(found.path)[:16]}.txt"
    if not target.is_file():
        shutil.copyfile(found.path, target)
    kept = sorted(folder.glob("pairs-*.txt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT_FILES:]:
        if old != target:
            old.unlink(missing_ok=True)
    target.touch()
    return str(target), found


def import_model(model_file, data_file, samples, name):
    """Import a recipe-shaped ``.keras`` file as the visitor's translator ``name``."""
    model_path, data_path = _path(model_file), _path(data_file)
    if model_path is None or data_path is None:
        raise refuse("upload the .keras file and the data file it was trained on")
    if not Path(model_path).name.endswith(".keras"):
        raise refuse("the model must be a .keras file (saved with model.save('s2s_model.keras'))")
    if isinstance(samples, bool) or not isinstance(samples, int | float) or samples != samples:
        raise refuse("the number of samples must be a whole number")
    try:
        import_recipe(model_path, data_path, int(samples), str(name))
    except checkpoints.CheckpointError as error:
        raise refuse(str(error)) from error
    return f"`{name}` is imported: pick it in any translator tab (Translate, Teacher forcing, Data)."


def build(refresh_pickers, pickers_shown: list) -> gr.State:
    """The two sections; returns the state a training on *your file* reads (``describe``'s last value)."""
    with gr.Accordion(t("label.own_pairs", "your own sentence pairs"), open=False):
        gr.Markdown(t("train.own_pairs", OWN_INTRO))
        with gr.Row():
            own_file = gr.File(
                label=t("label.pairs_file", "pairs file (.txt or .tsv, UTF-8, at most 10 MB)"),
                file_types=[".txt", ".tsv"],
                elem_id="train-own-file",
            )
            columns = gr.Radio(list(COLUMNS), value="1 → 2", label=t("label.source_column", "source → target columns"))
        report = gr.Markdown(elem_id="train-own-report")
        examples = gr.Dataframe(interactive=False, label=t("label.first_pairs", "the first training pairs"))
    kept = gr.State(None)
    gr.on(
        [own_file.change, columns.change],
        describe,
        [own_file, columns],
        [report, examples, kept],
        api_name="check_pairs",
    )
    with gr.Accordion(t("label.import_model", "open a model trained elsewhere (keras-io lstm_seq2seq)"), open=False):
        gr.Markdown(t("train.import", IMPORT_INTRO))
        with gr.Row():
            model_file = gr.File(label=t("label.keras_file", "the .keras file"), file_types=[".keras"])
            data_file = gr.File(label=t("label.data_file", "its data file"), file_types=[".txt", ".tsv"])
        with gr.Row():
            samples = gr.Number(
                value=10000, precision=0, minimum=1, maximum=1_000_000, label=t("label.num_samples", "num_samples")
            )
            name = gr.Textbox(value="recipe-model", max_length=64, label=t("label.model_name", "model name"))
            button = gr.Button(t("button.import", "Import"), elem_id="import-model")
        said = gr.Markdown(elem_id="import-status")
    imported = button.click(import_model, [model_file, data_file, samples, name], said, api_name="import_model")
    imported.then(refresh_pickers, None, pickers_shown, api_visibility="private")
    return kept
