"""Digits and blanks as figures: a classifier's probabilities, the attended patches over a digit, position
similarity, and the fill-in-the-blank models' guesses."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .attention import COLOUR_SCALE, attention_grid, show_token


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
        # the picture fills its square: the plot area shrinks to it instead of the axes running past the image
        xaxis={"range": [-0.5, 27.5], "constrain": "domain", "showgrid": False},
        yaxis={"range": [27.5, -0.5], "scaleanchor": "x", "constrain": "domain", "showgrid": False},
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


def vit_map_title(layer: int, head: int) -> str:
    """The class token's attention map's title, for one block and head (-1: the mean of heads)."""
    which = f"block {layer}, head {head}" if head >= 0 else f"block {layer}, mean of heads"
    return f"class-token attention: {which}"


def vit_rollout_figure(image, maps: dict, head_fusion: str, discard_ratio: float) -> go.Figure:
    """The attention rolled out through every block (``maps["rollout"]``), over the image."""
    title = f"attention rollout ({head_fusion} of heads, discard {discard_ratio:.0%})"
    return digit_overlay(image, maps["rollout"], maps["patch_size"], title)


def vit_figures(image, maps: dict, layer: int, head: int, head_fusion: str, discard_ratio: float) -> list:
    """A Vision Transformer's view of one image (``DigitClassifier.attention``'s ``maps``): the image in patches,
    the class token's attention in one block (one head, or the mean of heads where ``head`` is -1), the rollout
    through every block, the position embeddings' similarity, and every block x head at once."""
    patch = maps["patch_size"]
    grid = maps["class_token"][layer][head] if head >= 0 else maps["class_token_mean"][layer]
    return [
        digit_overlay(image, None, patch, "the 28x28 it reads, in patches"),
        digit_overlay(image, grid, patch, vit_map_title(layer, head)),
        vit_rollout_figure(image, maps, head_fusion, discard_ratio),
        similarity_grid(maps["position_similarity"]),
        attention_grid(
            maps["class_token"],
            "class-token attention in every block and head (the patch grid of each)",
            chosen=(layer, head) if head >= 0 else None,
            row_name="block",
        ),
    ]
