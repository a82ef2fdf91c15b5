"""Bidirectional RNN: a digit read row by row, top-down and bottom-up."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from s2s_viz import viz
from s2s_viz.data.sources import mnist_here

from .common import alive, get_model, model_picker
from .digits_common import digit_input, input_controls
from .i18n import t
from .share import exporter, shareable

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

        rows = [{"merge mode": "concat", "size": final_forward.size + final_backward.size}]
        if final_forward.size == final_backward.size:
            for mode, merged in (
                ("sum", final_forward + final_backward),
                ("mul", final_forward * final_backward),
                ("ave", (final_forward + final_backward) / 2),
            ):
                rows.append({"merge mode": mode, "size": merged.size, "first values": first_values(merged)})
        rows.append({"merge mode": "none", "size": f"{final_forward.size} + {final_backward.size} (two outputs)"})
        for row in rows:
            row["this model"] = "trained with it" if row["merge mode"] == trained_with else ""
        merges = pd.DataFrame(rows)
    return figure, overlay, forward, backward, merges


def build() -> list:
    gr.Markdown(t("birnn.intro", INTRO))
    gr.Markdown(t("birnn.live", LIVE))
    model = model_picker("digits", "birnn", label=t("label.model", "model"))
    sketch, upload, test_index, source = input_controls("birnn")
    button = gr.Button(t("button.classify", "Classify"), variant="primary")
    with gr.Row():
        probabilities, overlay = gr.Plot(), gr.Plot()
    with gr.Row():
        forward, backward = gr.Plot(), gr.Plot()
    merges = gr.Dataframe(
        label=t("label.merge_modes_applied_to_the_two_final_outputs", "merge modes applied to the two final outputs"),
        interactive=False,
    )
    button.click(
        classify_digit,
        [model, sketch, upload, test_index, source],
        [probabilities, overlay, forward, backward, merges],
        api_name="classify_digit",
    )
    if mnist_here():  # opens on test image 0; another test image or input choice redraws at once
        alive(
            classify_digit,
            [model, sketch, upload, test_index, source],
            [probabilities, overlay, forward, backward, merges],
            live=(source, test_index),
        )
    shareable("birnn", model=model, input=source, index=test_index)
    exporter(
        "birnn", probabilities=probabilities, input=overlay, forward=forward, backward=backward, merge_modes=merges
    )
    return [(model, "digits", "birnn")]
