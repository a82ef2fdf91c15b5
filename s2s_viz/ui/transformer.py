"""Transformer: encoder self-, decoder self- and cross-attention per layer and head, and the position encoding."""

from __future__ import annotations

import gradio as gr

from s2s_viz import viz
from s2s_viz.models.transformer import sinusoidal_encoding
from s2s_viz.translator import InputError

from .common import alive, check_text, get_model, layer_and_head_sliders, model_picker, refuse
from .i18n import t
from .share import exporter, shareable

INTRO = """**A Transformer has no recurrence: every position reads every other through attention.** The encoder's
self-attention mixes the source characters; the decoder's self-attention is *causal* (a position may only
read earlier ones, hence the triangle); cross-attention is where the decoder reads the source, like the RNN
attention heatmap. Order enters only through the positional encoding added to each character.
*Try this:* translate `I am cold.` and compare cross-attention across heads: the grid below the chosen map shows
every layer and head at once (the chosen one framed; pick another with the sliders to enlarge it)."""

LIVE = """*Live:* the attention kind, layer and head, and both encoding sliders redraw at once; a new sentence or
model waits for *Translate and show*."""

KINDS = {
    "cross-attention (decoder reads the source)": "cross",
    "decoder self-attention (causal)": "decoder_self",
    "encoder self-attention": "encoder_self",
}


def transformer_attention(model_name: str, text: str, kind: str, layer: float = 0, head: float = 0):
    """Translate with a Transformer; show one layer's and head's attention of the chosen kind, and every layer x
    head of that kind at once (the chosen one framed)."""
    text = check_text(text)
    translator = get_model(model_name)
    if not hasattr(translator.model, "attention_maps"):
        raise refuse(f"{model_name} is not a Transformer")
    try:
        result = translator.translate(text)
    except InputError as error:
        raise refuse(str(error)) from error
    which = KINDS.get(kind, "cross")
    try:
        weights, queries, keys = result.attention_map(which, int(layer), int(head))
    except InputError as error:
        raise refuse(str(error)) from error
    figure = viz.matrix_heatmap(
        weights, f"{kind}: layer {int(layer)}, head {int(head)}", "reads (keys)", "position (queries)", keys, queries
    )
    layers = result.attention_maps[which]
    grid = viz.attention_grid(
        [[layer_maps[h] for h in range(layer_maps.shape[0])] for layer_maps in layers],
        f"every layer and head: {kind}",
        chosen=(int(layer), int(head)),
        x_tokens=keys,
        y_tokens=queries,
    )
    return result.text, figure, grid


def positional_encoding(length: float = 60, d_model: float = 128):
    encoding = sinusoidal_encoding(int(length), int(d_model))
    return viz.matrix_heatmap(
        encoding, "sinusoidal positional encoding PE(pos, i)", "dimension i", "position", zmid=0, colorscale="RdBu"
    )


def build() -> list:
    gr.Markdown(t("transformer.intro", INTRO))
    gr.Markdown(t("transformer.live", LIVE))
    with gr.Row():
        model = model_picker("translator", "transformer", label=t("label.transformer_model", "Transformer model"))
        kind = gr.Dropdown(
            [(t(f"choice.{key}", name), name) for name, key in KINDS.items()],
            value=list(KINDS)[0],
            label=t("label.attention", "attention"),
        )
        layer, head = layer_and_head_sliders(model, t("label.layer", "layer"), t("label.head", "head"))
    text = gr.Textbox(value="I am cold.", label=t("label.source_sentence", "source sentence"), max_length=5000)
    button = gr.Button(t("button.translate_and_show", "Translate and show"), variant="primary")
    output = gr.Textbox(label=t("label.translation", "translation"), interactive=False)
    figure = gr.Plot(elem_id="transformer-heatmap")
    grid = gr.Plot(elem_id="transformer-grid")
    button.click(
        transformer_attention,
        [model, text, kind, layer, head],
        [output, figure, grid],
        api_name="transformer_attention",
    )
    alive(transformer_attention, [model, text, kind, layer, head], [output, figure, grid], live=(kind, layer, head))
    with gr.Accordion(t("label.positional_encoding", "positional encoding"), open=True):
        with gr.Row():
            length = gr.Slider(8, 200, value=60, step=1, label=t("label.positions", "positions"))
            width = gr.Slider(8, 512, value=128, step=2, label=t("label.d_model", "d_model"))
        encoding = gr.Plot(elem_id="transformer-encoding")
        gr.Button(t("button.draw", "Draw")).click(
            positional_encoding, [length, width], encoding, api_name="positional_encoding"
        )
        alive(positional_encoding, [length, width], encoding, live=(length, width))
    shareable("transformer", model=model, text=text, kind=kind, layer=layer, head=head, positions=length, d_model=width)
    exporter("transformer", attention=figure, every_head=grid, positional_encoding=encoding)
    return [(model, "translator", "transformer")]
