"""Builds the whole lab: one tab per view, the training tab last (it refreshes every other tab's model list)."""

from __future__ import annotations

import os

import gradio as gr

from . import birnn, forcing, mha, train, transformer, translate, vit
from .i18n import t

TITLE = "s2s-viz: a laboratory for sequence models"
SUBTITLE = "Real Keras models, trained on real data; every figure is computed from them."
TABS = [
    ("translate", "Translate", translate),
    ("forcing", "Teacher forcing vs reinjection", forcing),
    ("mha", "Multi-head attention", mha),
    ("transformer", "Transformer", transformer),
    ("birnn", "Bidirectional RNN", birnn),
    ("vit", "Vision Transformer", vit),
]


def build_app() -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(t("title", f"# {TITLE}"))
        gr.Markdown(t("subtitle", SUBTITLE))
        pickers = []
        for key, label, module in TABS:
            with gr.Tab(t(f"tab.{key}", label)):
                pickers += module.build()
        with gr.Tab(t("tab.train", "Train")):
            train.build(pickers)
    demo.queue(default_concurrency_limit=int(os.environ.get("S2S_VIZ_CONCURRENCY", "8")), max_size=64)
    return demo
