"""Train: choose a model and data, start, watch the curves, stop; the result appears in every other tab."""

from __future__ import annotations

import functools
import os
import shutil
import time

import gradio as gr
import pandas as pd

from s2s_viz import checkpoints, viz
from s2s_viz.machine import device_description
from s2s_viz.models.birnn import MERGE_MODES
from s2s_viz.training import TrainingProcess, line, recipes, train_digits, train_translator
from s2s_viz.training.recipes import DATA, TRY_THIS, WHAT, WHAT_KEYS, max_training_seconds

from . import bring_your_own, own_models
from .common import alive, refuse
from .export import exporter
from .i18n import t
from .links import shareable
from .tempfiles import fresh_folder

# the server's trainings: S2S_VIZ_TRAININGS at once (1); the same settings asked by several visitors train once
LINE = line.TrainingLine(int(os.environ.get("S2S_VIZ_TRAININGS", "1")), default_estimate_s=max_training_seconds())
# visitors whose trainings wait in LINE (each holds a thread while it waits); more wait in Gradio's queue
FOLLOWERS = int(os.environ.get("S2S_VIZ_TRAINING_FOLLOWERS", "32"))

INTRO = """**Train a real model here, on this machine.** Pick what to train and on which data, press *Start*
and watch the loss fall; sample outputs refresh after every epoch. *Stop* ends training at the next batch
and keeps the last completed epoch. The finished model appears at once in the other tabs' model lists and
can be downloaded. *Try this:* an attention model on `toy:dates` for 3 epochs (about 25 s on a CPU, after which it
writes 99% of held-out dates exactly), then open the Translate tab and type `27 November 2026`."""


def make_config(*form, **own):
    """Training settings from the form (``recipes.make_config``); each refusal shown with its reason."""
    try:
        return recipes.make_config(*form, **own)
    except ValueError as error:
        raise refuse(str(error)) from error


def _downloadable(path) -> str | None:
    if not path:
        return None
    folder = fresh_folder("download-")
    return shutil.copy(path, folder)


def _samples_table(samples) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {k: v for k, v in sample.items() if k in ("source", "translation", "label", "predicted")}
            for sample in samples or []
        ]
    )


def size_line(config, vocab_sizes=None) -> str:
    """The model's estimated size and training memory, from its settings (a translator's; ``vocab_sizes``: its
    data's, where known), before anything is built."""
    estimate = recipes.size_estimate(config, *(vocab_sizes or ()))
    if estimate is None:
        return ""
    parameters, needed = estimate
    return f"About {parameters / 1e6:.1f} M weights; training needs about {needed / 2**30:.2f} GiB (limit 6 GiB)."


def train(
    what, data, name, epochs, batch_size, learning_rate, size, layers, teacher_forcing_ratio, pairs,
    backward_cell, merge_mode, directions, patch_size, own, activation="relu", session=None,
):  # fmt: skip
    """Stream a training: status, curves, samples, sample attention, the checkpoint to download. The form's fields
    are ``recipes.make_config``'s (the API names them so); ``own`` the visitor's own pairs as last checked (the data
    *your file*: ``bring_your_own.describe``); ``activation`` a Transformer's feed-forward activation (relu or gelu);
    ``session`` is the visitor's own state."""
    form = (what, data, name, epochs, batch_size, learning_rate, size, layers, teacher_forcing_ratio, pairs)
    own = dict(own or {}) if data == recipes.OWN_DATA else {}
    sample_sources = own.pop("samples", None)
    vocab_sizes = own.pop("vocab_sizes", None)
    kind, config = make_config(*form, backward_cell, merge_mode, directions, patch_size, activation=activation, **own)
    run = LINE.follow(
        line.key_of(kind, config),
        functools.partial(_start, kind, config, sample_sources),
        checkpoints.own_dir(),
        config.name,
        kind=f"{kind}:{config.architecture}",
        work=line.work_of(config),
    )
    session["run"] = run
    device = device_description()
    series: dict[str, tuple[list, list]] = {
        "loss": ([], []),
        "accuracy": ([], []),
        "validation loss": ([], []),
        "validation accuracy": ([], []),
    }
    status, samples, attention, download = (
        f"Starting on {device}… {size_line(config, vocab_sizes)}",
        pd.DataFrame(),
        None,
        None,
    )
    last_yield = 0.0
    try:
        for event in run.events():
            kind_of_event = event["type"]
            if kind_of_event == "quiet":  # nothing new: no update, but the page's Stop or leaving is heard
                yield (gr.skip(),) * 5
                continue
            if kind_of_event == "waiting":
                status = waiting_line(event, LINE.shared_by(run))
            elif kind_of_event == "starting":
                status = f"Starting on {device}… {size_line(config, vocab_sizes)}"
                if LINE.shared_by(run) > 1:
                    status += f" {together(LINE.shared_by(run))}"
            elif kind_of_event == "batch":
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
                status = (
                    f"**Epoch {event['epoch']} done** in {event['epoch_s']:.1f} s ({event['elapsed_s']:.0f} s in all) "
                    f"on {device}; checkpoint saved."
                )
                if LINE.shared_by(run) > 1:
                    status += f" {together(LINE.shared_by(run))}"
            elif kind_of_event in ("done", "stopped"):
                why = f" ({event['reason']})" if event.get("reason") else ""
                ended = "Stopped" if kind_of_event == "stopped" else "Finished"
                status = f"**{ended}**{why}. Model `{config.name}` is saved and listed in every tab."
                if not event.get("checkpoint"):  # stopped before the first epoch ended
                    status = f"**{ended}**{why} before the first epoch ended: no model was saved."
                elif run.copy is None:
                    status = f"**{ended}**{why}, but {run.copy_error or 'your copy of the model was not written'}."
                download = _downloadable(run.copy)
            elif kind_of_event == "error":
                status = f"**Training failed:** {event['message'].rstrip('. ')}."
                if series["validation loss"][0] or series["validation accuracy"][0]:  # an epoch ended: it is kept
                    status += " The last completed epoch is kept."
            now = time.monotonic()
            if kind_of_event != "batch" or now - last_yield >= 1.0:
                last_yield = now
                yield status, viz.live_curves(series, f"{config.name}: {what}"), samples, attention, download
    finally:
        run.stop()  # the page left, or training ended: the run goes on only for those who still follow it
        session.pop("run", None)
    yield status, viz.live_curves(series, f"{config.name}: {what}"), samples, attention, download


def _start(kind: str, config, sample_sources, folder):
    """The training of ``config`` in a process of its own, saving into ``folder`` (the line's; each follower gets a
    copy in its own folder); ``sample_sources`` translated after each epoch (None: the data set's own)."""
    if kind == "digits":
        return TrainingProcess(train_digits, config, folder)
    if sample_sources is None:
        sample_sources = recipes.SAMPLE_SOURCES.get(config.data, [])
    return TrainingProcess(train_translator, config, folder, sample_sources=sample_sources)


def waiting_line(event: dict, shared_by: int) -> str:
    """A waiting training's status: its place, and when it should start."""
    ahead = event["ahead"]
    line_text = f"**Waiting:** {ahead} training{'s' if ahead != 1 else ''} ahead of yours"
    minutes = event["starts_in_s"] / 60
    when = "in under a minute" if minutes < 1 else f"in about {minutes:.0f} min"
    text = f"{line_text}; yours should start {when} (from the times this server measured)."
    return text + (f" {together(shared_by)}" if shared_by > 1 else "")


def together(shared_by: int) -> str:
    return f"{shared_by} visitors asked for these same settings: one run trains for all, and each gets a copy."


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
    run.stop()
    if run.last_checkpoint() is None:
        return "Stopping before the first epoch ended: no model is saved."
    return "Stopping at the next batch; the last completed epoch is kept."


def refreshed_pickers(pickers):
    """New choices for every model picker in the app: after a training, and as a page opens (the visitor's own)."""
    from .common import model_names

    return [gr.update(choices=model_names(kind, architecture)) for _, kind, architecture in pickers]


def whole_number(value: int, low: int, high: int, label, elem_id: str) -> gr.Number:
    """A bounded whole-number field of the form (Gradio refuses what is outside, also from the API)."""
    return gr.Number(value=value, precision=0, minimum=low, maximum=high, label=label, elem_id=elem_id)


def device_line() -> str:
    return (
        f"Device: **{device_description()}**. {LINE.slots} training{'s run' if LINE.slots > 1 else ' runs'} at a "
        f"time on this server; others wait in line, and the same settings asked by several visitors train once. "
        f"Each training is limited to {max_training_seconds():.0f} s."
    )


def build(pickers) -> None:
    gr.Markdown(t("train.intro", INTRO))
    device = gr.Markdown(device_line())
    from gradio.context import Context

    Context.root_block.load(device_line, None, device, api_visibility="private", queue=False)  # in the reader's words
    with gr.Row():
        what = gr.Dropdown(
            [(t(f"choice.train_{key}", name), name) for name, key in zip(WHAT, WHAT_KEYS)],
            value=TRY_THIS["what"],
            label=t("label.what_to_train", "what to train"),
            elem_id="train-what",
        )
        data = gr.Dropdown(
            [
                (t("choice.fra", name), name)
                if name.startswith("fra")
                else (t("choice.own_file", name), name)
                if name == recipes.OWN_DATA
                else name
                for name in DATA
            ],
            value=TRY_THIS["data"],
            label=t("label.data", "data"),
            elem_id="train-data",
        )
        name = gr.Textbox(
            value=TRY_THIS["name"],
            label=t("label.model_name_letters_digits", "model name (letters, digits, . _ -)"),
            max_length=64,
            elem_id="train-name",
        )
    with gr.Row():
        epochs = whole_number(TRY_THIS["epochs"], 1, 50, t("label.epochs", "epochs"), "train-epochs")
        batch_size = whole_number(TRY_THIS["batch_size"], 8, 512, t("label.batch_size", "batch size"), "train-batch")
        learning_rate = gr.Number(
            value=TRY_THIS["learning_rate"],
            minimum=1e-5,
            maximum=0.1,
            label=t("label.learning_rate", "learning rate"),
            elem_id="train-lr",
        )
        size = whole_number(
            TRY_THIS["size"],
            8,
            512,
            t("label.size_latent_d_model_units", "size (latent / d_model / units)"),
            "train-size",
        )
        layers = whole_number(TRY_THIS["layers"], 1, 4, t("label.layers", "layers"), "train-layers")
    with gr.Row():  # the ratio's long label gets a row's width (squeezed, it wrapped one character a line)
        ratio = gr.Slider(
            0,
            1,
            value=TRY_THIS["teacher_forcing_ratio"],
            step=0.05,
            label=t(
                "label.teacher_forcing_ratio_1_teacher_forcing_0_reinjection",
                "teacher forcing ratio (1 = teacher forcing, 0 = reinjection)",
            ),
            scale=3,
            min_width=320,
        )
        pairs = whole_number(
            TRY_THIS["pairs"],
            100,
            20000,
            t("label.training_pairs_images_3", "training pairs / images ÷ 3"),
            "train-pairs",
        )
    with gr.Accordion(
        t(
            "label.more_options",
            "more options: the Transformer's feed-forward activation, Bi-RNN directions and merge, ViT patch size",
        ),
        open=False,
    ):
        activation = gr.Radio(
            ["relu", "gelu"],
            value="relu",
            label=t(
                "label.activation",
                "Transformer feed-forward activation (relu: the original Transformer's; gelu: BERT's and ViT's)",
            ),
            elem_id="train-activation",
        )
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
    curves = gr.Plot(show_label=False, elem_id="train-curves")
    samples = gr.Dataframe(
        label=t("label.samples_after_the_last_epoch", "samples after the last epoch"), interactive=False
    )
    attention = gr.Plot(label=t("label.sample_attention", "sample attention"), show_label=False)
    download = gr.File(label=t("label.download_the_checkpoint_keras", "download the checkpoint (.keras)"))
    session = gr.State({})
    form = [what, data, name, epochs, batch_size, learning_rate, size, layers, ratio, pairs, *digit_controls]
    pickers_shown = [component for component, _, _ in pickers]
    refresh = functools.partial(refreshed_pickers, pickers)
    own = bring_your_own.build(refresh, pickers_shown)
    event = start.click(
        train,
        [*form, own, activation, session],
        [status, curves, samples, attention, download],
        api_name="train",
        concurrency_limit=FOLLOWERS,
        concurrency_id="train",
    )
    alive(preview, [what, data], [curves, samples], live=(what, data))
    event.then(refresh, None, pickers_shown, api_visibility="private")
    Context.root_block.load(refresh, None, pickers_shown, api_visibility="private")  # this visitor's own models too
    mine = own_models.build(refresh, pickers_shown)
    event.then(own_models.own_models_shown, None, mine, api_visibility="private")
    # Stop also cancels a training still waiting in the queue (it would otherwise start after "Nothing is training")
    stop_button.click(stop, session, status, api_name="stop_training", cancels=[event])
    linked = ("what", "data", "epochs", "batch", "learning_rate", "size", "layers", "ratio", "pairs", "backward")
    linked += ("merge", "directions", "patch")
    controls = dict(zip(linked, [control for control in form if control is not name], strict=True))
    shareable("train", **controls, activation=activation)
    exporter("train", curves=curves, samples=samples, attention=attention)
