"""Figure and table builders: what the browser receives carries the numbers, the labels and the highlight."""

from __future__ import annotations

import json

import numpy as np

from s2s_viz import viz


def test_attention_heatmap_serialises_weights_hover_and_highlight():
    weights = np.array([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]])
    built = viz.attention_heatmap(weights, ["a", " ", "a"], ["x", "\n"], highlight_row=1)
    assert json.loads(built.to_json())["data"][0]["type"] == "heatmap"  # what Gradio sends is valid JSON
    figure = built.to_dict()
    trace = figure["data"][0]
    assert trace["type"] == "heatmap" and np.allclose(built.data[0].z, weights)
    assert trace["x"] == ["0:a", "1:␣", "2:a"] and trace["y"] == [
        "0:x",
        "1:&lt;/s&gt;",  # plotly reads <s> as markup: written with entities, it shows as </s>
    ]  # repeated characters keep their place
    assert trace["hovertext"][1][2] == "source a ← output &lt;/s&gt;: 0.500"
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"
    (shape,) = figure["layout"]["shapes"]
    assert (shape["y0"], shape["y1"]) == (0.5, 1.5)
    assert (
        "shapes" not in viz.attention_heatmap(weights, ["a", "b", "c"], ["x", "y"], highlight_row=7).to_dict()["layout"]
    )


def test_attention_table_has_one_row_per_step_and_the_output_first():
    weights = np.array([[0.12345, 0.87655], [0.5, 0.5]])
    table = viz.attention_table(weights, ["h", "i"], ["s", "t"])
    assert list(table.columns) == ["output", "0:h", "1:i"]
    assert table["output"].tolist() == ["0:s", "1:t"] and table["0:h"].tolist() == [0.12345, 0.5]  # every digit


def test_masked_cells_are_grey_and_not_coloured_by_their_value():
    import numpy as np

    from s2s_viz import viz

    matrix = np.arange(9.0).reshape(3, 3)
    hidden = np.triu(np.ones((3, 3), dtype=bool), k=1)  # a causal mask: keys after the query are hidden
    figure = viz.matrix_heatmap(matrix, "t", hidden=hidden)
    values, grey = np.asarray(figure.data[0].z, dtype=float), np.asarray(figure.data[1].z, dtype=float)
    assert np.isnan(values[hidden]).all() and (values[~hidden] == matrix[~hidden]).all()
    assert (grey[hidden] == 1).all() and np.isnan(grey[~hidden]).all()
    assert len(viz.matrix_heatmap(matrix, "t").data) == 1


def test_the_digit_overlay_draws_the_patch_grid_between_patches():
    figure = viz.digit_overlay(np.zeros((28, 28)), np.ones((4, 4)) / 16, 7, "attention").to_dict()
    lines = figure["layout"]["shapes"]
    across = sorted(line["y0"] for line in lines if line.get("xref") == "paper")
    down = sorted(line["x0"] for line in lines if line.get("yref") == "paper")
    assert across == down == [6.5, 13.5, 20.5]  # between pixel rows 6 and 7, 13 and 14, 20 and 21
    assert viz.digit_overlay(np.zeros((28, 28))).to_dict()["layout"].get("shapes", []) == []


def test_every_head_grid_places_each_map_on_its_own_axes_and_frames_the_chosen_one():
    maps = [[np.full((2, 3), (layer * 4 + head) / 12) for head in range(4)] for layer in range(3)]
    built = viz.attention_grid(maps, "cross", chosen=(1, 2), x_tokens=list("abc"))
    assert json.loads(built.to_json())["layout"]["title"]["text"].startswith("cross")  # what Gradio sends
    figure = built.to_dict()
    data, layout = figure["data"], figure["layout"]
    assert len(data) == 12 and {trace["type"] for trace in data} == {"heatmap"}
    boxes = []
    for index, trace in enumerate(data):
        layer, head = divmod(index, 4)
        assert np.allclose(built.data[index].z, maps[layer][head]) and trace["coloraxis"] == "coloraxis"
        x_axis, y_axis = layout["xaxis" + trace["xaxis"][1:]], layout["yaxis" + trace["yaxis"][1:]]
        assert y_axis["autorange"] == "reversed" and x_axis["anchor"] == trace["yaxis"]
        boxes.append((*x_axis["domain"], *y_axis["domain"]))
        if index:
            assert boxes[index][0] >= boxes[index - 1][1] or boxes[index][3] <= boxes[index - 1][2]  # no overlap
    assert boxes[0][3] == 1.0 and boxes[-1][1] == 1.0  # layer 0 on top, the last head at the right edge
    assert [a["text"] for a in layout["annotations"]][5] == "L1 H1"
    (frame,) = layout["shapes"]
    assert frame["xref"] == "x7 domain" and frame["yref"] == "y7 domain"  # layer 1, head 2
    assert layout["coloraxis"]["cmin"] == 0 and layout["coloraxis"]["cmax"] == 1


def test_every_kind_of_trace_the_app_draws_is_in_the_plotly_bundle_it_serves():
    """The page gets the app's own plotly.js bundle (scatter, bar, heatmap), not the whole of plotly.js
    (``ui/assets.py``): every trace the code makes (``go.Heatmap(...)``, or a trace written as a dict with its
    ``type``) must be one it can draw."""
    import re
    from pathlib import Path

    from s2s_viz.ui.assets import PLOTLY

    served = set(re.findall(r'moduleType:"trace",name:"(\w+)"', PLOTLY.read_text(encoding="utf-8")))
    assert {"heatmap", "scatter", "bar"} <= served and "scattergeo" not in served
    package = Path(viz.__file__).resolve().parents[1]
    made = set()
    not_traces = {"rect", "line", "circle", "path", "category", "linear", "log", "date"}  # shapes' and axes' types
    for source in package.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        if "plotly" not in text and "figure" not in text:
            continue
        made |= {name.lower() for name in re.findall(r"\bgo\.([A-Z]\w+)\(", text) if name not in ("Figure", "Layout")}
        if "plotly" in text or source.parent.name == "viz":
            made |= set(re.findall(r"""["']type["']: ["']([a-z0-9]+)["']""", text)) - not_traces
    assert {"heatmap", "scatter", "bar"} <= made <= served, (made, made - served)


def test_the_served_plotly_js_is_the_one_its_recipe_builds():
    """``scripts/plotly-bundle`` pins the plotly.js it builds from; the file served is that version's build."""
    import json
    from pathlib import Path

    from s2s_viz.ui.assets import PLOTLY

    recipe = Path(__file__).resolve().parents[1] / "scripts" / "plotly-bundle"
    version = json.loads((recipe / "package.json").read_text())["dependencies"]["plotly.js"]
    assert PLOTLY.name == f"plotly-s2s-{version}.min.js"
    assert f"plotly.js (scatter, bar, heatmap - minified) v{version}" in PLOTLY.read_text(encoding="utf-8")[:200]
    assert "plotly-s2s-${version}.min.js" in (recipe / "build.js").read_text()
