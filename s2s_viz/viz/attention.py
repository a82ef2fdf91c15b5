"""Attention as figures: one map as a heatmap, every layer and head as a grid, a map as a table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Viridis is perceptually uniform and readable with the common colour-vision deficiencies.
COLOUR_SCALE = "Viridis"


def show_token(token: str) -> str:
    """Make start, end, space and padding visible in axis labels."""
    return {"\t": "<s>", "\n": "</s>", " ": "␣", "<pad>": "·"}.get(token, token)


def axis_text(token: str) -> str:
    """A token as a figure's label shows it: plotly reads ``<s>`` as markup (and draws nothing), so the start and end
    symbols are written with HTML entities, to look as they do in text and tables."""
    return show_token(token).replace("<", "&lt;").replace(">", "&gt;")


def _unique_labels(tokens: list[str], markup: bool = True) -> list[str]:
    """Plotly merges equal category labels; number them so every row and column keeps its place (``markup``: for a
    figure; a table's column names take the text as it is)."""
    shown = axis_text if markup else show_token
    return [f"{index}:{shown(token)}" for index, token in enumerate(tokens)]


def attention_heatmap(
    weights: np.ndarray,
    source_tokens: list[str],
    target_tokens: list[str],
    title: str | None = "Attention: which source characters each output step reads",
    highlight_row: int | None = None,
) -> go.Figure:
    """A heatmap of ``weights[target_step, source_position]`` with hover showing both characters and the weight."""
    title = title or "Attention: which source characters each output step reads"
    weights = np.asarray(weights, dtype=float)
    x, y = _unique_labels(source_tokens), _unique_labels(target_tokens)
    hover = [
        [f"source {axis_text(s)!s} ← output {axis_text(t)!s}: {w:.3f}" for s, w in zip(source_tokens, row)]
        for t, row in zip(target_tokens, weights)
    ]
    heatmap = {
        "type": "heatmap",
        "z": weights,
        "x": x,
        "y": y,
        "colorscale": COLOUR_SCALE,
        "zmin": 0,
        "zmax": 1,
        "hovertext": hover,
        "hoverinfo": "text",
        "colorbar": {"title": {"text": "weight"}},
    }
    layout = {
        "title": {"text": title},
        "xaxis": {"title": {"text": "source (encoder positions j)"}},
        "yaxis": {"title": {"text": "output step i"}, "autorange": "reversed"},
        "height": max(300, 22 * len(y) + 140),
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
    }
    if highlight_row is not None and 0 <= highlight_row < len(y):
        layout["shapes"] = [
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": highlight_row - 0.5,
                "y1": highlight_row + 0.5,
                "line": {"color": "#d62728", "width": 3},
            }
        ]
    # The translate view draws this on every request: a plain figure dict, which plotly.js reads as is, skips
    # plotly.py's property validation (4x the cost of the rest of the figure).
    return go.Figure({"data": [heatmap], "layout": layout}, skip_invalid=False, _validate=False)


def matrix_heatmap(
    matrix: np.ndarray,
    title: str,
    x_label: str = "",
    y_label: str = "",
    x_tokens=None,
    y_tokens=None,
    zmid=None,
    colorscale=COLOUR_SCALE,
    hidden=None,
) -> go.Figure:
    """Any 2-D array as a heatmap (scores, probabilities, hidden states, position encodings).

    ``hidden``: a boolean matrix of cells that are masked out; they are drawn grey, not coloured by a value, and
    say so when hovered.
    """
    matrix = np.asarray(matrix, dtype=float)
    x = _unique_labels(x_tokens) if x_tokens is not None else None
    y = _unique_labels(y_tokens) if y_tokens is not None else None
    shown = matrix if hidden is None else np.where(hidden, np.nan, matrix)
    data = [{"type": "heatmap", "z": shown, "x": x, "y": y, "colorscale": colorscale, "hoverongaps": False}]
    if zmid is not None:
        data[0]["zmid"] = zmid
    if hidden is not None and np.any(hidden):
        data.append(
            {
                "type": "heatmap",
                "z": np.where(hidden, 1.0, np.nan),
                "x": x,
                "y": y,
                "colorscale": [[0, "#c8c8c8"], [1, "#c8c8c8"]],
                "showscale": False,
                "hoverongaps": False,
                "hovertemplate": "masked: −∞ before the softmax, 0 after<extra></extra>",
            }
        )
    layout = {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_label}},
        "yaxis": {"title": {"text": y_label}, "autorange": "reversed"},
        "height": 360,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    }
    # drawn on every live change (four at a time in the MHA tab): unvalidated, as attention_heatmap
    return go.Figure({"data": data, "layout": layout}, skip_invalid=False, _validate=False)


def handover_heatmap(final_states: dict) -> go.Figure:
    """An RNN encoder's final states (``{"h": (units,), "c": (units,)}``, top layer): the decoder's initial states."""
    figure = matrix_heatmap(
        np.stack([final_states[name] for name in final_states]),
        "the encoder's final state = the decoder's initial state",
        "unit",
        "state",
        None,
        list(final_states),
        zmid=0,
        colorscale="RdBu",
    )
    figure.update_layout(height=230)
    return figure


def attention_table(weights: np.ndarray, source_tokens: list[str], target_tokens: list[str]) -> pd.DataFrame:
    """The heatmap's numbers as a table (for screen readers and for copying)."""
    values = np.asarray(weights, dtype=float)  # full precision: the page shows it rounded, an export keeps it
    columns = {"output": _unique_labels(target_tokens, markup=False)}
    columns.update({label: values[:, j] for j, label in enumerate(_unique_labels(source_tokens, markup=False))})
    return pd.DataFrame(columns)  # built in one go: inserting a column in front costs more than the figure


def no_attention(title: str) -> go.Figure:
    """An empty panel that says why there is nothing to draw (a model without attention)."""
    figure = go.Figure()
    figure.update_layout(
        title=title,
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=300,
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
    )
    return figure


GRID_FRAME_LINE = {"color": "#d62728", "width": 3}


def _grid_domains(count: int, spacing: float) -> list[tuple[float, float]]:
    """``count`` equal spans of [0, 1] with ``spacing`` between them, as ``make_subplots`` lays them out."""
    width = (1 - spacing * (count - 1)) / count
    return [(i * (width + spacing), i * (width + spacing) + width) for i in range(count)]


def attention_grid(
    maps: list[list[np.ndarray]],
    title: str,
    chosen: tuple[int, int] | None = None,
    row_name: str = "layer",
    x_tokens=None,
    y_tokens=None,
) -> go.Figure:
    """Every layer x head at once, one small heatmap each (bertviz's model view), on one colour scale from 0 to
    1; the chosen one is framed. ``maps[layer][head]`` is a 2-D array (queries x keys, or a patch grid).

    Laid out by hand rather than with ``make_subplots``, whose per-axis validation took 250 ms of a live slider's
    300 ms here for 12 small heatmaps; the figure is the same."""
    rows, columns = len(maps), max(len(heads) for heads in maps)
    x = _unique_labels(x_tokens) if x_tokens is not None else None
    y = _unique_labels(y_tokens) if y_tokens is not None else None
    across = _grid_domains(columns, 0.02)
    down = _grid_domains(rows, 0.06 if rows > 1 else 0.0)[::-1]  # row 0 at the top
    data, layout, titles = [], {}, []
    for r, heads in enumerate(maps):
        for c, weights in enumerate(heads):
            index = r * columns + c + 1
            suffix = "" if index == 1 else str(index)
            data.append(
                {
                    "type": "heatmap",
                    "z": np.asarray(weights, dtype=float),
                    "x": x,
                    "y": y,
                    "coloraxis": "coloraxis",
                    "hovertemplate": f"{row_name} {r}, head {c}<br>%{{y}} reads %{{x}}: %{{z:.3f}}<extra></extra>",
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                }
            )
        for c in range(columns):
            index = r * columns + c + 1
            suffix = "" if index == 1 else str(index)
            layout[f"xaxis{suffix}"] = {"domain": across[c], "anchor": f"y{suffix}", "showticklabels": False}
            layout[f"yaxis{suffix}"] = {
                "domain": down[r],
                "anchor": f"x{suffix}",
                "showticklabels": False,
                "autorange": "reversed",
            }
            titles.append(
                {
                    "text": f"{row_name[0].upper()}{r} H{c}",  # four must fit side by side on a phone
                    "x": sum(across[c]) / 2,
                    "y": down[r][1],
                    "xref": "paper",
                    "yref": "paper",
                    "xanchor": "center",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 10},
                }
            )
    shapes = []
    if chosen is not None and 0 <= chosen[0] < rows and 0 <= chosen[1] < columns:
        index = chosen[0] * columns + chosen[1] + 1
        suffix = "" if index == 1 else str(index)
        frame = {"type": "rect", "xref": f"x{suffix} domain", "yref": f"y{suffix} domain", "x0": 0, "x1": 1}
        shapes.append({**frame, "y0": 0, "y1": 1, "line": GRID_FRAME_LINE})
    layout.update(
        meta={"rows": rows, "columns": columns},  # read by the page's script that moves the frame (ui.common)
        title={"text": f"{title}<br><sub>{row_name[0].upper()} = {row_name}, H = head; the chosen one is framed</sub>"},
        annotations=titles,
        shapes=shapes,
        coloraxis={
            "colorscale": COLOUR_SCALE,
            "cmin": 0,
            "cmax": 1,
            "colorbar": {"title": {"text": "weight"}, "thickness": 12},
        },
        height=max(260, 170 * rows + 80),
        margin={"l": 20, "r": 20, "t": 70, "b": 20},
    )
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def mha_figures(parts: dict, head: int, causal: bool) -> list:
    """The four steps of one head of multi-head attention (``explain.mha_walkthrough``'s ``parts``): raw scores,
    scaled (and masked), softmax probabilities, the weighted sum of values."""
    tokens = parts["tokens"]
    diverging = {"zmid": 0, "colorscale": "RdBu"}  # scores and values: negative and positive around 0

    def query_by_key(name: str, title: str, **style):
        return matrix_heatmap(parts[name][head], title, "key j", "query i", tokens, tokens, **style)

    key_dim = parts["Q"].shape[-1]
    return [
        query_by_key("raw_scores", f"1. raw scores Q Kᵀ (head {head})", **diverging),
        query_by_key(
            "scaled",
            f"2. scaled by 1/√{key_dim}" + (" and masked (grey: −∞)" if causal else ""),
            hidden=parts["hidden"],
            **diverging,
        ),
        query_by_key("probabilities", "3. softmax over keys: attention probabilities", hidden=parts["hidden"]),
        matrix_heatmap(
            parts["weighted"][head],
            f"4. weighted sum of values (this head's output, d_v = {parts['value_dim']})",
            "dimension",
            "query i",
            None,
            tokens,
            **diverging,
        ),
    ]
