"""The server's own words in the reader's language: every answer's figures, tables and status lines pass through
``localize`` on their way out (the models, the tokens and the translations are never touched)."""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata

import gradio as gr
import pandas as pd
import plotly.graph_objects as go

from .i18n import language, say

TITLE_LINE = 52  # characters: a longer title is broken between words (it would be cut off on a phone)


def wrap_title(title: str) -> str:
    """Each line of a title (lines are parted by <br>) broken between words where it is too long."""
    return "<br>".join(_wrap_line(line) for line in title.split("<br>"))


# breakable units of a title: a run of spaces, one Chinese (wide) character, or a run of anything else (a word)
_UNITS = re.compile(
    r"\s+|[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+"
)


def _visible(text: str) -> str:
    """The text a reader sees: markup such as ``<sub>`` takes no room."""
    return re.sub(r"<[^>]*>", "", text)


def _width(text: str) -> int:
    """Display width in Latin characters: a Chinese character takes two; markup takes none."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in _visible(text))


def _wrap_line(text: str) -> str:
    # mixed Chinese and Latin text sets wider than its character widths add up to: a shorter line for it
    limit = TITLE_LINE if _width(text) == len(_visible(text)) else int(TITLE_LINE * 0.85)
    if _width(text) <= limit:
        return text
    lines, line = [], ""
    for unit in _UNITS.findall(text):
        if unit.isspace():
            line += " " if line else ""
        elif line.strip() and _width(line + unit) > limit:
            lines.append(line.rstrip())
            line = unit
        else:
            line += unit
    return "<br>".join([*lines, line.rstrip()])


def figure(made: go.Figure, lang: str) -> go.Figure:
    """Titles, axis titles, colour-bar titles, legend names and subplot titles; tick labels (tokens) stay. Long
    titles are broken into lines."""
    layout = made.layout
    if layout.title.text:  # `text` in a title is kept from translation, then shown in quotes
        layout.title.text = wrap_title(re.sub(r"`([^`]*)`", r"“\1”", say(layout.title.text, lang)))
        lines = layout.title.text.count("<br>") + 1
        if lines > 1:  # plotly centres a title's first line in the top margin; the others hang below it
            layout.margin.t = max(layout.margin.t or 0, 50 + 44 * (lines - 1))
    if lang == "en":
        return made
    for axis in (*made.select_xaxes(), *made.select_yaxes()):
        if axis.title.text:
            axis.title.text = say(axis.title.text, lang)
    coloraxis = layout.coloraxis
    if coloraxis is not None and coloraxis.colorbar.title.text:
        coloraxis.colorbar.title.text = say(coloraxis.colorbar.title.text, lang)
    for annotation in layout.annotations or ():
        if annotation.text:
            annotation.text = say(annotation.text, lang)
    for trace in made.data:
        if getattr(trace, "name", None):
            trace.name = say(trace.name, lang)
        colorbar = getattr(trace, "colorbar", None)
        if colorbar is not None and colorbar.title.text:
            colorbar.title.text = say(colorbar.title.text, lang)
    return made


def table(frame, lang: str):
    """Column headers, and cells that are the app's own words (a whole known phrase: never a translation)."""
    styler = (
        frame if hasattr(frame, "data") and hasattr(frame, "apply") and not isinstance(frame, pd.DataFrame) else None
    )
    data = styler.data if styler is not None else frame
    columns = [say(str(column), lang) for column in data.columns]
    exact = {}
    for column in data.columns:
        if not pd.api.types.is_numeric_dtype(data[column]):
            for value in data[column].unique():
                if isinstance(value, str) and value and say(value, lang) != value and _whole_phrase(value, lang):
                    exact[value] = say(value, lang)
    if styler is None:
        renamed = data.replace(exact) if exact else data.copy()
        renamed.columns = columns
        return renamed
    if exact:
        styler.data = data.replace(exact)
    styler.data.columns = columns
    styler.columns = styler.data.columns
    return styler


def _whole_phrase(value: str, lang: str) -> bool:
    """A cell is the app's own words when its translation leaves no English word in it."""
    return not re.search(r"[A-Za-z]{3,}", say(value, lang))


SHOWN_DIGITS = 4  # a table's numbers on the page; its data (an export, the API) keeps every digit


def rounded_on_the_page(frame):
    """A table whose numbers with decimals show ``SHOWN_DIGITS`` of them on the page (a pandas Styler: the page shows
    its formatted text, while the data Gradio keeps, exports and answers the API with is the full value)."""
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return frame
    decimals = [column for column in frame.columns if pd.api.types.is_float_dtype(frame[column])]
    return frame.style.format(precision=SHOWN_DIGITS, subset=decimals) if decimals else frame


def localize(value, component, lang: str):
    if value is None:
        return value
    if isinstance(component, gr.Plot) and isinstance(value, go.Figure):
        return figure(value, lang)
    if isinstance(component, gr.Dataframe) and isinstance(value, pd.DataFrame):
        value = rounded_on_the_page(value)
    if lang == "en":
        return value
    if isinstance(component, gr.Dataframe) and hasattr(value, "columns"):
        return table(value, lang)
    if isinstance(component, gr.Markdown) and isinstance(value, str):
        return say(value, lang)
    return value


def _localized(outputs: list, result, lang: str):
    if len(outputs) == 1:
        return localize(result, outputs[0], lang)
    if isinstance(result, (tuple, list)) and len(result) == len(outputs):
        return type(result)(localize(value, component, lang) for value, component in zip(result, outputs))
    return result


def speak_the_readers_language(demo: gr.Blocks) -> None:
    """Wrap every event's function so that what it returns (or yields) is localized for the request's reader."""
    for block_fn in demo.fns.values():
        if block_fn.fn is None or not block_fn.outputs:
            continue
        block_fn.fn = _wrap(block_fn.fn, list(block_fn.outputs))


def _wrap(fn, outputs: list):
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args, **kwargs):
            for result in fn(*args, **kwargs):
                yield _localized(outputs, result, language())

        return generator

    @functools.wraps(fn)
    def plain(*args, **kwargs):
        return _localized(outputs, fn(*args, **kwargs), language())

    return plain
