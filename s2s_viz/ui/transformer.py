"""Transformer: encoder self-, decoder self- and cross-attention per layer and head, and the position encoding."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from s2s_viz import explain, viz
from s2s_viz.models.transformer import PAPER_BASE, sinusoidal_encoding
from s2s_viz.translation import InputError

from .common import (
    alive,
    check_text,
    edits,
    follow_model,
    frame_follows,
    get_model,
    layer_and_head_sliders,
    model_picker,
    refuse,
)
from .export import exporter
from .i18n import say, t
from .links import follows, shareable
from .page import page_call

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
        weights, map_title(kind, int(layer), int(head)), "reads (keys)", "position (queries)", keys, queries
    )
    layers = result.attention_maps[which]
    # every layer's and head's title, in the reader's language: the page shows another map of the grid by itself
    figure.layout.meta = {
        "titles": [[say(map_title(kind, i, h)) for h in range(maps.shape[0])] for i, maps in enumerate(layers)]
    }
    grid = viz.attention_grid(
        [[layer_maps[h] for h in range(layer_maps.shape[0])] for layer_maps in layers],
        f"every layer and head: {kind}",
        chosen=(int(layer), int(head)),
        x_tokens=keys,
        y_tokens=queries,
    )
    return result.text, figure, grid


def map_title(kind: str, layer: int, head: int) -> str:
    return f"{kind}: layer {layer}, head {head}"


def paper_sizes(num_layers: int, num_heads: int, d_model: int, d_ff: int, **_) -> dict:
    """A Transformer's sizes in the paper's names."""
    return {
        "N (blocks)": num_layers,
        "h (heads)": num_heads,
        "d_k = d_v": d_model // num_heads,
        "d_model": d_model,
        "d_ff": d_ff,
    }


PAPER = paper_sizes(**PAPER_BASE)  # Vaswani et al., base

BLOCK_INTRO = """**Inside an encoder block.** Each character's vector (the *residual stream*) goes through multi-head
attention, is *added* to what attention wrote and *layer-normalised*, then through the feed-forward network, added
and normalised again. Below: the length |x| of every character's vector at each stage of the chosen block, and the
chosen character's in the table. Dropout (in training only) sits on each sub-layer's output, before it is added to
the stream, and inside the feed-forward network: not "anywhere"."""


SHORT_STAGE = {  # the figure's row labels (the table spells them out)
    "block input": "input",
    "multi-head attention": "MHA",
    "feed-forward": "FFN",
    "layer norm": "LN",
    "layer norm (block output)": "LN (out)",
    "add (block output)": "add (out)",
}


def blocks_shown(name: str, at: float = 0):
    """The block slider spans the chosen model's encoder blocks, as the layer slider does (``follow_model``)."""
    return follow_model(name, at)[0]


def block_inside(model_name: str, text: str, block: float = 0, position: float = 0):
    """The residual stream through one encoder block: |x| per stage and character, and the paper's sizes beside
    this model's."""
    text = check_text(text)
    translator = get_model(model_name)
    try:
        names, tokens, norms = explain.residual_norms(translator, text, int(block))
    except ValueError as error:  # InputError too
        raise refuse(str(error)) from error
    spec, block, position = translator.model.spec, int(block), int(position)
    if not 0 <= position < len(tokens):
        raise refuse(f"character must be in 0..{len(tokens) - 1} for this sentence, got {position}")
    short = [SHORT_STAGE.get(name, name) for name in names]  # the figure numbers them: 0:input, 1:MHA, ...
    figure = viz.matrix_heatmap(
        norms, f"encoder block {block}: |x| of each character at each stage", "character", "stage", tokens, short
    )
    table = pd.DataFrame(
        {
            "stage": [f"{index}: {name}" for index, name in enumerate(names)],
            f"|x| of {tokens[position]!r} ({position})": norms[:, position].round(3),
            "mean over the sentence": norms.mean(axis=1).round(3),
        }
    )
    ours = paper_sizes(spec.num_layers, spec.num_heads, spec.d_model, spec.d_ff)
    sizes = pd.DataFrame(
        {"size": list(PAPER), "the paper (base)": list(PAPER.values()), model_name: [ours[k] for k in PAPER]}
    )
    return figure, table, sizes


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
    figure = gr.Plot(show_label=False, elem_id="transformer-heatmap")
    grid = gr.Plot(show_label=False, elem_id="transformer-grid")
    button.click(
        transformer_attention,
        [model, text, kind, layer, head],
        [output, figure, grid],
        api_name="transformer_attention",
    )
    inputs = [model, text, kind, layer, head]
    alive(transformer_attention, inputs, [output, figure, grid], live=(kind,))
    # another layer or head: its map (the grid holds every one) shown large and the grid's frame moved, in the page
    frame_follows(grid, layer, head)
    script = page_call("pick", "transformer-heatmap", "transformer-grid", 0)
    gr.on(edits(layer, head), None, [layer, head], None, js=script, api_visibility="private")
    with gr.Accordion(t("label.block_inside", "inside an encoder block, and the paper's sizes"), open=False):
        gr.Markdown(t("transformer.block", BLOCK_INTRO))
        with gr.Row():
            block = gr.Slider(0, 11, value=0, step=1, label=t("label.block", "block"))
            position = gr.Slider(0, 99, value=0, step=1, label=t("label.character", "character (position)"))
        follows(model, [block], blocks_shown)
        inside_button = gr.Button(t("button.show_inside", "Show inside the block"), elem_id="transformer-inside")
        inside = gr.Plot(show_label=False, elem_id="transformer-stages")
        with gr.Row():
            stages = gr.Dataframe(interactive=False, elem_id="transformer-stage-table")
            sizes = gr.Dataframe(interactive=False, elem_id="transformer-sizes")
        inside_button.click(
            block_inside, [model, text, block, position], [inside, stages, sizes], api_name="transformer_block"
        )
        gr.on(
            edits(block, position),
            block_inside,
            [model, text, block, position],
            [inside, stages, sizes],
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
        )
    with gr.Accordion(t("label.positional_encoding", "positional encoding"), open=True):
        with gr.Row():
            length = gr.Slider(8, 200, value=60, step=1, label=t("label.positions", "positions"))
            width = gr.Slider(8, 512, value=128, step=2, label=t("label.d_model", "d_model"))
        encoding = gr.Plot(show_label=False, elem_id="transformer-encoding")
        gr.Button(t("button.draw", "Draw")).click(
            positional_encoding, [length, width], encoding, api_name="positional_encoding"
        )
        alive(positional_encoding, [length, width], encoding)
        # the sliders redraw it in the page (the same formula, ``sinusoidal_encoding``)
        script = page_call("encoding", "transformer-encoding")
        gr.on(edits(length, width), None, [length, width], None, js=script, api_visibility="private")
    shareable("transformer", model=model, text=text, kind=kind, layer=layer, head=head, positions=length, d_model=width)
    exporter("transformer", attention=figure, every_head=grid, positional_encoding=encoding)
    return [(model, "translator", "transformer")]
