"""Plotly figure builders: numbers in, figure out. No Gradio here, and no maths beyond layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Viridis is perceptually uniform and readable with the common colour-vision deficiencies.
COLOUR_SCALE = "Viridis"


def show_token(token: str) -> str:
    """Make start, end, space and padding visible in axis labels."""
    return {"\t": "<s>", "\n": "</s>", " ": "␣", "<pad>": "·"}.get(token, token)


def _unique_labels(tokens: list[str]) -> list[str]:
    """Plotly merges equal category labels; number them so every row and column keeps its place."""
    return [f"{index}:{show_token(token)}" for index, token in enumerate(tokens)]


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
        [f"source {show_token(s)!s} ← output {show_token(t)!s}: {w:.3f}" for s, w in zip(source_tokens, row)]
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


def steps_table(steps) -> pd.DataFrame:
    """One row per decoding step: the chosen character, its probability, and the top 5."""
    rows = []
    for step in steps:
        rows.append(
            {
                "step": step.index,
                "chosen": show_token(step.token),
                "p": round(step.probability, 4),
                **{f"top {k + 1}": f"{show_token(token)} {p:.3f}" for k, (token, p) in enumerate(step.top)},
            }
        )
    return pd.DataFrame(rows)


BEAM_COLUMNS = ["rank", "candidate", "log p", "log p / length^α", "stopped by"]


def beam_table(hypotheses) -> pd.DataFrame:
    """A beam search's candidates, best first: the text, its summed log-probability, the length-normalised score
    the search ranks by, and whether it ended (wrote the end symbol) or the step limit stopped it."""
    rows = [
        [
            rank + 1,
            h.text,
            round(h.log_probability, 3),
            round(h.normalised, 4),
            "end symbol" if h.ended else "step limit",
        ]
        for rank, h in enumerate(hypotheses)
    ]
    return pd.DataFrame(rows, columns=BEAM_COLUMNS)


def highlight_row(frame: pd.DataFrame, row: int):
    """The table with one row marked (for a step being replayed): a pandas Styler, as Gradio shows it."""
    return frame.style.format(precision=4).apply(
        lambda line: ["background-color: #ffe08a; font-weight: bold" if line.name == row else "" for _ in line], axis=1
    )


def attention_table(weights: np.ndarray, source_tokens: list[str], target_tokens: list[str]) -> pd.DataFrame:
    """The heatmap's numbers as a table (for screen readers and for copying)."""
    values = np.round(np.asarray(weights, dtype=float), 3)
    columns = {"output": _unique_labels(target_tokens)}
    columns.update({label: values[:, j] for j, label in enumerate(_unique_labels(source_tokens))})
    return pd.DataFrame(columns)  # built in one go: inserting a column in front costs more than the figure


def forcing_figure(comparison) -> go.Figure:
    """Probability of the reference character per step: fed the reference vs fed its own output."""
    steps = [s.index for s in comparison.steps]
    characters = [show_token(s.reference) for s in comparison.steps]
    hover = [f"step {i}: reference {c!s}" for i, c in zip(steps, characters)]
    figure = go.Figure()
    for name, values, line in (
        ("teacher forcing (fed the reference)", [s.forced_reference_probability for s in comparison.steps], {}),
        (
            "reinjection (fed its own output)",
            [s.free_reference_probability for s in comparison.steps],
            {"dash": "dash"},
        ),
    ):
        figure.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", name=name, line=line, hovertext=hover))
    stride = -(-len(steps) // 30)  # at most about 30 labels, upright, however long the sentence
    figure.update_xaxes(tickmode="array", tickvals=steps[::stride], ticktext=characters[::stride], tickangle=0)
    if comparison.first_divergence is not None:
        figure.add_vline(
            x=comparison.first_divergence, line={"color": "#d62728", "dash": "dot"}, annotation_text="first divergence"
        )
    figure.update_layout(
        title="p(reference character) at each step",
        yaxis_title="probability",
        yaxis_range=[0, 1.02],
        xaxis_title="step: reference character",
        height=380,
        legend={"orientation": "h", "y": -0.3},
    )
    return figure


def forcing_table(comparison) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "step": s.index,
                "reference": show_token(s.reference),
                "forced: predicted": show_token(s.forced_prediction),
                "forced: p(ref)": round(s.forced_reference_probability, 3),
                "free: wrote": show_token(s.free_prediction),
                "free: p(ref)": round(s.free_reference_probability, 3),
                "diverged": "◀" if s.index == comparison.first_divergence else "",
            }
            for s in comparison.steps
        ]
    )


def digit_verdict(probabilities) -> str:
    """``it is a 7`` / ``it is an 8``: the most probable digit, in words that read right."""
    digit = int(np.argmax(probabilities))
    return f"it is {'an' if digit == 8 else 'a'} {digit}"


def probability_bars(probabilities, labels=None, title: str = "Class probabilities") -> go.Figure:
    probabilities = np.asarray(probabilities, dtype=float)
    labels = labels or [str(i) for i in range(len(probabilities))]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=probabilities,
            marker_color=[
                "#d62728" if i == int(np.argmax(probabilities)) else "#1f77b4" for i in range(len(probabilities))
            ],
        )
    )
    figure.update_layout(title=title, yaxis_range=[0, 1], height=300, margin={"t": 50, "b": 40})
    return figure


def digit_overlay(
    image: np.ndarray, grid_map: np.ndarray | None = None, patch_size: int | None = None, title: str = ""
) -> go.Figure:
    """The 28x28 input in grey, a patch-grid map stretched over it (semi-transparent), and the patch lines."""
    figure = go.Figure(
        go.Heatmap(z=np.asarray(image), colorscale="Greys", reversescale=True, showscale=False, hoverinfo="skip")
    )
    if grid_map is not None:
        grid = np.asarray(grid_map, dtype=float)
        cell = 28 / grid.shape[0]
        centres = (np.arange(grid.shape[0]) + 0.5) * cell - 0.5
        figure.add_trace(
            go.Heatmap(
                z=grid,
                x=centres,
                y=centres,
                colorscale=COLOUR_SCALE,
                opacity=0.55,
                colorbar={"title": "weight"},
                hovertemplate="patch row %{y:.0f}, col %{x:.0f}: %{z:.3f}<extra></extra>",
            )
        )
    lines = []
    if patch_size:  # the patch grid as plain shapes (plotly's add_hline costs 10 ms a line)
        white = {"color": "white", "width": 1}
        for edge in np.arange(patch_size, 28, patch_size) - 0.5:
            edge = float(edge)
            lines.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": edge, "y1": edge, "line": white})
            lines.append({"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": edge, "x1": edge, "line": white})
    figure.update_layout(
        shapes=lines,
        title=title,
        yaxis={"autorange": "reversed", "scaleanchor": "x"},
        height=340,
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return figure


def similarity_grid(similarity: np.ndarray) -> go.Figure:
    """Position-embedding similarity ``(g, g, g, g)`` drawn as a g x g grid of g x g tiles."""
    g = similarity.shape[0]
    tiles = np.full((g * (g + 1) - 1, g * (g + 1) - 1), np.nan)
    for row in range(g):
        for col in range(g):
            tiles[row * (g + 1) : row * (g + 1) + g, col * (g + 1) : col * (g + 1) + g] = similarity[row, col]
    figure = go.Figure(go.Heatmap(z=tiles, colorscale=COLOUR_SCALE, zmin=-1, zmax=1, colorbar={"title": "cosine"}))
    figure.update_layout(
        title="Position-embedding similarity<br><sub>tile (r, c): patch (r, c) vs every patch</sub>",
        yaxis={"autorange": "reversed", "scaleanchor": "x", "showticklabels": False},
        xaxis={"showticklabels": False},
        height=420,
        width=460,
    )
    return figure


def live_curves(
    series: dict[str, tuple[list[float], list[float]]], title: str = "Training", x_title: str = "epoch"
) -> go.Figure:
    """Curves that grow while training runs, ``{"name": (x values, y values)}``: losses in the upper panel,
    accuracies in the lower one, on one continuous epoch axis."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for name, (x, y) in series.items():
        figure.add_trace(
            go.Scatter(x=x, y=y, mode="lines+markers" if len(x) < 40 else "lines", name=name),
            row=2 if "acc" in name else 1,
            col=1,
        )
    figure.update_yaxes(title_text="loss", row=1, col=1)
    figure.update_yaxes(title_text="accuracy", range=[0, 1], row=2, col=1)
    figure.update_xaxes(title_text=x_title, row=2, col=1)
    figure.update_layout(title=title, height=480, legend={"orientation": "h", "y": -0.2})
    return figure


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


BLANK_COLOURS = {"forward only": "#ff7f0e", "bidirectional": "#1f77b4"}


def blank_guesses(guesses: dict, answer: str, title: str) -> go.Figure:
    """Each model's likeliest characters for the blank, side by side (the right one marked)."""
    figure = go.Figure()
    for name, found in guesses.items():
        labels = [show_token(g.char) + (" ✓" if g.char == answer else "") for g in found]
        figure.add_trace(
            go.Bar(
                x=[g.probability for g in found][::-1],
                y=[f"{name}: {label}" for label in labels][::-1],
                orientation="h",
                name=name,
                marker_color=BLANK_COLOURS.get(name),
                text=[f"{label} {g.probability:.2f}" for label, g in zip(labels, found)][::-1],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.3f}<extra></extra>",
            )
        )
    figure.update_yaxes(showticklabels=False)
    figure.update_layout(
        title=title, xaxis_range=[0, 1.2], xaxis_title="probability", height=340, margin={"t": 60, "b": 40, "l": 10}
    )
    figure.update_xaxes(tickvals=[0, 0.25, 0.5, 0.75, 1])
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    return figure


def blank_positions(text: str, scores: dict, position: int, title: str) -> go.Figure:
    """For each character hidden in turn: the probability each model gave the right one; the chosen one marked."""
    positions = list(range(len(text)))
    figure = go.Figure()
    for name, found in scores.items():
        figure.add_trace(
            go.Bar(
                x=positions,
                y=[s.probability for s in found],
                name=name,
                marker_color=BLANK_COLOURS.get(name),
                customdata=[[s.guess, s.guess_probability] for s in found],
                hovertext=[f"{i}: {show_token(c)}" for i, c in enumerate(text)],
                hovertemplate="%{hovertext}: p(right) %{y:.3f}, guess %{customdata[0]} (%{customdata[1]:.2f})<extra>"
                + name
                + "</extra>",
            )
        )
    if 0 <= position < len(text):
        figure.add_vrect(x0=position - 0.5, x1=position + 0.5, fillcolor="#d62728", opacity=0.15, line_width=0)
    figure.update_xaxes(tickmode="array", tickvals=positions, ticktext=[show_token(c) for c in text], tickangle=0)
    figure.update_layout(
        title=title,
        barmode="group",
        yaxis_range=[0, 1.02],
        yaxis_title="p(right character)",
        xaxis_title="hidden character",
        height=340,
        legend={"orientation": "h", "y": -0.3},
    )
    return figure
