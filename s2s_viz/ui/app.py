"""Builds the whole lab: one tab per view, the training tab last (it refreshes every other tab's model list)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import gradio as gr

import s2s_viz

from . import birnn, data, forcing, lesson, mha, train, transformer, translate, vit
from .api import name_the_api
from .common import refuse
from .fair import share_the_queue_fairly
from .i18n import english, t
from .links import Links, on_tab_select, wire_restore
from .localize import speak_the_readers_language
from .visitors import each_visitor_apart

TITLE = "s2s-viz: a laboratory for sequence models"
SUBTITLE = "Real Keras models, trained on real data; every figure is computed from them."
TABS = [
    ("translate", "Translate", translate),
    ("data", "Data", data),
    ("forcing", "Teacher forcing vs reinjection", forcing),
    ("mha", "Multi-head attention", mha),
    ("transformer", "Transformer", transformer),
    ("birnn", "Bidirectional RNN", birnn),
    ("vit", "Vision Transformer", vit),
    ("lesson", "Lesson", lesson),
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


def refuse_in_one_line(demo: gr.Blocks) -> None:
    """Gradio's own checks of an input (a number out of its bounds, or no number at all) refuse like ours: the
    message for the person, one line in the log, no traceback."""
    for block in demo.blocks.values():
        if isinstance(block, gr.components.Component):
            block.preprocess = _refusing(block, block.preprocess)


def without_reset_buttons(demo: gr.Blocks) -> None:
    """No slider shows Gradio's reset button (its documented default; its page shows one for a slider built without
    ``buttons``): a reset is a change, not the reader's edit that live views follow (``common.edits``), and would
    leave the view drawn for the value before it."""
    for block in demo.blocks.values():
        if isinstance(block, gr.Slider) and block.buttons is None:
            block.buttons = []


def _refusing(block, preprocess):
    numeric = isinstance(block, (gr.Number, gr.Slider))
    choosing = isinstance(block, (gr.Radio, gr.Dropdown))
    several = getattr(block, "multiselect", False)

    @functools.wraps(preprocess)
    def checked(payload):
        name = english(block.label) or "this field"
        shown = str(payload)[:40]
        # a value of the wrong kind is refused before Gradio turns it into another (a list into its text)
        if isinstance(block, gr.Textbox) and payload is not None and not isinstance(payload, str):
            raise refuse(f"{name} needs text, got {type(payload).__name__}")
        if choosing and payload is not None:
            if several and not isinstance(payload, list):
                raise refuse(f"{name} needs a list of choices, got {type(payload).__name__}")
            if not several and not isinstance(payload, (str, int, float)):
                raise refuse(f"{name} needs one choice, got {type(payload).__name__}")
        try:
            return preprocess(payload)
        except gr.Error as error:
            if choosing and "not in the list of choices" in error.message:
                allowed = ", ".join(str(choice[1] if isinstance(choice, tuple) else choice) for choice in block.choices)
                raise refuse(f"{name}: {shown!r} is not one of {allowed[:300]}") from None
            if numeric:  # Gradio's bounds ("Value 99 is greater than maximum value 16."): which field
                raise refuse(f"{name}: {error.message}") from None
            raise refuse(error.message) from None
        except (TypeError, ValueError):
            if not numeric:
                raise
            raise refuse(f"{name} needs a number, got {shown!r}") from None

    return checked


def build_app() -> gr.Blocks:
    # Gradio's own copies of the files it serves (uploads, exports, downloads): removed an hour after they were made
    with gr.Blocks(title=TITLE, delete_cache=(600, 3600)) as demo:
        gr.Markdown(t("title", f"# {TITLE}"))
        with gr.Row(equal_height=True):
            gr.Markdown(t("subtitle", SUBTITLE))
            demo.s2s_links = Links()
        notice = broken_models_notice()
        gr.Markdown(notice, visible=bool(notice), elem_id="broken-models")
        # where a first page's events put what they write to the tabs left out of it (first_page.py)
        sink = gr.State(None)
        pickers = []
        keys = [key for key, _, _ in TABS] + ["train"]
        with gr.Tabs() as tabs:
            for key, label, module in TABS:
                with gr.Tab(t(f"tab.{key}", label), id=key, elem_id=f"tab-{key}") as tab:
                    pickers += module.build()
                on_tab_select(key, tab)
            with gr.Tab(t("tab.train", "Train"), id="train", elem_id="tab-train") as tab:
                train.build(pickers)
            on_tab_select("train", tab)
        wire_restore(demo, tabs, keys)
    demo.s2s_one_tab = (keys, sink._id)
    refuse_in_one_line(demo)
    without_reset_buttons(demo)
    speak_the_readers_language(demo)
    name_the_api(demo)
    each_visitor_apart(demo)
    demo.queue(default_concurrency_limit=int(os.environ.get("S2S_VIZ_CONCURRENCY", "8")))
    share_the_queue_fairly(demo, never_refused={"stop_training"})
    return demo
