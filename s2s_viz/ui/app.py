"""Builds the whole lab: one tab per view, the training tab last (it refreshes every other tab's model list)."""

from __future__ import annotations

import gradio as gr

from . import birnn, forcing, mha, train, transformer, translate, vit

TITLE = "s2s-viz: a laboratory for sequence models"
TABS = [
    ("Translate", translate),
    ("Teacher forcing vs reinjection", forcing),
    ("Multi-head attention", mha),
    ("Transformer", transformer),
    ("Bidirectional RNN", birnn),
    ("Vision Transformer", vit),
]


def build_app() -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\nReal Keras models, trained on real data; every figure is computed from them.")
        pickers = []
        for label, module in TABS:
            with gr.Tab(label):
                pickers += module.build()
        with gr.Tab("Train"):
            train.build(pickers)
    demo.queue(default_concurrency_limit=8, max_size=64)
    return demo
