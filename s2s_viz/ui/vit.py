"""Vision Transformer: which patches the class token attends to, per block and head, and rolled out."""

from __future__ import annotations

import gradio as gr
import numpy as np

from s2s_viz import viz

from .common import alive, edits, frame_follows, get_model, layer_and_head_sliders, model_picker, refuse
from .digits_common import digit_input, input_controls, page_views
from .export import exporter
from .i18n import say, t
from .links import shareable
from .page import page_call

INTRO = """**A Vision Transformer reads an image as a sentence of patches.** The image is cut into patches, each
projected to a vector; a learned *class token* is put in front and learned position embeddings are added. After
the encoder blocks, the class token's vector is classified. Below: how much the class token attends to each
patch in one block and head, the *rollout* of attention through all blocks, and how similar the learned
position embeddings are (the model rediscovers rows and columns). Your drawing is prepared as MNIST's digits
were (cropped, scaled into 20x20 pixels and centred by its mass): the first picture is the 28x28 the model
reads. *Try this:* pick test image 0, then draw a digit in a corner: it is read centred, so the attention
follows the ink, not where you drew it.

*One width throughout.* From the patch projection to the class token's final vector, every vector passed from block
to block has the same size, `d_model` (inside a block the feed-forward layer widens to `d_ff` and narrows back): each
block reads and writes vectors of that size, which is what lets it add its output back to its input. In code the
ViT is a subclassed `keras.Model` (`s2s_viz/models/vit.py`): its layers (the patch
projection, the blocks, the head) are made once in `__init__`, its class token and position embeddings once in
`build`, and `call` only chains them, so each weight exists once and serves every image.

*Where the layer norm sits.* The ViT paper normalises *before* each sub-layer (pre-LN:
`x + MSA(LN(x))`, then `x + MLP(LN(x))`), so the stream itself is never normalised and one last layer norm comes
before the head. The shipped `vit-mnist` is built so (`norm_first`), as are the ViTs the Train tab trains; the
original Transformer's block (post-LN: `LN(x + MSA(x))`) is the other choice in code. Here pre-LN learned more
slowly: 12 epochs for 98.1% on MNIST's test images, where post-LN had 98.2% after 9."""

LIVE = """*Live:* the input choice, the test image index, block, head and both rollout settings redraw at once (so does
a new upload); a drawing or another model waits for *Classify and explain*."""


def vit_attention(
    model_name: str,
    sketch,
    upload,
    test_index,
    source: str,
    layer: float = 0,
    head: float = -1,
    head_fusion: str = "mean",
    discard_ratio: float = 0.0,
):
    """Class-token attention (one block, one head or the mean), rollout and position similarity."""
    image, caption, maps, layer, head = _read(
        model_name, sketch, upload, test_index, source, layer, head, head_fusion, discard_ratio
    )
    probabilities = get_model(model_name, kind="digits").classify(image)
    blocks, heads = len(maps["class_token"]), len(maps["class_token"][0])
    figures = viz.vit_figures(image, maps, layer, head, head_fusion, float(discard_ratio))
    # every block's maps (the mean of heads first, then each head) and titles: the page shows another by itself
    figures[1].layout.meta = {
        "trace": 1,
        "maps": [
            [np.round(np.asarray(maps["class_token_mean"][b], float), 4).tolist()]
            + [np.round(np.asarray(m, float), 4).tolist() for m in maps["class_token"][b]]
            for b in range(blocks)
        ],
        "titles": [[say(viz.vit_map_title(b, h)) for h in range(-1, heads)] for b in range(blocks)],
    }
    return (
        viz.probability_bars(probabilities, title=f"{caption}: {viz.digit_verdict(probabilities)}"),
        *figures,
    )


def _read(model_name, sketch, upload, test_index, source, layer, head, head_fusion, discard_ratio):
    """The picture as the model reads it, its caption, the model's attention maps, and the block and head checked
    against the model."""
    classifier = get_model(model_name, kind="digits")
    if not hasattr(classifier.model, "attention_maps"):
        raise refuse(f"{model_name} is not a Vision Transformer")
    image, caption = digit_input(sketch, upload, test_index, source)
    maps = classifier.attention(image, head_fusion=head_fusion, discard_ratio=float(discard_ratio))
    layer, head = int(layer), int(head)
    blocks, heads = len(maps["class_token"]), len(maps["class_token"][0])
    if not 0 <= layer < blocks:
        raise refuse(f"block must be in 0..{blocks - 1} for {model_name}, got {layer}")
    if not -1 <= head < heads:
        raise refuse(f"head must be in 0..{heads - 1} for {model_name}, or -1 for the mean of heads; got {head}")
    return image, caption, maps, layer, head


def vit_rollout(model_name, sketch, upload, test_index, source, layer=0, head=-1, head_fusion="mean", discard=0.0):
    """Only what the rollout settings change: the rollout figure."""
    image, _, maps, _, _ = _read(model_name, sketch, upload, test_index, source, layer, head, head_fusion, discard)
    return viz.vit_rollout_figure(image, maps, head_fusion, float(discard))


def build() -> list:
    gr.Markdown(t("vit.intro", INTRO))
    gr.Markdown(t("vit.live", LIVE))
    model = model_picker("digits", "vit", label=t("label.model", "model"))
    sketch, upload, test_index, source = input_controls("vit")
    with gr.Row():
        layer, head = layer_and_head_sliders(
            model,
            t("label.block", "block"),
            t("label.head_1_mean_of_heads", "head (-1: mean of heads)"),
            head_minimum=-1,
            most_heads=16,
        )
        fusion = gr.Radio(
            [(t(f"choice.{name}", name), name) for name in ("mean", "max", "min")],
            value="mean",
            label=t("label.rollout_head_fusion", "rollout head fusion"),
        )
        discard = gr.Slider(
            0, 0.9, value=0.0, step=0.05, label=t("label.rollout_discard_ratio", "rollout discard ratio")
        )
    button = gr.Button(t("button.explain", "Classify and explain"), variant="primary", elem_id="vit-button")
    with gr.Row():
        probabilities, grid = (
            gr.Plot(show_label=False, elem_id="vit-probabilities"),
            gr.Plot(show_label=False, elem_id="vit-patches"),
        )
    with gr.Row():
        attention, rollout = (
            gr.Plot(show_label=False, elem_id="vit-attention"),
            gr.Plot(show_label=False, elem_id="vit-rollout"),
        )
    every_head = gr.Plot(show_label=False, elem_id="vit-grid")
    similarity = gr.Plot(show_label=False, elem_id="vit-position-similarity")
    outputs = [probabilities, grid, attention, rollout, similarity, every_head]
    live, pressed = page_views(vit_attention, figures=6)
    button.click(
        pressed,
        [model, sketch, upload, test_index, source, layer, head, fusion, discard],
        outputs,
        api_name="vit_attention",
    )
    inputs = [model, sketch, upload, test_index, source, layer, head, fusion, discard]
    # opens on test image 0; another test image redraws at once
    alive(live, inputs, outputs, live=(test_index,), set_by_page=(source,))
    # the rollout settings redraw only the figure they change: for a test image the page calls /vit_rollout itself
    # and draws into the figure on the page (``window.s2s.rollout``); a drawing or an upload (files the page would
    # have to send first), or a refusal, asks through Gradio's event instead (the page changes ``asked``)
    rolled, pressed = page_views(vit_rollout, figures=1)
    asked = gr.Number(value=0, visible=False, elem_id="vit-rollout-asked")
    gr.on(edits(fusion, discard), None, inputs, asked, js=page_call("rollout"), api_visibility="private")
    asked.change(rolled, inputs, rollout, api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    api = gr.Button(visible=False)
    api.click(pressed, inputs, rollout, api_name="vit_rollout", api_visibility="undocumented")
    # another block or head: its map shown and the grid's frame moved, in the page (the figure holds every map)
    frame_follows(every_head, layer, head)
    script = page_call("pick", "vit-attention", None, 1)
    gr.on(edits(layer, head), None, [layer, head], None, js=script, api_visibility="private")
    shareable(
        "vit",
        model=model,
        input=source,
        index=test_index,
        block=layer,
        head=head,
        fusion=fusion,
        discard=discard,
    )
    exporter(
        "vit",
        probabilities=probabilities,
        input=grid,
        attention=attention,
        rollout=rollout,
        every_head=every_head,
        position_similarity=similarity,
    )
    return [(model, "digits", "vit")]
