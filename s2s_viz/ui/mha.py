"""Multi-head attention, from scratch: Q K^T, scaled, softmax and the weighted sum, per head."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from s2s_viz import explain, viz

from .common import alive, check_text, edits, refuse
from .export import exporter
from .i18n import t
from .links import follows, shareable
from .notes import fixes
from .page import page_call

INTRO = """**Attention lets every character read every other.** Each head projects the characters to queries
Q, keys K and values V; the score of query i for key j is Q_i · K_j, scaled by 1/√d_k, turned into
probabilities by a softmax over j, and used to average the values. Several heads do this side by side and
their results are concatenated. Everything below is computed by our from-scratch layer; the number at the
bottom is its largest difference from `keras.layers.MultiHeadAttention` holding the same weights.
*Try this:* `attention` with 2 heads, then tick *causal*."""

LIVE = """*Live:* heads, key size, the head shown, the causal mask and the seed redraw at once; a new sentence waits
for *Compute*."""

MAX_CHARS = 40


def mha(
    text: str,
    num_heads: float = 2,
    key_dim: float = 8,
    head: float = 0,
    causal: bool = False,
    seed: float = 0,
    value_dim: float | None = None,
):
    """The walk-through for one head: four heatmaps and the difference from Keras."""
    text = check_text(text)
    if not text.strip():
        raise refuse("type a sentence first")
    notice = ""
    if len(text) > MAX_CHARS:
        text, notice = text[:MAX_CHARS], f"Only the first {MAX_CHARS} characters are shown. "
    try:
        parts = explain.mha_walkthrough(
            text, int(num_heads), int(key_dim), int(seed), bool(causal), None if value_dim is None else int(value_dim)
        )
    except ValueError as error:
        raise refuse(str(error)) from error
    head = int(head)
    if not 0 <= head < int(num_heads):
        raise refuse(f"show head must be in 0..{int(num_heads) - 1} for {int(num_heads)} heads, got {head}")
    figures = viz.mha_figures(parts, head, bool(causal))
    summary = pd.DataFrame(
        [
            {"what": "Q, K per head (heads, positions, d_k)", "shape": str(parts["Q"].shape)},
            {"what": "V per head (heads, positions, d_v)", "shape": str(parts["V"].shape)},
            {"what": "heads concatenated", "shape": str(parts["concatenated"].shape)},
            {"what": "output (after W_O)", "shape": str(parts["output"].shape)},
            {"what": "max |ours − Keras| (output)", "shape": f"{parts['max_output_difference']:.2e}"},
            {"what": "max |ours − Keras| (probabilities)", "shape": f"{parts['max_probability_difference']:.2e}"},
        ]
    )
    setting = (
        f"Each character is a random vector (seeded by the character and *seed* {int(seed)}) plus its position "
        f"encoding, of size d_model = h × d_k = {int(num_heads)} × {int(key_dim)} = {parts['d_model']}; the layer's "
        f"weights are random too, seeded the same way. Each head's values have d_v = {parts['value_dim']} "
        f"dimensions (Keras's value_dim, which need not equal d_k); W_O maps the h × d_v = "
        f"{int(num_heads) * parts['value_dim']} concatenated values back to d_model. "
    )
    return (
        *figures,
        summary,
        notice
        + setting
        + f"Largest difference from keras.layers.MultiHeadAttention: **{parts['max_output_difference']:.1e}**",
    )


def heads_shown(num_heads: float, shown: float):
    """The head slider spans the heads there are; a head beyond them moves, visibly, to the last one."""
    last = max(int(num_heads) - 1, 0)
    update = gr.update(maximum=max(last, 1), interactive=last > 0)
    if int(shown or 0) > last:
        update["value"] = last
    return update


def view(text, num_heads, key_dim, head, causal, seed, value_dim):
    """The page's redraw: the walk-through for the head shown, and the head slider's range for ``num_heads``
    (a head beyond them moves, visibly, to the last one, and that head is drawn)."""
    shown = heads_shown(num_heads, head)
    head = shown.get("value", head)
    return (*mha(text, num_heads, key_dim, head, causal, seed, value_dim), shown)


def build() -> list:
    gr.Markdown(t("mha.intro", INTRO))
    gr.Markdown(t("mha.live", LIVE))
    fixes("mha")
    with gr.Row():
        text = gr.Textbox(
            value="attention",
            label=t("label.sentence_characters_are_the_tokens", "sentence (characters are the tokens)"),
            max_length=5000,
        )
        heads = gr.Slider(1, 8, value=2, step=1, label=t("label.heads_h", "heads h"))
        key_dim = gr.Slider(1, 32, value=8, step=1, label=t("label.key_size_d_k", "key size d_k"))
        value_dim = gr.Slider(1, 32, value=8, step=1, label=t("label.value_size_d_v", "value size d_v"))
        # the server accepts any head of the 8 the slider allows; the page shows only the heads there are
        head = gr.Slider(0, 7, value=0, step=1, label=t("label.show_head", "show head"))
        # its range as the page loads; afterwards every redraw sets it in the same answer (one round trip, not two)
        follows(heads, [head], heads_shown, on_change=False)
        causal = gr.Checkbox(
            label=t("label.causal_mask_a_decoder_s_self_attention", "causal mask (a decoder's self-attention)")
        )
        seed = gr.Number(value=0, precision=0, label=t("label.seed", "seed"), minimum=0, maximum=10**6)
    button = gr.Button(t("button.compute", "Compute"), variant="primary")
    verdict = gr.Markdown(elem_id="mha-verdict")
    with gr.Row():
        raw, scaled = gr.Plot(show_label=False, elem_id="mha-scores"), gr.Plot(show_label=False, elem_id="mha-scaled")
    with gr.Row():
        probabilities, weighted = (
            gr.Plot(show_label=False, elem_id="mha-softmax"),
            gr.Plot(show_label=False, elem_id="mha-weighted-values"),
        )
    shapes = gr.Dataframe(interactive=False, elem_id="mha-shapes")
    button.click(
        mha,
        [text, heads, key_dim, head, causal, seed, value_dim],
        [raw, scaled, probabilities, weighted, shapes, verdict],
        api_name="mha",
    )
    shareable("mha", text=text, heads=heads, d_k=key_dim, d_v=value_dim, head=head, causal=causal, seed=seed)
    exporter("mha", raw_scores=raw, scaled=scaled, probabilities=probabilities, weighted=weighted, shapes=shapes)
    inputs = [text, heads, key_dim, head, causal, seed, value_dim]
    outputs = [raw, scaled, probabilities, weighted, shapes, verdict, head]
    alive(view, inputs, outputs)
    # the live controls: the page calls /mha itself and draws the four figures into those on the page (see
    # ``window.s2s.served``); the table, the notice and the head slider come back through this event
    script = page_call("mha")
    gr.on(
        edits(heads, key_dim, head, seed, value_dim, causal),
        None,
        inputs,
        [shapes, verdict, head],
        js=script,
        api_visibility="private",
    )
    return []
