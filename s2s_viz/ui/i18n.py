"""English and Simplified Chinese for the app's own words (Gradio translates its standard buttons itself).

Each tab keeps its English text beside its code and asks for it through ``t(key, english)``; the browser's
language picks the translation, and Gradio's *Settings* menu (page footer) switches it: English / 简体中文.
"""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
from gradio.i18n import I18nData

_english: dict[str, str] = {}

# The Chinese words live in a data file beside this one (long prose does not belong in code lines).
CHINESE: dict[str, str] = json.loads((Path(__file__).with_name("zh-CN.json")).read_text(encoding="utf-8"))


def t(key: str, english: str) -> I18nData:
    """The text for ``key``: ``english`` here, translated where the browser (or Settings) asks for Chinese."""
    _english[key] = english
    return I18nData(key)


def english(text) -> str:
    """The English words of a label made by ``t`` (or the text itself), for messages written on the server."""
    if isinstance(text, I18nData):
        return _english.get(text.key, text.key)
    return str(text) if text is not None else ""


def translations() -> gr.I18n:
    """Everything ``t`` was asked for, in both languages; pass it to ``launch(i18n=...)``."""
    return gr.I18n(en=dict(_english), **{"zh-CN": {key: CHINESE.get(key, text) for key, text in _english.items()}})
