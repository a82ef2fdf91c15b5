"""Transformer: encoder self-, decoder self- and cross-attention per layer and head, and the position encoding."""

from __future__ import annotations

import gradio as gr

from s2s_viz import viz
from s2s_viz.models.transformer import sinusoidal_encoding
from s2s_viz.translator import InputError

from .common import alive, check_text, get_model, layer_and_head_sliders, model_picker, refuse
from .i18n import t

INTRO = """**A Transformer has no recurrence: every position reads every other through attention.** The encoder's
self-attention mixes the source characters; the decoder's self-attention is *causal* (a position may only
read earlier ones, hence the triangle); cross-attention is where the decoder reads the source, like the RNN
attention heatmap. Order enters only through the positional encoding added to each character.
*Try this:* translate `I am cold.` and compare cross-attention across heads."""

KINDS = {
    "cross-attention (decoder reads the source)": "cross",
    "decoder self-attention (causal)": "decoder_self",
    "encoder self-attention": "encoder_self",
}


def transformer_attention(model_name: str, text: str, kind: str, layer: float = 0, head: float = 0):
    """Translate with a Transformer and show one layer's and head's attention of the chosen kind."""
    text = check_text(text)
    translator = get_model(model_name)
    if not hasattr(translator.model, "attention_maps"):
        raise refuse(f"{model_name} is not a Transformer")
    try:
        result = translator.translate(text)
    except InputError as error:
        raise refuse(str(error)) from error
    try:
        weights, queries, keys = result.attention_map(KINDS.get(kind, "cross"), int(layer), int(head))
    except InputError as error:
        raise refuse(str(error)) from error
    figure = viz.matrix_heatmap(
        weights, f"{kind}: layer {int(layer)}, head {int(head)}", "reads (keys)", "position (queries)", keys, queries
    )
    return result.text, figure


def positional_encoding(length: float = 60, d_model: float = 128):
    encoding = sinusoidal_encoding(int(length), int(d_model))
    return viz.matrix_heatmap(
        encoding, "sinusoidal positional encoding PE(pos, i)", "dimension i", "position", zmid=0, colorscale="RdBu"
    )


def build() -> list:
    gr.Markdown(t("transformer.intro", INTRO))
    with gr.Row():
        model = model_picker("translator", "transformer", label=t("label.transformer_model", "Transformer model"))
        kind = gr.Dropdown(list(KINDS), value=list(KINDS)[0], label=t("label.attention", "attention"))
        layer, head = layer_and_head_sliders(model, t("label.layer", "layer"), t("label.head", "head"))
    text = gr.Textbox(value="I am cold.", label=t("label.source_sentence", "source sentence"), max_length=5000)
    button = gr.Button("Translate and show", variant="primary")
    output = gr.Textbox(label=t("label.translation", "translation"), interactive=False)
    figure = gr.Plot()
    button.click(
        transformer_attention, [model, text, kind, layer, head], [output, figure], api_name="transformer_attention"
    )
    alive(transformer_attention, [model, text, kind, layer, head], [output, figure], live=(kind, layer, head))
    with gr.Accordion("positional encoding", open=True):
        with gr.Row():
            length = gr.Slider(8, 200, value=60, step=1, label=t("label.positions", "positions"))
            width = gr.Slider(8, 512, value=128, step=2, label=t("label.d_model", "d_model"))
        encoding = gr.Plot()
        gr.Button("Draw").click(positional_encoding, [length, width], encoding, api_name="positional_encoding")
        alive(positional_encoding, [length, width], encoding, live=(length, width))
    return [(model, "translator", "transformer")]
