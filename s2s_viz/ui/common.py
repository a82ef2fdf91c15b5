"""What every tab shares: the loaded models (cached), the model pickers, and turning errors into messages."""

from __future__ import annotations

import logging

import gradio as gr

import s2s_viz
from s2s_viz import viz
from s2s_viz.checkpoints import CheckpointError

from .page import page_call

MAX_TEXT = 100_000
log = logging.getLogger("s2s_viz.ui")


def refuse(message: str) -> gr.Error:
    """The error a refused request raises: the message for the person, one line in the server's log (not
    Gradio's traceback, which says nothing more about a request that was simply refused)."""
    from .i18n import say

    log.warning("refused: %s", str(message).splitlines()[0][:300])
    return gr.Error(say(str(message)), print_exception=False)


def get_model(name: str, kind: str = "translator"):
    """A loaded model by name (``s2s_viz.loaded``: cached), or the reason it cannot be used, refused."""
    try:
        return s2s_viz.loaded(name, kind)
    except CheckpointError as error:
        raise refuse(str(error)) from error


def alive(
    fn, inputs: list, outputs: list, live: tuple = (), then: tuple | None = None, set_by_page: tuple = ()
) -> None:
    """Compute a view when its tab is first shown (the tab a link opens: once the page is up, without delaying it;
    any other tab: when it is chosen), and again whenever the reader edits one of its ``live`` controls: those
    whose computation takes well under 300 ms here. Heavier inputs (a sentence, a model) keep their button.
    ``set_by_page``: controls the page itself sets on the reader's behalf (a stroke on the sketchpad picks the
    drawing as the input), whose every change recomputes. ``then``: ``(fn, inputs, outputs)`` to run after each
    computation."""
    from gradio.context import Context

    from .links import links

    registry, tab = links(), _enclosing_tab()
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    changes = edits(*live) + [control.change for control in set_by_page]
    skipped = gr.skip() if len(outputs) == 1 else tuple(gr.skip() for _ in outputs)
    if registry is None or tab is None:  # a page without tabs or links: compute on load
        events = [_on([Context.root_block.load, *changes], fn, inputs, outputs)]
        changes = []
    else:
        key = tab.id
        registry.views.append((key, fn, list(inputs), outputs))

        def opened(ready, *values):
            if ready != key:  # another tab is open: this one waits until it is chosen
                return skipped
            return fn(*values)

        def chosen(ready, *values):
            if not ready:  # Gradio selects the first tab as the page mounts, before the link is read: not yet
                return skipped
            return fn(*values)

        # The page's script shows a link's tab as the page mounts (with its view as the server last computed it);
        # once the link is read, the page's readiness computes that tab. Choosing a tab later computes it.
        events = [
            _on([registry.ready.change], opened, [registry.ready, *inputs], outputs),
            _on([tab.select], chosen, [registry.ready, *inputs], outputs),
        ]
    if changes:  # a live control redraws in place: no progress veil over every figure while it moves
        events.append(_on(changes, fn, inputs, outputs, show_progress="hidden"))
    if then is not None:
        for event in events:
            event.then(*then, api_visibility="private")


def edits(*controls) -> list:
    """The events of the reader's own edits of ``controls`` (typing, picking, dragging, a key press), for the
    listeners that redraw a view live. A value the page sets (a link's, a range that follows a model) fires none:
    a link's values arrive one control at a time, each change firing at once with the values of the controls not
    yet set (a tab built after the answer came: the Transformer link's head-3 map was replaced by one computed for
    the link's kind with the default layer and head); the page's own first computation (``alive``) reads them
    all."""
    return [control.input for control in controls]


def _on(triggers, fn, inputs, outputs, show_progress="full"):
    return gr.on(
        triggers=triggers,
        fn=fn,
        inputs=inputs,
        outputs=outputs,
        api_visibility="private",
        trigger_mode="always_last",
        show_progress=show_progress,
    )


def _enclosing_tab() -> gr.Tab | None:
    from gradio.context import Context

    block = Context.block
    while block is not None and not isinstance(block, gr.Tab):
        block = block.parent
    return block


def examples(samples: list, inputs: list) -> gr.Examples:
    """Clickable examples whose column headers are words, not Gradio's raw translation keys (its example table
    does not translate labels made by ``t``): the inputs' labels in both languages, or none for a single column."""
    from .i18n import bilingual

    made = gr.Examples(samples, inputs=inputs)
    made.dataset.headers = [bilingual(component.label) for component in inputs] if len(inputs) > 1 else []
    return made


def model_names(kind: str = "translator", architecture: str | None = None) -> list[str]:
    """The loadable models of a kind for a picker (the forcing experiment's own models left out)."""
    from s2s_viz.training.config import EXPERIMENT_NAME_PREFIX

    return [
        info.name
        for info in s2s_viz.list_models(kind=kind)
        if not info.broken
        and (architecture is None or info.architecture == architecture)
        and not info.name.startswith(EXPERIMENT_NAME_PREFIX)
    ]


def layers_and_heads(name: str | None) -> tuple[int, int] | None:
    """A Transformer's or ViT's layer and head counts, read from its card (no model is loaded)."""
    info = next((info for info in s2s_viz.list_models() if info.name == name and not info.broken), None)
    spec = ((info.card or {}).get("model_config") or {}) if info else {}
    return (spec["num_layers"], spec["num_heads"]) if "num_layers" in spec and "num_heads" in spec else None


def layer_and_head_sliders(
    model, label_layer, label_head, head_minimum: int = 0, most_layers: int = 12, most_heads: int = 32
):
    """Layer and head sliders that span the chosen model's own layers and heads (counted from 0).

    The server accepts any layer or head a model of this kind may have (Gradio checks a slider against the bounds
    it was built with, whatever the page shows); what the chosen model lacks is refused by the core, by name.
    The page's ranges follow the model on load and on every change.
    """
    layer = gr.Slider(0, most_layers - 1, value=0, step=1, label=label_layer)
    head = gr.Slider(head_minimum, most_heads - 1, value=head_minimum, step=1, label=label_head)
    from .links import follows

    follows(model, [layer, head], lambda name, at_layer, at_head: follow_model(name, at_layer, at_head, head_minimum))
    return layer, head


def frame_follows(grid: gr.Plot, layer: gr.Slider, head: gr.Slider) -> None:
    """The every-head grid's frame follows the layer and head sliders in the page (see ``viz.attention_grid``),
    also when a grid computed for other sliders lands after they moved."""
    script = page_call("frame", grid.elem_id, viz.GRID_FRAME_LINE)
    gr.on([layer.change, head.change, grid.change], None, [layer, head], None, js=script, api_visibility="private")


def follow_model(name: str | None, at_layer: float = 0, at_head: float = 0, head_minimum: int = 0):
    """New slider ranges after the model changes. A layer or head the new model has stays chosen (a shared link
    sets them before the model's ranges arrive); one beyond its range moves, visibly, to its last."""
    shape = layers_and_heads(name)
    if shape is None:
        return gr.update(), gr.update()
    last_layer, last_head = shape[0] - 1, shape[1] - 1
    layer = gr.update(maximum=max(last_layer, 1), interactive=last_layer > 0)
    head = gr.update(maximum=max(last_head, 1))
    if int(at_layer or 0) > last_layer:
        layer["value"] = last_layer
    if int(at_head or 0) > last_head:
        head["value"] = last_head
    return layer, head


def check_text(text, what: str = "text") -> str:
    if text is None or not isinstance(text, str):
        raise refuse(f"the {what} is missing")
    if len(text) > MAX_TEXT:
        raise refuse(f"the {what} is {len(text):,} characters long; the limit is {MAX_TEXT:,}")
    return text


def model_picker(
    kind: str = "translator", architecture: str | None = None, value: str | None = None, **kwargs
) -> gr.Dropdown:
    """A dropdown of the models of one kind. Custom values are let through on purpose: a model trained after
    the page loaded (or named by an API client) is valid, and ``get_model`` checks every name anyway."""
    names = model_names(kind, architecture)
    default = value if value is not None else (names[0] if names else None)
    return gr.Dropdown(names, value=default, allow_custom_value=True, **kwargs)
