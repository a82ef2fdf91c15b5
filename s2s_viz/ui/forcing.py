"""Teacher forcing vs reinjection: what the decoder predicts when fed the reference, and when fed itself."""

from __future__ import annotations

import gradio as gr

from s2s_viz import viz
from s2s_viz.translator import InputError

from .common import check_text, default_translator, get_model, model_names

INTRO = """**During training the decoder is usually fed the correct previous character (teacher forcing); when
translating it must eat its own output (reinjection).** Below, the same model reads the reference in two ways.
Left of the red line they agree; after its first mistake the free-running decoder is off the path it was
trained on, and the probability it gives the reference collapses: *exposure bias*.
*Try this:* `I am cold.` with reference `J'ai froid.`"""

EXAMPLES = [["I am cold.", "J'ai froid."], ["We won.", "Nous avons gagné."], ["Go away!", "Va-t'en !"]]


def compare_forcing(model_name: str, source: str, reference: str):
    """Per-step predictions fed the reference vs fed its own output; returns a figure, a table and a summary."""
    source, reference = check_text(source, "source"), check_text(reference, "reference")
    translator = get_model(model_name)
    try:
        comparison = translator.compare_forcing(source, reference)
    except InputError as error:
        raise gr.Error(str(error)) from error
    where = "never" if comparison.first_divergence is None else f"at step {comparison.first_divergence}"
    summary = f"Free-running output: **{comparison.free_text}** — it leaves the reference {where}."
    return viz.forcing_figure(comparison), viz.forcing_table(comparison), summary


def build() -> None:
    gr.Markdown(INTRO)
    model = gr.Dropdown(model_names(), value=default_translator(), label="model")
    with gr.Row():
        source = gr.Textbox(label="source", value=EXAMPLES[0][0], max_length=5000)
        reference = gr.Textbox(label="reference translation", value=EXAMPLES[0][1], max_length=5000)
    gr.Examples(EXAMPLES, inputs=[source, reference])
    button = gr.Button("Compare", variant="primary")
    summary = gr.Markdown()
    figure = gr.Plot()
    table = gr.Dataframe(interactive=False)
    button.click(compare_forcing, [model, source, reference], [figure, table, summary], api_name="compare_forcing")
