"""Inside the loop (part of the Translate tab): the hidden states a hand-written inference loop passes, the
encoder's final state handed over as the decoder's initial state, and one unit traced over the sentence."""

from __future__ import annotations

import gradio as gr
import plotly.graph_objects as go

from s2s_viz import viz
from s2s_viz.translation import InputError

from .common import check_text, get_model, refuse
from .i18n import t

INTRO = """**The inference loop, one explicit step at a time.** The encoder reads the source and ends with
its states (`h`, and `c` for an LSTM); they are handed to the decoder as its `initial_state`. Then, at every step,
the decoder is fed the character it wrote last and the states it ended the previous step with, and returns new
ones: below, the top layer's `h` (and `c`) after each step, one row a step, and one unit followed over the
sentence (as in LSTMVis). Written out this way the loop gives exactly the compiled loop's translation.
*Live:* the unit slider."""


def trace_states(model_name: str, text: str):
    """Trace the greedy loop by hand: summary, the hand-over, ``h`` and ``c`` per step, one unit, the trace."""
    text = check_text(text)
    translator = get_model(model_name)
    try:
        trace = translator.trace(text)
        compiled = translator.translate(text).text
        from_zeros = translator.trace(text, hand_over=False).text
    except InputError as error:
        raise refuse(str(error)) from error
    top_final = trace.encoder_states[-1]
    layers = len(trace.decoder_states)
    steps = [f"{index}:{viz.show_token(token)}" for index, token in enumerate(trace.tokens)]
    top = trace.decoder_states[-1]
    units = top["h"].shape[1]
    handover = viz.handover_heatmap(top_final)
    figures = [
        viz.matrix_heatmap(
            top[name],
            f"decoder {name} after each step (top layer of {layers})",
            "unit",
            "step: character written",
            None,
            steps,
            zmid=0,
            colorscale="RdBu",
        )
        for name in ("h", "c")
        if name in top
    ]
    if len(figures) == 1:
        figures.append(viz.no_attention("a GRU has no cell state c: its h is all it carries"))
    summary = (
        f"Written step by step: **{trace.text}**; the compiled loop writes **{compiled}** "
        f"({'the same' if trace.text == compiled else 'different'}). Started from zeros instead of the encoder's "
        f"final states, the same decoder writes **{from_zeros}**: "
        + (
            "the hand-over is how this model knows the sentence."
            if not translator.has_attention
            else "with attention it still reads the source at every step; the hand-over gives it a start."
        )
    )
    state = {"steps": steps, "top": {name: values.tolist() for name, values in top.items()}}
    return (
        summary,
        handover,
        *figures,
        unit_curve(state, 0),
        state,
        gr.update(maximum=max(units - 1, 1), value=0),
    )


def unit_curve(state: dict, unit: float = 0) -> go.Figure | None:
    """One unit's ``h`` (and ``c``) over the output steps, the written characters along the axis."""
    if not state or not state.get("top"):
        return None
    unit = int(unit)
    units = len(state["top"]["h"][0])
    if not 0 <= unit < units:
        raise refuse(f"unit must be in 0..{units - 1}, got {unit}")
    figure = go.Figure()
    for name, values in state["top"].items():
        figure.add_trace(
            go.Scatter(x=state["steps"], y=[row[unit] for row in values], mode="lines+markers", name=f"{name}[{unit}]")
        )
    figure.update_layout(
        title=f"unit {unit} over the sentence",
        xaxis_title="step: character written",
        yaxis_title="value",
        height=320,
        legend={"orientation": "h", "y": -0.3},
    )
    return figure


def build(model, text) -> None:
    with gr.Accordion(t("label.states", "inside the loop: the states handed from step to step"), open=False):
        gr.Markdown(t("states.intro", INTRO))
        button = gr.Button(t("button.trace", "Trace the states"), elem_id="states-button")
        summary = gr.Markdown(elem_id="states-summary")
        handover = gr.Plot(show_label=False, elem_id="states-handover")
        with gr.Row():
            hidden, cell = gr.Plot(show_label=False, elem_id="states-h"), gr.Plot(show_label=False, elem_id="states-c")
        unit = gr.Slider(0, 1023, value=0, step=1, label=t("label.unit", "unit to follow"), elem_id="states-unit")
        curve = gr.Plot(show_label=False, elem_id="states-unit-curve")
        state = gr.State({})
        outputs = [summary, handover, hidden, cell, curve, state, unit]
        button.click(trace_states, [model, text], outputs, api_name="trace_states")
        unit.change(
            unit_curve,
            [state, unit],
            curve,
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
        )
