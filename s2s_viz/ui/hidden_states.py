"""Inside the loop (part of the Translate tab): the hidden states a hand-written inference loop passes, the
encoder's final state handed over as the decoder's initial state, and one unit traced over the sentence."""

from __future__ import annotations

import gradio as gr
import plotly.graph_objects as go

from s2s_viz import viz
from s2s_viz.translation import InputError

from .common import check_text, get_model, refuse
from .i18n import say, t
from .page import page_call

INTRO = """**The inference loop, one explicit step at a time.** The encoder reads the source and ends with
its states (`h`, and `c` for an LSTM); they are handed to the decoder as its `initial_state`. Then, at every step,
the decoder is fed the character it wrote last and the states it ended the previous step with, and returns new
ones: below, the top layer's `h` (and `c`) after each step, one row a step, and one unit followed over the
sentence (as in LSTMVis). With attention, each step's weights alpha_i over the source and, beside them, the context
vector they make, c_i = Σ_j alpha_ij h_j: the weighted sum of the encoder's outputs that the decoder reads at that
step. Written out this way the loop gives exactly the compiled loop's translation. *Live:* the unit slider."""


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
            trace.tokens,  # numbered by the heatmap itself
            zmid=0,
            colorscale="RdBu",
        )
        for name in ("h", "c")
        if name in top
    ]
    if len(figures) == 1:
        figures.append(viz.no_attention("a GRU has no cell state c: its h is all it carries"))
    attention, context, shapes = _context_views(translator, trace, top)
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
    curve = unit_curve(state, 0)
    # the page follows another unit by itself, from the columns of the h and c heatmaps it holds
    curve.layout.meta = {
        "sources": [f"states-{name}" for name in state["top"]],
        "title": say(UNIT_TITLE.format(SENTINEL)).replace(str(SENTINEL), "{}"),
    }
    return (
        summary + shapes,
        handover,
        *figures,
        attention,
        context,
        curve,
        state,
        gr.update(maximum=max(units - 1, 1), value=0),
    )


def _context_views(translator, trace, top: dict):
    """With attention: alpha per step over the source, and the context vector c_i = sum_j alpha_ij h_j it makes (the
    weighted sum of the encoder's outputs), beside each other; and the shapes of what one step reads."""
    if trace.contexts is None:
        words = "this model has no attention: its decoder reads the source only through the states handed over"
        return viz.no_attention(words), viz.no_attention(words), ""
    attention = viz.matrix_heatmap(
        trace.attention,
        "alpha_ij: step i's weights over the source",
        "source position j",
        "step i",
        trace.source_tokens,
        trace.tokens,
    )
    context = viz.matrix_heatmap(
        trace.contexts,
        "c_i = Σ_j alpha_ij h_j: the context read at step i",
        "unit of c_i (= of h_j)",
        "step i",
        None,
        trace.tokens,
        zmid=0,
        colorscale="RdBu",
    )
    positions, width = trace.encoder_outputs.shape
    state = top["h"].shape[1]
    luong = getattr(getattr(translator.model, "spec", None), "attention_order", None) == "luong"
    reads = (
        f"the state s_i of this step `({state},)` and c_i together feed the output layer `({state + width},)`"
        if luong
        else f"the attention reads s_(i-1), the top decoder state before step i `({state},)`; c_i joins the step's"
        " input character"
    )
    shapes = (
        f"\n\nShapes at each step: the encoder's outputs h `({positions}, {width})` (one row per source position j); "
        f"alpha_i `({positions},)`, summing to 1; c_i = Σ_j alpha_ij h_j `({width},)`; {reads}."
    )
    return attention, context, shapes


UNIT_TITLE = "unit {} over the sentence"
SENTINEL = 987654321  # a number no title has: where the unit's number goes, in any language


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
        title=UNIT_TITLE.format(unit),
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
        with gr.Row():
            attention = gr.Plot(show_label=False, elem_id="states-alpha")
            context = gr.Plot(show_label=False, elem_id="states-context")
        unit = gr.Slider(0, 1023, value=0, step=1, label=t("label.unit", "unit to follow"), elem_id="states-unit")
        curve = gr.Plot(show_label=False, elem_id="states-unit-curve")
        state = gr.State({})
        outputs = [summary, handover, hidden, cell, attention, context, curve, state, unit]
        button.click(trace_states, [model, text], outputs, api_name="trace_states")
        # another unit: its column of the h and c heatmaps, drawn in the page
        script = page_call("unit", "states-unit-curve")
        unit.change(None, [unit], None, js=script, api_visibility="private")
