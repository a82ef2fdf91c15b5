"""The page around the views: its script and style (files in ``static/``), and Gradio's own script and style
files, named by the warm-up (which compresses them once) and preloaded where the first figure needs them."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

STATIC = Path(__file__).parent / "static"
SCRIPT = STATIC / "page.js"
STYLE = STATIC / "page.css"


def head() -> str:
    """What goes in the page's head: the figure component's preload, then the page's script (inline: it must run
    before Gradio builds the page, and a separate file would be one more request before the first view)."""
    return preload_figures() + "<script>\n" + SCRIPT.read_text(encoding="utf-8") + "</script>\n"


def page_call(function: str, *fixed) -> str:
    """An event's ``js=``: one call of the page's script, ``window.s2s.<function>(*fixed, *the event's inputs)``
    (``static/page.js``; every function it names is there, and no other script is written in Python)."""
    arguments = ", ".join([*(json.dumps(value) for value in fixed), "...values"])
    return f"(...values) => window.s2s.{function}({arguments})"


ASSETS = Path(gr.__file__).parent / "templates" / "frontend" / "assets"


def figure_assets() -> list[str]:
    """The file names of the figure component (its name carries a hash of its content), and of the plotly.js bundle
    served with it where it is served lighter (``assets.lighter_figure_files``)."""
    from .assets import lighter_figure_files, plotly_served

    chunks = sorted(path.name for path in ASSETS.glob("PlotlyPlot-*.js"))
    lighter = lighter_figure_files() if plotly_served() == "lighter" else {}
    return chunks + sorted(name for name in lighter if name not in chunks)


def page_assets() -> list[str]:
    """The file names of every script and style file of Gradio's page."""
    return sorted(path.name for path in ASSETS.iterdir() if path.suffix in (".js", ".css"))


def preload_figures() -> str:
    """Gradio fetches its figure component (plotly.js inside) only when the first figure is built, about two seconds
    into a page's start; a module preload fetches and parses it from the start, alongside the rest."""
    return "".join(f'<link rel="modulepreload" href="assets/{name}">' for name in figure_assets())
