"""English and Simplified Chinese for the app's own words (Gradio translates its standard buttons itself).

Each tab keeps its English text beside its code and asks for it through ``t(key, english)``; the browser's
language picks the translation, and Gradio's *Settings* menu (page footer) switches it: English / 简体中文.
"""

from __future__ import annotations

import json
import re
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


def bilingual(text) -> str:
    """ "source · 源句": for the few places Gradio shows a text as it is (an example table's headers)."""
    words = english(text)
    chinese = CHINESE.get(text.key) if isinstance(text, I18nData) else None
    return f"{words} · {chinese}" if chinese and chinese != words else words


def translations() -> gr.I18n:
    """Everything ``t`` was asked for, in both languages; pass it to ``launch(i18n=...)``."""
    return gr.I18n(en=dict(_english), **{"zh-CN": {key: CHINESE.get(key, text) for key, text in _english.items()}})


# --- Words the server writes: figure titles and axes, table headers, status lines, refusals -------------------
#
# They are written in English beside the code that computes them; ``zh-CN.json``'s "phrases" maps an English
# phrase (``{}`` stands for any text, numbers and names) to its Chinese. The language is the browser's (its
# Accept-Language), read from the request being answered.

_PHRASES: dict[str, str] = CHINESE.pop("phrases", {})


_BLANK = re.compile(r"\{~?\}")


def _pattern(phrase: str) -> re.Pattern:
    """A phrase's regular expression: ``{}`` is any text kept as it is, ``{~}`` any text translated in turn."""
    parts = [re.escape(part) for part in _BLANK.split(phrase)]
    body = "(.*?)".join(parts)
    if _BLANK.search(phrase[-3:]) and phrase.endswith("}"):  # a last blank takes the rest (a lazy one: nothing)
        body = body[: -len("(.*?)")] + "(.*)"
    # whole words only: a phrase "head" must not change "heads", "ahead" or a name such as "my-model"
    left = r"(?<![\w\-.])" if phrase[:1].isalnum() else ""
    right = r"(?![\w\-])" if phrase[-1:].isalnum() else ""
    return re.compile(left + body + right, re.DOTALL)


def _replacement(english: str, chinese: str):
    translated = [blank == "{~}" for blank in _BLANK.findall(english)]

    def replace(match: re.Match) -> str:
        groups = [_chinese(group) if translated[i] else group for i, group in enumerate(match.groups())]
        order = iter(range(len(groups)))
        # "{}" takes the blanks in order; "{1}" names one (Chinese may put them in another order)
        return re.sub(r"\{(\d*)\}", lambda m: groups[int(m.group(1)) if m.group(1) else next(order)], chinese)

    return replace


# longest first, so that "masked (grey: −∞)" wins over "masked"
# (a `{}` in a phrase is a blank like any other: what stood between backticks is set aside before matching)
_RULES = [
    (_pattern(english.replace("`{}`", "{}")), _replacement(english, chinese.replace("`{}`", "{}")))
    for english, chinese in sorted(_PHRASES.items(), key=lambda kv: -len(kv[0]))
]


def language() -> str:
    """The language of the request being answered: its browser prefers Chinese, else "en"."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    if request is None:
        return "en"
    try:
        accepted = (request.headers.get("accept-language") or "").split(",")[0].strip().lower()
    except AttributeError:
        return "en"
    return "zh-CN" if accepted.startswith("zh") else "en"


def as_text(text: str) -> str:
    """A visitor's text (a link's value, a name, a sentence) for a Markdown output: every character Markdown or HTML
    would read as markup is escaped, so no link, image or tag from it reaches the page."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~&:/])", r"\\\1", str(text))


def say(text: str, lang: str | None = None) -> str:
    """``text`` in the request's language: each known English phrase replaced by its Chinese. What stands between
    backticks (a model's name, a sentence, code) is never translated."""
    if not isinstance(text, str) or not text or (lang or language()) != "zh-CN":
        return text
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _chinese(re.sub(r"`[^`]*`", keep, text))
    return re.sub("\x00(\\d+)\x00", lambda match: kept[int(match.group(1))], text)


def _chinese(text: str) -> str:
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text
