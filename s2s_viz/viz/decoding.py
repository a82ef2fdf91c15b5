"""Decoding and training as figures and tables: the steps, the beam, the forcing comparison, live curves."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .attention import axis_text, show_token


def steps_table(steps) -> pd.DataFrame:
    """One row per decoding step: the chosen character, its probability, and the top 5."""
    rows = []
    for step in steps:
        rows.append(
            {
                "step": step.index,
                "chosen": show_token(step.token),
                "p": float(step.probability),
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
            float(h.log_probability),
            float(h.normalised),
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


def forcing_figure(comparison) -> go.Figure:
    """Probability of the reference character per step: fed the reference vs fed its own output."""
    steps = [s.index for s in comparison.steps]
    characters = [axis_text(s.reference) for s in comparison.steps]
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
                "forced: p(ref)": float(s.forced_reference_probability),
                "free: wrote": show_token(s.free_prediction),
                "free: p(ref)": float(s.free_reference_probability),
                "diverged": "◀" if s.index == comparison.first_divergence else "",
            }
            for s in comparison.steps
        ]
    )


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


def quality_by_length(rows_by_model: dict[str, list[dict]]) -> go.Figure:
    """chrF per source-length bucket, one line per model (``rows_by_model``: a model's name -> its card's
    ``by_source_length`` rows: characters, sentences, chrf, exact_match)."""
    figure = go.Figure()
    for name, rows in rows_by_model.items():
        figure.add_trace(
            go.Scatter(
                x=[row["characters"] for row in rows],
                y=[row["chrf"] for row in rows],
                mode="lines+markers",
                name=name,
                customdata=[[row["sentences"], row["exact_match"]] for row in rows],
                hovertemplate=f"{name}<br>%{{x}} characters: chrF %{{y:.1f}}, exact %{{customdata[1]:.1f}}%"
                " (%{customdata[0]} sentences)<extra></extra>",
            )
        )
    figure.update_layout(
        title="chrF against the source's length (test split)",
        xaxis_title="source length (characters)",
        yaxis_title="chrF",
        yaxis_range=[0, 100],
        height=400,
        legend={"orientation": "h", "y": -0.3},
    )
    return figure
