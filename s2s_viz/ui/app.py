"""Builds the whole lab: one tab per view."""

from __future__ import annotations

import gradio as gr

from . import forcing, translate

TITLE = "s2s-viz: a laboratory for sequence models"
TABS = [("Translate", translate), ("Teacher forcing vs reinjection", forcing)]


def build_app() -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\nReal Keras models, trained on real data; every figure is computed from them.")
        for label, module in TABS:
            with gr.Tab(label):
                module.build()
    demo.queue(default_concurrency_limit=4)
    return demo
