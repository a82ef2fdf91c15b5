"""Views a teacher can send: the open tab and its settings live in the page's URL, a link restores and computes
them, and a copy-link button sits at each tab's foot.

How it fits together: ``build_app`` makes one hidden ``ready`` value before the tabs; each tab names its
shareable controls with ``shareable``; after the tabs, one page-load event reads the URL's query, checks every
value against its control, sets them, and then sets ``ready``, whose change computes every tab (``alive``). The
URL follows the controls in the browser alone (no request to the server): the page's script (``static/page.js``,
``window.s2s.pageUrl``) writes it.
"""

from __future__ import annotations

import gradio as gr

import s2s_viz

from .i18n import as_text, say, t
from .page import page_call


class Links:
    """The page's shareable controls, tab by tab (kept on the Blocks being built)."""

    def __init__(self):
        self.tabs: dict[str, dict[str, gr.components.Component]] = {}
        # (source, followers, fn): controls whose range follows another's value, set with the link's values
        self.followers: list = []
        self.views: list = []  # (tab, fn, inputs, outputs) of every view ``alive`` computes
        # the tab the page opened on, once its link is read ("" before): the URL and the first computation wait for it
        self.ready = gr.Textbox(value="", visible="hidden", elem_id="page-ready")
        self.projector = gr.Checkbox(
            value=False, label=t("label.projector", "projector mode (large text for a classroom)"), elem_id="projector"
        )
        self.notice = gr.Markdown(visible=False, elem_id="link-notice")
        self.projector.change(
            None,
            self.projector,
            None,
            js=page_call("projector"),
        )


def links() -> Links | None:
    from gradio.context import Context

    return getattr(Context.root_block, "s2s_links", None)


def _url_js(tab: str, names: list[str], force: bool, copy: bool = False) -> str:
    """The browser-side function of the controls' values that writes the view's URL (``window.s2s.pageUrl``)."""
    return page_call("pageUrl", tab, names, force, copy)


def shareable(tab: str, **controls) -> None:
    """Name a tab's controls in its link: the page URL follows them, and a copy-link button sits at the tab's foot."""
    registry = links()
    if registry is None:
        return
    registry.tabs[tab] = controls
    names, components = list(controls), list(controls.values())
    gr.on(
        triggers=[registry.ready.change, *[component.change for component in components]],
        fn=None,
        inputs=[registry.ready, *components],
        js=_url_js(tab, names, force=False),
    )
    with gr.Row(elem_classes="share-row"):
        button = gr.Button(
            t("button.copy_link", "Copy link to this view"), size="sm", scale=0, elem_id=f"{tab}-copy-link"
        )
        shown = gr.Textbox(
            label=t("label.link", "link (opens this tab with these settings)"),
            interactive=False,
            buttons=["copy"],
            scale=4,
            elem_id=f"{tab}-link",
        )
    button.click(None, [registry.ready, *components], shown, js=_url_js(tab, names, force=True, copy=True))


def on_tab_select(tab: str, tab_block: gr.Tab) -> None:
    """Choosing a tab puts its view in the address bar."""
    registry = links()
    if registry is None:
        return
    controls = registry.tabs.get(tab, {})
    tab_block.select(None, [registry.ready, *controls.values()], None, js=_url_js(tab, list(controls), force=True))


# --- reading a link back -----------------------------------------------------------------------------------------


def _choice_values(component) -> list:
    return [choice[1] if isinstance(choice, (tuple, list)) else choice for choice in (component.choices or [])]


def _model_names() -> set[str]:
    return {info.name for info in s2s_viz.list_models() if not info.broken}


def parse_value(component, raw: str):
    """The control's value for a URL's text, or ``ValueError`` saying what it accepts."""
    if isinstance(component, (gr.Slider, gr.Number)):
        try:
            number = float(raw)
        except ValueError:
            raise ValueError("needs a number") from None
        low, high = component.minimum, component.maximum
        if (low is not None and number < low) or (high is not None and number > high) or number != number:
            raise ValueError(f"needs a number in {low:g}..{high:g}")
        whole = isinstance(component, gr.Number) and component.precision == 0
        whole = whole or (isinstance(component, gr.Slider) and float(component.step).is_integer())
        return int(number) if whole and number.is_integer() else number
    if isinstance(component, gr.Checkbox):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("needs 1 or 0")
    if isinstance(component, (gr.Radio, gr.Dropdown)):
        allowed = set(_choice_values(component))
        if isinstance(component, gr.Dropdown) and component.allow_custom_value:
            allowed |= _model_names()
        values = [value for value in raw.split(",") if value] if getattr(component, "multiselect", False) else [raw]
        unknown = [value for value in values if value not in allowed]
        if unknown:
            raise ValueError(f"{unknown[0][:40]!r} is not one of the choices")
        most = getattr(component, "max_choices", None)
        if most and len(values) > most:
            raise ValueError(f"at most {most} may be chosen")
        return values if getattr(component, "multiselect", False) else values[0]
    if isinstance(component, gr.Textbox):
        most = component.max_length or 5000
        if len(raw) > most:
            raise ValueError(f"is longer than {most} characters")
        return raw
    raise ValueError("cannot be set by a link")


def restore_from_query(registry: Links, query: dict[str, str], known_tabs: list[str]):
    """The updates a link asks for: which tab, each control's value, and a notice naming what was ignored."""
    ignored = []
    updates = {component: gr.update() for controls in registry.tabs.values() for component in controls.values()}
    updates.update({follower: gr.update() for _, followers, _ in registry.followers for follower in followers})
    query = dict(query)
    tab = query.pop("tab", None)
    projector = query.pop("projector", None)
    query.pop("__theme", None)
    selected = gr.update()
    if tab is not None and tab not in known_tabs:
        ignored.append(say(f"tab={as_text(repr(tab[:40]))}: there is no such tab"))
        tab = None
    if tab is not None:
        selected = gr.Tabs(selected=tab)
    controls = registry.tabs.get(tab, {}) if tab else {}
    for name, raw in query.items():
        component = controls.get(name)
        if component is None:
            ignored.append(
                say(f"{as_text(name[:40])}: no such setting" + (f" on the {tab} tab" if tab else " without a tab"))
            )
            continue
        try:
            value = parse_value(component, raw)
        except ValueError as error:
            ignored.append(say(f"{name}={as_text(repr(raw[:40]))}: {as_text(str(error))}"))
            continue
        # a value the page already has is left alone: setting it fires the control's change event, whose computation
        # of the view (deferred behind the page's first one) could land after the reader's next move and undo it
        if value != component.value:
            updates[component] = gr.update(value=value)
    asked = {component: name for name, component in controls.items() if name in query}
    for source, followers, fn in registry.followers:
        followed = _followed(source, followers, fn, updates)
        for follower, update in followed.items():
            # a value the link set that the chosen model's range moved (a layer or head it lacks): said, with the range
            requested = updates.get(follower, {}).get("value") if isinstance(updates.get(follower), dict) else None
            if follower in asked and requested is not None and update.get("value", requested) != requested:
                low = follower.minimum if follower.minimum is not None else 0
                ignored.append(
                    say(
                        f"{asked[follower]}={as_text(repr(query[asked[follower]][:40]))}: this model's range is "
                        f"{low:g}..{update['value']:g}; shown at {update['value']:g}"  # moved to the range's end
                    )
                )
        updates.update(followed)
    projected = gr.update()
    if projector is not None:
        projected = gr.update(value=projector == "1")
    notice = (
        gr.update(value=say("**Part of this link was ignored:** ") + "; ".join(ignored), visible=True)
        if ignored
        else gr.update(visible=False)
    )
    return selected, notice, projected, list(updates.values())


def follows(source, followers: list, fn, on_change: bool = True) -> None:
    """``followers``' ranges follow ``source``'s value: ``fn(source value, *follower values)`` gives their updates.
    Set as the page loads (with the link's values) by the one load event, and then on every change of ``source``
    (``on_change=False``: the view's own redraw sets them)."""
    registry = links()
    if registry is not None:
        registry.followers.append((source, followers, fn))
        if not on_change:
            return
    gr.on(
        triggers=[source.change] if registry is not None else None,
        fn=fn,
        inputs=[source, *followers],
        outputs=followers,
        api_visibility="private",
        trigger_mode="always_last",
    )


def _followed(source, followers: list, fn, updates: dict) -> dict:
    """The followers' updates for the values a link sets (a control the link leaves keeps its built value)."""

    def value(component):
        update = updates.get(component)
        return update["value"] if isinstance(update, dict) and "value" in update else component.value

    made = fn(value(source), *(value(follower) for follower in followers))
    made = made if isinstance(made, (tuple, list)) else [made]
    merged = {}
    for follower, update in zip(followers, made):
        before = updates.get(follower)
        merged[follower] = {**(before if isinstance(before, dict) else {}), **update}
    return merged


def wire_restore(demo: gr.Blocks, tabs: gr.Tabs, known_tabs: list[str]) -> None:
    """One page-load event: read the link, set the controls and the ranges that follow them, then mark the page
    ready (which computes it)."""
    registry: Links = demo.s2s_links
    components = list(
        dict.fromkeys(
            [component for controls in registry.tabs.values() for component in controls.values()]
            + [follower for _, followers, _ in registry.followers for follower in followers]
        )
    )

    def restore(request: gr.Request):
        try:
            selected, notice, projected, values = restore_from_query(registry, dict(request.query_params), known_tabs)
        except Exception as error:  # a link must never break the page: show it and open the defaults
            selected, projected = gr.update(), gr.update()
            notice, values = (
                gr.update(value=f"The link could not be read: {error}", visible=True),
                [gr.update()] * len(components),
            )
        opened = selected.get("selected") if isinstance(selected, dict) else getattr(selected, "selected", None)
        return [selected, notice, projected, *values, opened or known_tabs[0]]

    # ``ready`` last: the page applies an answer's values in order, and its change reads every control
    demo.load(
        restore,
        None,
        [tabs, registry.notice, registry.projector, *components, registry.ready],
        api_visibility="private",
        queue=False,
    )
