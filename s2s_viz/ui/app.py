"""Builds the whole lab: one tab per view, the training tab last (it refreshes every other tab's model list)."""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

import s2s_viz

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


def broken_models_notice() -> str:
    """One line per model that cannot be loaded, with why (folders left out: they are the server's business)."""
    lines = []
    for info in s2s_viz.list_models():
        if info.broken:
            folder = str(Path(info.path).parent)
            reason = info.broken.replace(folder + "/", "").replace(folder, "")
            lines.append(f"- `{info.name}` is left out of the model lists: {reason}")
    return ("**Models that cannot be loaded**\n" + "\n".join(lines)) if lines else ""


def build_app() -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(t("title", f"# {TITLE}"))
        gr.Markdown(t("subtitle", SUBTITLE))
        notice = broken_models_notice()
        gr.Markdown(notice, visible=bool(notice), elem_id="broken-models")
        pickers = []
        for key, label, module in TABS:
            with gr.Tab(t(f"tab.{key}", label)):
                pickers += module.build()
        with gr.Tab(t("tab.train", "Train")):
            train.build(pickers)
    demo.queue(default_concurrency_limit=int(os.environ.get("S2S_VIZ_CONCURRENCY", "8")), max_size=64)
    return demo
