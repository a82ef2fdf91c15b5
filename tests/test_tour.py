"""``docs/tour.ipynb`` runs top to bottom in a real Jupyter kernel, and shows what it says: figures, a table, the
translation, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TOUR = Path(__file__).resolve().parents[1] / "docs" / "tour.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"


def test_the_tour_runs_in_a_kernel_and_shows_its_figures(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    notebook = nbformat.read(TOUR, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [output for cell in code for output in cell.outputs if output.output_type == "error"]
    assert not errors, errors[0]["evalue"] if errors else None

    def shown(index: int) -> dict:
        return next(output["data"] for output in code[index].outputs if "data" in output)

    import ast

    import s2s_viz

    assert "attention-char-en-fr" in shown(0)["text/plain"]
    assert ast.literal_eval(shown(1)["text/plain"]) == s2s_viz.load("attention-char-en-fr").translate("I am cold.").text
    heatmap = json.loads(json.dumps(shown(2)[PLOTLY]))
    assert heatmap["data"][0]["type"] == "heatmap"
    assert "text/html" in shown(3)  # the steps: a table
    assert all(PLOTLY in shown(index) for index in (5, 6, 7, 8, 9, 10))
    chinese = json.dumps(shown(10)[PLOTLY], ensure_ascii=False)
    assert "输出" in chinese or "源" in chinese  # the figure's words in Chinese
