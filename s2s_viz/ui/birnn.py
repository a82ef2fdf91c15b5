"""Bidirectional RNN: a digit read row by row, top-down and bottom-up."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd

from s2s_viz import viz
from s2s_viz.blanks import BLANK
from s2s_viz.translation import InputError

from .common import alive, get_model, model_names, model_picker, refuse
from .digits_common import digit_input, input_controls, page_views
from .export import exporter
from .i18n import t
from .links import shareable

INTRO = """**An RNN can read an image as a sequence: 28 rows of 28 pixels.** A bidirectional RNN reads it twice,
top to bottom and bottom to top, and merges what the two directions end with. The heatmaps show each
direction's output after every row; the table shows what each merge mode makes of the two final vectors.
*Try this:* draw a 7, then a 1, and watch where the forward states change."""

LIVE = """*Live:* the input choice and the test image index redraw at once (so does a new upload); a drawing or another
model waits for *Classify*."""


def classify_digit(model_name: str, sketch, upload, test_index, source: str):
    """Probabilities, forward/backward hidden states and the merge modes, for one picture."""
    classifier = get_model(model_name, kind="digits")
    image, caption = digit_input(sketch, upload, test_index, source)
    probabilities = classifier.classify(image)
    figure = viz.probability_bars(probabilities, title=f"{caption}: {viz.digit_verdict(probabilities)}")
    overlay = viz.digit_overlay(image, title="the input the model reads")
    states = classifier.hidden_states(image) if hasattr(classifier.model, "hidden_states") else {}
    forward = (
        viz.matrix_heatmap(
            states["forward"].T, "forward outputs after each row (top → bottom)", "row (timestep)", "unit"
        )
        if "forward" in states
        else None
    )
    backward = (
        viz.matrix_heatmap(
            states["backward"].T, "backward outputs after each row (bottom → top)", "row (timestep)", "unit"
        )
        if "backward" in states
        else None
    )
    merges = pd.DataFrame()
    if "backward" in states:
        trained_with = classifier.model.spec.merge_mode
        final_forward, final_backward = states["forward"][-1], states["backward"][0]

        def first_values(vector) -> str:  # rounded for reading (float32 would print 0.16899999976158142)
            return ", ".join(f"{float(value):.3f}" for value in vector[:4])

        rows = [
            {
                "merge mode": "concat",
                "size": final_forward.size + final_backward.size,
                "first values": first_values(np.concatenate([final_forward, final_backward])),
            }
        ]
        if final_forward.size == final_backward.size:
            for mode, merged in (
                ("sum", final_forward + final_backward),
                ("mul", final_forward * final_backward),
                ("ave", (final_forward + final_backward) / 2),
            ):
                rows.append({"merge mode": mode, "size": merged.size, "first values": first_values(merged)})
        rows.append(
            {
                "merge mode": "none",
                "size": f"{final_forward.size} + {final_backward.size} (two outputs)",
                "first values": f"{first_values(final_forward)} | {first_values(final_backward)}",
            }
        )
        for row in rows:
            row["this model"] = "trained with it" if row["merge mode"] == trained_with else ""
        merges = pd.DataFrame(rows)
    return figure, overlay, forward, backward, merges


BLANK_INTRO = """**Why read both ways? Filling in a blank** needs what comes before *and* what comes after. Two
models trained alike on the English sentences of `fra.txt`, with about the same number of weights, guess a hidden
character: a forward LSTM has read only the characters before it, a bidirectional LSTM also every character after
it. Left: each model's five likeliest characters for the hidden one; right: every character of the sentence hidden
in turn. *Try this:* in `Tom is a good doctor.` hide the `a` (position 7), then the `d` of `doctor` (position 14):
the forward model can only guess from what comes before (`Tom is `, then `Tom is a good `); the other also reads
what follows. *Live:* the sentence and the position redraw at once."""

BLANK_MODELS = (("forward only", "blank-forward-en"), ("bidirectional", "blank-bi-en"))


def blank_view(sentence: str, position):
    """Each model's guesses for the character at ``position``, every character hidden in turn, and a summary;
    the position slider's range follows the sentence (a position beyond it moves, visibly, to its last character)."""
    text = (sentence or "").strip()
    last = max(len(text) - 1, 0)
    chosen = min(max(int(position or 0), 0), last)
    slider = gr.update(maximum=max(last, 1), value=chosen)
    fillers = {label: get_model(name, kind="blank") for label, name in BLANK_MODELS}
    hidden = text[:chosen] + BLANK + text[chosen + 1 :]
    try:
        if BLANK in text:
            raise InputError(f"type the whole sentence, without {BLANK}: the position slider chooses what is hidden")
        guesses = {label: filler.fill(hidden) for label, filler in fillers.items()}
        scores = {label: filler.every_position(text) for label, filler in fillers.items()}
    except InputError as error:
        raise refuse(str(error)) from error
    answer = text[chosen]
    upper = viz.blank_guesses(guesses, answer, f"guesses for the hidden character<br>`{hidden}`")
    lower = viz.blank_positions(text, scores, chosen, "each character hidden in turn: p(right character)")
    lines = [
        f"Hidden: character {chosen} ({viz.show_token(answer)}) of `{text}`.",
        *(
            f"- {label}: first guess {viz.show_token(guesses[label][0].char)} "
            f"({guesses[label][0].probability:.0%}), right character {found[chosen].probability:.0%}; over the "
            f"whole sentence {sum(s.guess == s.char for s in found)} of {len(found)} right "
            f"(test sentences: {fillers[label].card.get('metrics', {}).get('blank_accuracy', '?')}%)"
            for label, found in scores.items()
        ),
    ]
    return upper, lower, "\n".join(lines), slider


def blank_section() -> tuple[dict, dict]:
    """The fill-in-the-blank comparison, when both blank models are there: its link controls and its figures."""
    if not all(name in model_names("blank") for _, name in BLANK_MODELS):
        return {}, {}
    with gr.Accordion(t("label.why_both_directions", "Why both directions: fill in the blank"), open=True):
        gr.Markdown(t("birnn.blank_intro", BLANK_INTRO))
        with gr.Row():
            sentence = gr.Textbox(
                value="Tom is a good doctor.", label=t("label.sentence", "sentence"), max_length=30, scale=3
            )
            position = gr.Slider(0, 29, value=7, step=1, label=t("label.hidden_position", "hidden position"), scale=2)
        summary = gr.Markdown(elem_id="birnn-blank-summary")
        with gr.Row():
            guesses, positions = (
                gr.Plot(show_label=False, elem_id="birnn-blank-guesses"),
                gr.Plot(show_label=False, elem_id="birnn-blank-positions"),
            )
        outputs = [guesses, positions, summary, position]
        gr.Button(t("button.fill", "Fill in"), variant="secondary", size="sm").click(
            blank_view, [sentence, position], outputs, api_name="fill_blank"
        )
        alive(blank_view, [sentence, position], outputs, live=(sentence, position))
    return {"sentence": sentence, "hidden": position}, {"blank_guesses": guesses, "blank_positions": positions}


def build() -> list:
    gr.Markdown(t("birnn.intro", INTRO))
    gr.Markdown(t("birnn.live", LIVE))
    model = model_picker("digits", "birnn", label=t("label.model", "model"))
    sketch, upload, test_index, source = input_controls("birnn")
    button = gr.Button(t("button.classify", "Classify"), variant="primary")
    with gr.Row():
        probabilities, overlay = (
            gr.Plot(show_label=False, elem_id="birnn-probabilities"),
            gr.Plot(show_label=False, elem_id="birnn-input"),
        )
    with gr.Row():
        forward, backward = (
            gr.Plot(show_label=False, elem_id="birnn-forward"),
            gr.Plot(show_label=False, elem_id="birnn-backward"),
        )
    merges = gr.Dataframe(
        label=t("label.merge_modes_applied_to_the_two_final_outputs", "merge modes applied to the two final outputs"),
        interactive=False,
    )
    live, pressed = page_views(classify_digit, figures=4, table=True)
    button.click(
        pressed,
        [model, sketch, upload, test_index, source],
        [probabilities, overlay, forward, backward, merges],
        api_name="classify_digit",
    )
    alive(  # opens on test image 0; another test image or input choice redraws at once
        live,
        [model, sketch, upload, test_index, source],
        [probabilities, overlay, forward, backward, merges],
        live=(test_index,),
        set_by_page=(source,),
    )
    blank_controls, blank_figures = blank_section()
    shareable("birnn", model=model, input=source, index=test_index, **blank_controls)
    exporter(
        "birnn",
        probabilities=probabilities,
        input=overlay,
        forward=forward,
        backward=backward,
        merge_modes=merges,
        **blank_figures,
    )
    return [(model, "digits", "birnn")]
