"""Train: choose a model and data, start, watch the curves, stop; the result appears in every other tab."""

from __future__ import annotations

import os
import shutil
import tempfile
import time

import gradio as gr
import pandas as pd

from s2s_viz import checkpoints, viz
from s2s_viz.machine import device_description
from s2s_viz.models.birnn import MERGE_MODES
from s2s_viz.training import (
    DigitTrainConfig,
    TrainingProcess,
    TranslatorTrainConfig,
    model_for_size,
    train_digits,
    train_translator,
)

from .common import alive, refuse
from .i18n import t
from .share import exporter, shareable

INTRO = """**Train a real model here, on this machine.** Pick what to train and on which data, press *Start*
and watch the loss fall; sample outputs refresh after every epoch. *Stop* ends training at the next batch
and keeps the last completed epoch. The finished model appears at once in the other tabs' model lists and
can be downloaded. *Try this:* an attention model on `toy:dates` for 3 epochs (about 25 s on a CPU, after which it
writes 99% of held-out dates exactly), then open the Translate tab and type `27 November 2026`."""

WHAT = {
    "translator: LSTM seq2seq": ("translator", "rnn_seq2seq", {"cell": "lstm"}),
    "translator: GRU seq2seq": ("translator", "rnn_seq2seq", {"cell": "gru"}),
    "translator: additive attention (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {"cell": "lstm", "attention": "additive", "bidirectional": True},
    ),
    "translator: the notes' learned attention, e_j = w·h_j + b (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {"cell": "lstm", "attention": "learned", "bidirectional": True},
    ),
    "translator: the notes' attention as a Dense across positions (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {"cell": "lstm", "attention": "positional", "bidirectional": True},
    ),
    "translator: word level, an Embedding layer and additive attention (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {  # as the shipped attention-word-en-fr: 5,000 words a side, the output tied to the French embedding
            "cell": "lstm",
            "attention": "additive",
            "attention_order": "luong",
            "bidirectional": True,
            "embedding_dim": 64,
            "tie_embeddings": True,
            "level": "word",
            "max_words": 5000,
        },
    ),
    "translator: Transformer": ("translator", "transformer", {}),
    "translator: Transformer at the paper's base size (N=6, h=8, d_model=512, d_ff=2048)": (
        "translator",
        "transformer",
        {"paper_size": True},
    ),
    "digits: bidirectional LSTM": ("digits", "birnn", {"cell": "lstm"}),
    "digits: Vision Transformer": ("digits", "vit", {"patch_size": 7}),
}
WHAT_KEYS = [
    "lstm",
    "gru",
    "attention",
    "learned",
    "positional",
    "word",
    "transformer",
    "paper",
    "birnn",
    "vit",
]  # their words' keys, in WHAT's order
# "Attention is all you need", the base model (the form's size and layers are not used for it)
PAPER_TRANSFORMER = {"num_layers": 6, "num_heads": 8, "d_model": 512, "d_ff": 2048, "dropout": 0.1}
DATA = ["toy:dates", "toy:reverse", "toy:copy", "fra (Tatoeba English-French)", "mnist"]
SAMPLES = {
    "toy:dates": ["27 November 2026", "March 3, 1999", "01/02/2003"],
    "toy:reverse": ["hello", "attention"],
    "toy:copy": ["hello", "attention"],
}
FRA_SAMPLES = ["I am cold.", "Go away!", "We won."]


def max_training_seconds() -> float:
    return float(os.environ.get("S2S_VIZ_MAX_TRAIN_S", "600"))


def make_config(
    what,
    data,
    name,
    epochs,
    batch_size,
    learning_rate,
    size,
    layers,
    teacher_forcing_ratio,
    pairs,
    backward_cell="same",
    merge_mode="concat",
    directions="both",
    patch_size="7",
):
    """Training settings from the form. Gradio enforces the form's bounds (also for API calls); the core
    validates the settings and derives the model's sizes; each refusal is shown with its reason."""
    if what not in WHAT:
        raise refuse(f"choose what to train: one of {', '.join(WHAT)}")
    kind, architecture, model = WHAT[what]
    model = dict(model)
    level = model.pop("level", "char")
    words = {"max_words": model.pop("max_words")} if "max_words" in model else {}
    if any(info.name == name and info.origin == "shipped" for info in checkpoints.list_models()):
        raise refuse(f"{name!r} is a shipped model; choose another name")
    if (kind == "digits") != (data == "mnist"):
        raise refuse(
            "digit models train on mnist: choose mnist as the data"
            if kind == "digits"
            else "translators train on sentence pairs: choose a toy task or fra"
        )
    fit = {
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "time_budget_s": max_training_seconds(),
    }
    try:
        if kind == "digits":
            model = {**model, **digit_options(architecture, backward_cell, merge_mode, directions, patch_size)}
            model = model_for_size(architecture, int(size), int(layers), **model)
            config = DigitTrainConfig(name=name, architecture=architecture, model=model, limit=int(pairs) * 3, **fit)
        else:
            extra = (
                {"dropout": 0.1}
                if architecture == "transformer"
                else {"teacher_forcing_ratio": float(teacher_forcing_ratio)}
            )
            fra = data.startswith("fra")
            lengths = (
                {"max_source_length": 30, "max_target_length": 60}
                if fra
                else {"max_source_length": 20, "max_target_length": 12}
            )
            sized = (
                dict(PAPER_TRANSFORMER)
                if model.get("paper_size")
                else model_for_size(architecture, int(size), int(layers), **model, **extra)
            )
            config = TranslatorTrainConfig(
                name=name,
                architecture=architecture,
                data="fra" if fra else data,
                limit=int(pairs) if fra else None,
                toy_count=int(pairs),
                validation_pairs=500,
                level=level,
                **words,
                model=sized,
                **fit,
                **lengths,
            )
        config.validate()
    except ValueError as error:  # includes CheckpointError for a bad name
        raise refuse(str(error)) from error
    return kind, config


def digit_options(architecture: str, backward_cell, merge_mode, directions, patch_size) -> dict:
    """The Bi-RNN's backward layer, merge mode and directions, or the ViT's patch size (checked by the core) and
    the paper's layer-norm order."""
    if architecture == "birnn":
        options = {"merge_mode": merge_mode, "bidirectional": directions != "forward only"}
        return {**options, **({"backward_cell": backward_cell} if backward_cell not in (None, "same") else {})}
    return {"patch_size": int(patch_size), "norm_first": True}  # the ViT paper's pre-LN blocks


def _downloadable(path) -> str | None:
    if not path:
        return None
    folder = tempfile.mkdtemp(prefix="s2s-viz-download-")
    return shutil.copy(path, folder)


def _samples_table(samples) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {k: v for k, v in sample.items() if k in ("source", "translation", "label", "predicted")}
            for sample in samples or []
        ]
    )


def size_line(config) -> str:
    """The model's estimated size and training memory, from its settings (a translator's), before anything is built."""
    from s2s_viz.training.translators import estimate_parameters, estimate_training_bytes

    if not isinstance(config, TranslatorTrainConfig):
        return ""
    vocab = 110  # about the character vocabularies of fra.txt and the toy tasks
    parameters = estimate_parameters(config, vocab, vocab)
    width = max(config.model.get("latent_dim", 0), config.model.get("d_model", 0), vocab)
    needed = estimate_training_bytes(parameters, config.batch_size, config.max_target_length + 2, width)
    return f"About {parameters / 1e6:.1f} M weights; training needs about {needed / 2**30:.2f} GiB (limit 6 GiB)."


def train(*form_and_session):
    """Stream a training: status, curves, samples, sample attention, the checkpoint to download.

    ``form_and_session``: the form's fields in ``make_config``'s order (as the page sends them), then the session.
    """
    *form, session = form_and_session
    what = form[0]
    kind, config = make_config(*form)
    if kind == "digits":
        run = TrainingProcess(train_digits, config, checkpoints.user_dir())
    else:
        sample_sources = FRA_SAMPLES if config.data == "fra" else SAMPLES.get(config.data, [])
        run = TrainingProcess(train_translator, config, checkpoints.user_dir(), sample_sources=sample_sources)
    session["run"] = run
    device = device_description()
    series: dict[str, tuple[list, list]] = {
        "loss": ([], []),
        "accuracy": ([], []),
        "validation loss": ([], []),
        "validation accuracy": ([], []),
    }
    status, samples, attention, download = f"Starting on {device}… {size_line(config)}", pd.DataFrame(), None, None
    last_yield = 0.0
    try:
        for event in run.iter_events():
            kind_of_event = event["type"]
            if kind_of_event == "batch":
                x = event["epoch"] - 1 + event["batch"] / event["steps_per_epoch"]
                # the mean over the batches since the last point: it runs on across epochs (Keras's own running
                # mean starts afresh each epoch, which would draw a drop at every epoch boundary)
                series["loss"][0].append(x)
                series["loss"][1].append(event.get("interval_loss"))
                accuracy = event.get("interval_masked_accuracy", event.get("interval_accuracy"))
                series["accuracy"][0].append(x)
                series["accuracy"][1].append(accuracy)
                eta = "measuring" if event["eta_s"] is None else f"{event['eta_s']:.0f} s"
                status = (
                    f"**Training on {device}** — epoch {event['epoch']}/{config.epochs}, "
                    f"batch {event['batch']}/{event['steps_per_epoch']}, loss {event.get('interval_loss', 0):.3f}, "
                    f"ETA {eta}"
                )
            elif kind_of_event == "epoch":
                for key, label in (
                    ("val_loss", "validation loss"),
                    ("val_masked_accuracy", "validation accuracy"),
                    ("val_accuracy", "validation accuracy"),
                ):
                    if key in event:
                        series[label][0].append(event["epoch"])
                        series[label][1].append(event[key])
                samples = _samples_table(event.get("samples"))
                first = (event.get("samples") or [{}])[0]
                if first.get("attention") is not None:
                    attention = viz.attention_heatmap(
                        first["attention"],
                        first["source_tokens"],
                        first["target_tokens"],
                        title=f"attention after epoch {event['epoch']}: {first['source']}",
                    )
                status = f"**Epoch {event['epoch']} done** in {event['elapsed_s']:.0f} s on {device}; checkpoint saved."
            elif kind_of_event in ("done", "stopped"):
                why = f" ({event['reason']})" if event.get("reason") else ""
                ended = "Stopped" if kind_of_event == "stopped" else "Finished"
                status = f"**{ended}**{why}. Model `{config.name}` is saved and listed in every tab."
                download = _downloadable(event.get("checkpoint"))
            elif kind_of_event == "error":
                status = f"**Training failed:** {event['message']}. The last completed epoch, if any, is kept."
            now = time.monotonic()
            if kind_of_event != "batch" or now - last_yield >= 1.0:
                last_yield = now
                yield status, viz.live_curves(series, f"{config.name}: {what}"), samples, attention, download
    finally:
        run.close()  # the client left, or training ended: either way the slot is freed
        session.pop("run", None)
    checkpoints.prune_user_models(keep=config.name)
    yield status, viz.live_curves(series, f"{config.name}: {what}"), samples, attention, download


def preview(what: str, data: str):
    """What the tab shows before a training: the curves' empty panels and the samples table's columns."""
    kind = WHAT.get(what, ("translator",))[0]
    series = {name: ([], []) for name in ("loss", "accuracy", "validation loss", "validation accuracy")}
    columns = ["label", "predicted"] if kind == "digits" else ["source", "translation"]
    title = f"{what} on {data}: press Start, and the loss appears here batch by batch"
    return viz.live_curves(series, title), pd.DataFrame(columns=columns)


def stop(session: dict):
    run = (session or {}).get("run")
    if run is None:
        return "Nothing is training."
    run.stop.set()
    return "Stopping at the next batch; the last completed epoch is kept."


def refreshed_pickers(pickers):
    """New choices for every model picker in the app (after a training)."""
    from .common import model_names

    return [gr.update(choices=model_names(kind, architecture)) for _, kind, architecture in pickers]


def whole_number(value: int, low: int, high: int, label, elem_id: str) -> gr.Number:
    """A bounded whole-number field of the form (Gradio refuses what is outside, also from the API)."""
    return gr.Number(value=value, precision=0, minimum=low, maximum=high, label=label, elem_id=elem_id)


def device_line() -> str:
    return (
        f"Device: **{device_description()}**. One training runs at a time on this server; others wait in the "
        f"queue. Each training is limited to {max_training_seconds():.0f} s."
    )


def build(pickers) -> None:
    gr.Markdown(t("train.intro", INTRO))
    device = gr.Markdown(device_line())
    from gradio.context import Context

    Context.root_block.load(device_line, None, device, api_visibility="private", queue=False)  # in the reader's words
    with gr.Row():
        what = gr.Dropdown(
            [(t(f"choice.train_{key}", name), name) for name, key in zip(WHAT, WHAT_KEYS)],
            value="translator: additive attention (bi-LSTM encoder)",
            label=t("label.what_to_train", "what to train"),
            elem_id="train-what",
        )
        data = gr.Dropdown(
            [(t("choice.fra", name), name) if name.startswith("fra") else name for name in DATA],
            value="toy:dates",
            label=t("label.data", "data"),
            elem_id="train-data",
        )
        name = gr.Textbox(
            value="my-model",
            label=t("label.model_name_letters_digits", "model name (letters, digits, . _ -)"),
            max_length=64,
            elem_id="train-name",
        )
    with gr.Row():
        epochs = whole_number(3, 1, 50, t("label.epochs", "epochs"), "train-epochs")
        batch_size = whole_number(64, 8, 512, t("label.batch_size", "batch size"), "train-batch")
        learning_rate = gr.Number(
            value=0.01, minimum=1e-5, maximum=0.1, label=t("label.learning_rate", "learning rate"), elem_id="train-lr"
        )
        size = whole_number(
            64, 8, 512, t("label.size_latent_d_model_units", "size (latent / d_model / units)"), "train-size"
        )
        layers = whole_number(1, 1, 4, t("label.layers", "layers"), "train-layers")
    with gr.Row():  # the ratio's long label gets a row's width (squeezed, it wrapped one character a line)
        ratio = gr.Slider(
            0,
            1,
            value=1,
            step=0.05,
            label=t(
                "label.teacher_forcing_ratio_1_teacher_forcing_0_reinjection",
                "teacher forcing ratio (1 = teacher forcing, 0 = reinjection)",
            ),
            scale=3,
            min_width=320,
        )
        pairs = whole_number(
            5000, 100, 20000, t("label.training_pairs_images_3", "training pairs / images ÷ 3"), "train-pairs"
        )
    with gr.Accordion(
        t("label.digit_options", "digit models: Bi-RNN directions and merge, ViT patch size"), open=False
    ):
        with gr.Row():
            backward_cell = gr.Radio(
                [(t("choice.same_as_forward", "as the forward"), "same"), "lstm", "gru"],
                value="same",
                label=t("label.backward_cell", "Bi-RNN backward layer"),
            )
            merge_mode = gr.Radio(list(MERGE_MODES), value="concat", label=t("label.merge_mode", "Bi-RNN merge mode"))
            directions = gr.Radio(
                [(t("choice.both", "both"), "both"), (t("choice.forward_only", "forward only"), "forward only")],
                value="both",
                label=t("label.directions", "Bi-RNN directions"),
            )
            patch_size = gr.Radio(
                ["4", "7", "14"], value="7", label=t("label.patch_size", "ViT patch size (28 = 4 x 7 = 2 x 14)")
            )
    digit_controls = [backward_cell, merge_mode, directions, patch_size]
    with gr.Row():
        start = gr.Button(t("train.start", "Start"), variant="primary", elem_id="train-start")
        stop_button = gr.Button(t("train.stop", "Stop"), variant="stop")
    status = gr.Markdown(elem_id="train-status")
    curves = gr.Plot(elem_id="train-curves")
    samples = gr.Dataframe(
        label=t("label.samples_after_the_last_epoch", "samples after the last epoch"), interactive=False
    )
    attention = gr.Plot(label=t("label.sample_attention", "sample attention"))
    download = gr.File(label=t("label.download_the_checkpoint_keras", "download the checkpoint (.keras)"))
    session = gr.State({})
    event = start.click(
        train,
        [what, data, name, epochs, batch_size, learning_rate, size, layers, ratio, pairs, *digit_controls, session],
        [status, curves, samples, attention, download],
        api_name="train",
        concurrency_limit=int(os.environ.get("S2S_VIZ_TRAININGS", "1")),
        concurrency_id="train",
    )
    alive(preview, [what, data], [curves, samples], live=(what, data))
    event.then(lambda: refreshed_pickers(pickers), None, [component for component, _, _ in pickers])
    # Stop also cancels a training still waiting in the queue (it would otherwise start after "Nothing is training")
    stop_button.click(stop, session, status, api_name="stop_training", cancels=[event])
    shareable(
        "train",
        what=what,
        data=data,
        epochs=epochs,
        batch=batch_size,
        learning_rate=learning_rate,
        size=size,
        layers=layers,
        ratio=ratio,
        pairs=pairs,
        backward=backward_cell,
        merge=merge_mode,
        directions=directions,
        patch=patch_size,
    )
    exporter("train", curves=curves, samples=samples, attention=attention)
