"""Teacher forcing vs reinjection: what the decoder predicts when fed the reference, and when fed itself."""

from __future__ import annotations

import gradio as gr

from s2s_viz import default_translator, viz
from s2s_viz.training.config import FORCING_DEFAULT_EPOCHS, FORCING_TASKS
from s2s_viz.translation import InputError

from .common import alive, check_text, examples, get_model, model_picker, refuse
from .export import exporter
from .i18n import t
from .links import shareable

INTRO = """**During training the decoder is usually fed the correct previous character (teacher forcing); when
translating it must eat its own output (reinjection).** Below, the same model reads the reference in two ways.
Left of the red line they agree; after its first mistake the free-running decoder is off the path it was
trained on, and the probability it gives the reference collapses: *exposure bias*.
*Try this:* `Tom is wise.` with reference `Tom est raisonnable.` (the model writes `sage`: watch the reinjected
curve after its first own word)."""

# Test-split pairs on which every shipped English -> French translator leaves the reference (tests check it).
EXAMPLES = [
    ["Tom is wise.", "Tom est raisonnable."],
    ["They hugged.", "Ils se sont enlacés."],
    ["I'm alive.", "Je suis en vie."],
]


def compare_forcing(model_name: str, source: str, reference: str):
    """Per-step predictions fed the reference vs fed its own output; returns a figure, a table and a summary."""
    source, reference = check_text(source, "source"), check_text(reference, "reference")
    translator = get_model(model_name)
    try:
        comparison = translator.compare_forcing(source, reference)
    except InputError as error:
        raise refuse(str(error)) from error
    if comparison.first_divergence is None:
        summary = (
            f"Free-running output: **{comparison.free_text}**, the reference itself: fed its own output, the model "
            "never leaves the reference, so both curves are one. Try a reference it would not write."
        )
    else:
        summary = (
            f"Free-running output: **{comparison.free_text}**; it leaves the reference at step "
            f"{comparison.first_divergence}, and from there on it is fed its own words, not the reference's."
        )
    return viz.forcing_figure(comparison), viz.forcing_table(comparison), summary


FREE_AFTER = """**Fed the reference, then on its own.** The decoder is fed the reference's first k characters (teacher
forcing), then reads back what it writes (reinjection). Slide k: where does it go once nobody holds its hand?"""


def free_after(model_name: str, source: str, reference: str, fed: float = 3):
    """The translation with the reference's first ``fed`` tokens forced, then greedy on its own: a sentence that
    says where the help stopped, and the step table (the fed steps marked)."""
    source, reference = check_text(source, "source"), check_text(reference, "reference")
    translator = get_model(model_name)
    gold = translator.target_vocab.encode(reference) + [translator.target_vocab.end_id]
    try:
        fed = int(float(fed))
    except (TypeError, ValueError, OverflowError) as error:
        raise refuse(f"the number of fed steps must be a whole number, not {fed!r}") from error
    fed = min(max(fed, 0), len(gold))
    try:
        result = translator.translate(source, forced=dict(enumerate(gold[:fed])))
    except InputError as error:
        raise refuse(str(error)) from error
    given = translator.target_vocab.decode(gold[:fed])
    same = result.text == reference.strip()
    summary = f"Fed `{given}` ({fed} steps of the reference), then on its own: `{result.text}`" + (
        " (the reference itself)." if same else f"; the reference: `{reference.strip()}`."
    )
    table = viz.steps_table(result.steps)
    table.insert(1, "fed", ["reference" if i < fed else "itself" for i in range(len(table))])
    return summary, table


LIVE = """*Live:* choosing another model redraws at once; a new sentence or reference waits for *Compare*."""

EXPERIMENT_INTRO = """**Why is teacher forcing used more?** Train two identical small models on the same data with the
same seed: one fed the gold previous character (teacher forcing), one fed its own previous prediction
(reinjection), and optionally a mix (scheduled sampling). After every epoch both are scored the same two ways on the
same validation pairs: the loss with the gold previous characters fed (teacher-forced), and the exact match and chrF
of what each writes alone (free-running, greedy). The default run (dates, 8 epochs, under 40 s here) answers the
question: run with three different seeds, teacher forcing ended at 20-45% exact (chrF 60-72) and reinjection at
6-12% (chrF 52-57), every teacher-forced run ahead of every reinjected one (`s2s-viz bench forcing`). While
reinjection still writes nonsense, every step it learns from follows a wrong beginning, so it learns slowly.
Seconds per epoch (each run's median after its first epoch, which also builds and compiles the model): teacher
forcing computes the decoder over every step in one call, as every input is known in advance; reinjection runs it
one step after another, each waiting for the previous prediction. On this tiny model most of an epoch is fixed cost
and the gap is small (about 0.6 s against 0.7 s); at the size of the shipped attention translator, training with
half the steps fed back ran at 59% of teacher forcing's speed (`s2s-viz bench training --attention`)."""

FEEDBACK = {
    "soft": "the probabilities (soft: the gradient flows through them)",
    "argmax": "the most likely character (argmax: as decoding does)",
}


def forcing_experiment(
    task: str = "toy:dates", epochs: float = FORCING_DEFAULT_EPOCHS, include_mix: bool = False, feedback: str = "soft"
):
    """Train the same small model by teacher forcing and by reinjection; stream both runs' two scores."""
    from s2s_viz import checkpoints
    from s2s_viz.training import TrainingError
    from s2s_viz.training.forcing import forcing_verdict, run_forcing_experiment

    title = "Teacher forcing vs reinjection: same model, data and seed; every run scored both ways"
    series: dict[str, tuple[list, list]] = {}
    results: dict[str, list[dict]] = {}
    try:
        for label, event in run_forcing_experiment(checkpoints.own_dir(), task, epochs, include_mix, feedback):
            results.setdefault(label, []).append(event)
            for key, metric, scale in (
                ("forced_val_loss", "teacher-forced validation loss", 1.0),
                ("free_exact", "free-running exact match (accuracy)", 0.01),
            ):
                xs, ys = series.setdefault(f"{label}: {metric}", ([], []))
                xs.append(event["epoch"])
                ys.append(event[key] * scale)
            yield viz.live_curves(series, title), f"{label}: epoch {event['epoch']} done in {event['epoch_s']:.1f} s"
    except (ValueError, TrainingError) as error:
        raise refuse(str(error)) from error
    yield viz.live_curves(series, title), f"Reinjection fed back {FEEDBACK[feedback]}. " + forcing_verdict(results)


def build() -> list:
    gr.Markdown(t("forcing.intro", INTRO))
    gr.Markdown(t("forcing.live", LIVE))
    model = model_picker(value=default_translator(), label=t("label.model", "model"))
    with gr.Row():
        source = gr.Textbox(label=t("label.source", "source"), value=EXAMPLES[0][0], max_length=5000)
        reference = gr.Textbox(
            label=t("label.reference_translation", "reference translation"), value=EXAMPLES[0][1], max_length=5000
        )
    examples(EXAMPLES, [source, reference])
    button = gr.Button(t("button.compare", "Compare"), variant="primary")
    summary = gr.Markdown(elem_id="forcing-summary")
    figure = gr.Plot(show_label=False, elem_id="forcing-figure")
    table = gr.Dataframe(interactive=False, elem_id="forcing-table")
    button.click(compare_forcing, [model, source, reference], [figure, table, summary], api_name="compare_forcing")
    alive(compare_forcing, [model, source, reference], [figure, table, summary], live=(model,))
    with gr.Accordion(t("label.free_after", "fed the reference for k steps, then on its own"), open=False):
        gr.Markdown(t("forcing.free_after", FREE_AFTER))
        fed = gr.Slider(0, 40, value=3, step=1, label=t("label.fed_steps", "steps fed the reference (k)"))
        free_summary = gr.Markdown(elem_id="free-after-summary")
        free_table = gr.Dataframe(interactive=False, elem_id="free-after-table")
        fed.change(
            free_after,
            [model, source, reference, fed],
            [free_summary, free_table],
            api_name="free_after",
            trigger_mode="always_last",
            show_progress="hidden",
        )
    with gr.Accordion(t("label.forcing_experiment", "the experiment: train both ways, live"), open=False):
        gr.Markdown(t("forcing.experiment", EXPERIMENT_INTRO))
        with gr.Row():
            task = gr.Dropdown(list(FORCING_TASKS), value="toy:dates", label=t("label.task", "task"))
            epochs = gr.Slider(1, 10, value=FORCING_DEFAULT_EPOCHS, step=1, label=t("label.epochs", "epochs"))
            mix = gr.Checkbox(label=t("label.also_scheduled_sampling_0_5", "also scheduled sampling (0.5)"))
            feedback = gr.Radio(
                [(t(f"choice.feedback_{key}", words), key) for key, words in FEEDBACK.items()],
                value="soft",
                label=t("label.feedback", "reinjection feeds back"),
            )
        run_button = gr.Button(t("button.train_both", "Train both"))
        experiment_status = gr.Markdown(elem_id="forcing-experiment-status")
        experiment_curves = gr.Plot(show_label=False, elem_id="forcing-experiment-curves")
        run_button.click(
            forcing_experiment,
            [task, epochs, mix, feedback],
            [experiment_curves, experiment_status],
            api_name="forcing_experiment",
            concurrency_limit=1,
            concurrency_id="forcing-experiment",
        )
    shareable("forcing", model=model, source=source, reference=reference)
    exporter("forcing", forcing=figure, steps=table, experiment=experiment_curves)
    return [(model, "translator", None)]
