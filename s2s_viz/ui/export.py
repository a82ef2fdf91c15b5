"""Export of a view: every figure as a standalone HTML file (plotly.js inside: it opens offline), every table as CSV."""

from __future__ import annotations

import gradio as gr
import pandas as pd
import plotly.io

from .i18n import say, t
from .page import page_call
from .tempfiles import fresh_folder


def export_files(names: list[str], *values) -> list[str]:
    """Each figure as a standalone HTML file (plotly.js inside: it opens offline) and each table as CSV."""
    folder = fresh_folder("export-")
    written = []
    for name, value in zip(names, values):
        if value is None:
            continue
        if isinstance(value, pd.DataFrame):
            if value.empty:
                continue
            path = folder / f"{name}.csv"
            value.to_csv(path, index=False)
        elif getattr(value, "plot", None):
            path = folder / f"{name}.html"
            plotly.io.from_json(value.plot).write_html(path, include_plotlyjs=True, full_html=True)
        else:
            continue
        written.append(str(path))
    if not written:
        raise gr.Error(say("Nothing to export yet: compute the view first."), print_exception=False)
    return written


def exporter(tab: str, **outputs) -> None:
    """A tab's export: figures as HTML (PNG is the camera button on each figure), tables as CSV."""
    names, components = list(outputs), list(outputs.values())
    with gr.Accordion(
        t("label.export", "export: figures as HTML, tables as CSV (PNG: the camera on each figure)"), open=False
    ):
        button = gr.Button(t("button.export", "Export this view"), size="sm", elem_id=f"{tab}-export")
        files = gr.File(file_count="multiple", label=t("label.files", "files"), elem_id=f"{tab}-export-files")
    # each figure as the page shows it now (a replay's step, another head: drawn in the page, not by the server)
    ids = [c.elem_id if isinstance(c, gr.Plot) else None for c in components]
    button.click(
        lambda *values: export_files(names, *values),
        components,
        files,
        js=page_call("shown", ids),
        api_visibility="private",
    )
