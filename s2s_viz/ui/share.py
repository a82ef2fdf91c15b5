"""Views a teacher can send and show: the open tab and its settings live in the page's URL (a link restores and
computes them), a copy-link button per tab, export of every figure and table, and a projector mode.

How it fits together: ``build_app`` makes one hidden ``ready`` value before the tabs; each tab names its
shareable controls with ``shareable``; after the tabs, one page-load event reads the URL's query, checks every
value against its control, sets them, and then sets ``ready``, whose change computes every tab (``alive``). The
URL follows the controls in the browser alone (no request to the server).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import gradio as gr
import pandas as pd
import plotly.io

import s2s_viz

from .i18n import say, t

PROJECTOR = "projector"

# Big enough to read at 1280x720 from the back of a room: Gradio's text sizes, and plotly's text in every figure
# (plotly writes font sizes on each text element; a stylesheet's !important rule wins over them).
CSS = """
body.projector gradio-app {
  --text-xxs: 14px; --text-xs: 16px; --text-sm: 19px; --text-md: 22px; --text-lg: 25px; --text-xl: 30px;
  --text-xxl: 36px; --block-label-text-size: 19px; --block-info-text-size: 18px; --block-title-text-size: 22px;
  --input-text-size: 22px; --prose-text-size: 22px; --section-header-text-size: 24px;
  --button-large-text-size: 24px; --button-small-text-size: 20px; --button-medium-text-size: 22px;
  --checkbox-label-text-size: 21px;
}
body.projector .form > .block, body.projector .row > .block, body.projector .row > .form {
  min-width: min(100%, 300px) !important;
}
body.projector .js-plotly-plot .gtitle { font-size: 24px !important; }
body.projector .js-plotly-plot .xtick text, body.projector .js-plotly-plot .ytick text { font-size: 17px !important; }
body.projector .js-plotly-plot .g-xtitle text, body.projector .js-plotly-plot .g-ytitle text,
body.projector .js-plotly-plot .legendtext, body.projector .js-plotly-plot .annotation-text,
body.projector .js-plotly-plot .cbtitle text { font-size: 19px !important; }
body.projector table { font-size: 19px !important; }
/* a phone: figures fit the width; controls stack, so no label is squeezed to one character a line */
@media (max-width: 600px) {
  .js-plotly-plot .gtitle { font-size: 12px !important; }
  .form > .block, .row > .block, .form > div, .row > .form { min-width: min(100%, 260px) !important; }
}
.share-row { align-items: end; }
"""

# Runs once the page is up: the sketchpads open with their brush picked (Gradio's editor opens with no tool), and
# a URL asking for the projector mode gets it before the first answer arrives.
HEAD = """
<script>
(() => {
  const pads = 2;  // the Bi-RNN's and the ViT's: once both have their brush, the page is left alone
  const pickBrush = () => {
    const found = document.querySelectorAll('.digit-sketch');
    found.forEach((pad) => {
      if (pad.dataset.brushReady) return;
      const brush = pad.querySelector('button[aria-label="Brush"]');
      if (brush && brush.offsetParent !== null) { brush.click(); pad.dataset.brushReady = '1'; }
    });
    const ready = document.querySelectorAll('.digit-sketch[data-brush-ready="1"]').length;
    if (ready >= pads) { observer.disconnect(); document.removeEventListener('click', onClick, true); }
  };
  const observer = new MutationObserver(pickBrush);
  const onClick = () => setTimeout(pickBrush, 50);
  observer.observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('click', onClick, true);
  // a link's tab is shown as soon as its button exists, not after the page's first answer
  const linked = new URLSearchParams(location.search).get('tab');
  // ... and before that, the page's configuration (inlined above this script) opens on the link's tab: Gradio then
  // builds that tab first instead of building and drawing the first one before switching
  const config = window.gradio_config;
  if (linked && config && Array.isArray(config.components) && config.layout) {
    const parentOf = {};
    const walk = (node) => (node.children || []).forEach((child) => { parentOf[child.id] = node.id; walk(child); });
    walk(config.layout);
    const item = config.components.find((c) => c.type === 'tabitem' && c.props && c.props.id === linked);
    const tabs = item && config.components.find((c) => c.type === 'tabs' && c.id === parentOf[item.id]);
    if (tabs) tabs.props.selected = linked;
  }
  if (linked && /^[a-z]+$/.test(linked)) {
    const showLinked = new MutationObserver(() => {
      const button = document.getElementById(`tab-${linked}-button`);
      if (!button) return;
      showLinked.disconnect();
      if (button.getAttribute('aria-selected') !== 'true') button.click();
    });
    showLinked.observe(document.documentElement, {childList: true, subtree: true});
    setTimeout(() => showLinked.disconnect(), 30000);
  }
  // Gradio's figure draws a new value into the figure on the page, then replaces that figure by a new one and draws
  // it again from scratch: every live change drew each figure twice. A figure is now drawn a moment later (once
  // the page has settled), and the outgoing one, out of the page by then, is not drawn at all.
  let plotly;
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get: () => plotly,
    set: (module) => {
      plotly = module;
      if (!module || !module.react || module.react.s2sOnce) return;
      const react = module.react;
      const once = (plot, ...rest) => new Promise((resolve, reject) => queueMicrotask(() => {
        if (plot instanceof Element && !plot.isConnected && plot._fullLayout) {
          window.s2sOutgoingSkipped = (window.s2sOutgoingSkipped || 0) + 1;  // read by a browser test
          resolve(plot);
          return;
        }
        Promise.resolve(react.call(module, plot, ...rest)).then(resolve, reject);
      }));
      once.s2sOnce = true;
      module.react = once;
    },
  });
  // plotly.js writes its clip paths and colour-bar gradients as url('<page address>#id') (Gradio's page has a
  // <base>): when a view's settings change the address, point them at the new one, or the figures drawn before lose
  // their fill (blank heatmaps, blank colour bars)
  const replaceState = history.replaceState.bind(history);
  history.replaceState = (state, title, url) => {
    const before = location.href.split('#')[0] + '#';
    replaceState(state, title, url);
    const after = location.href.split('#')[0] + '#';
    if (before === after) return;
    document.querySelectorAll('.js-plotly-plot').forEach((plot) => {
      if (plot._context) plot._context._baseUrl = after.slice(0, -1);
      plot.querySelectorAll('[clip-path], [style*="url("], [fill^="url("], [mask]').forEach((node) => {
        ['clip-path', 'style', 'fill', 'mask'].forEach((name) => {
          const value = node.getAttribute(name);
          if (value && value.includes(before)) node.setAttribute(name, value.split(before).join(after));
        });
      });
    });
  };
  const wanted = new URLSearchParams(location.search).get('projector');
  const apply = () => document.body && document.body.classList.toggle('projector', wanted === '1');
  if (document.body) apply(); else document.addEventListener('DOMContentLoaded', apply);
})();
</script>
"""


ASSETS = Path(gr.__file__).parent / "templates" / "frontend" / "assets"


def figure_assets() -> list[str]:
    """The file names of Gradio's figure component (its name carries a hash of its content)."""
    return sorted(path.name for path in ASSETS.glob("PlotlyPlot-*.js"))


def page_assets() -> list[str]:
    """The file names of every script and style file of Gradio's page."""
    return sorted(path.name for path in ASSETS.iterdir() if path.suffix in (".js", ".css"))


def preload_figures() -> str:
    """Gradio fetches its figure component (plotly.js inside, 1.1 MB compressed) only when the first figure is built,
    about two seconds into a page's start; a module preload fetches and parses it from the start, alongside the rest."""
    return "".join(f'<link rel="modulepreload" href="assets/{name}">' for name in figure_assets())


def launch_options() -> dict:
    """What ``launch`` needs besides the address: the translations, the stylesheet and the page script."""
    from .assets import app_options
    from .i18n import translations

    return {"i18n": translations(), "css": CSS, "head": preload_figures() + HEAD, "app_kwargs": app_options()}


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
            js="""(on) => { document.body.classList.toggle('projector', !!on);
              const url = new URL(location.href);
              if (on) url.searchParams.set('projector', '1'); else url.searchParams.delete('projector');
              history.replaceState(null, '', url); }""",
        )


def links() -> Links | None:
    from gradio.context import Context

    return getattr(Context.root_block, "s2s_links", None)


def _url_js(tab: str, names: list[str], force: bool, copy: bool = False) -> str:
    """A browser-side function of the controls' values: the view's URL; set as the page's address when this tab
    is the one shown (or ``force``), copied to the clipboard when ``copy``."""
    return f"""(ready, ...values) => {{
      if (!ready) return;  // the page's own link is read first: nothing writes the address before that
      const names = {json.dumps(names)};
      const query = new URLSearchParams();
      query.set('tab', {json.dumps(tab)});
      names.forEach((name, i) => {{
        let value = values[i];
        if (value === null || value === undefined) return;
        if (Array.isArray(value)) value = value.join(',');
        if (typeof value === 'boolean') value = value ? '1' : '0';
        query.set(name, String(value));
      }});
      if (document.body.classList.contains('projector')) query.set('projector', '1');
      const url = location.origin + location.pathname + '?' + query.toString();
      const panel = document.getElementById('tab-{tab}');
      if ({str(force).lower()} || (panel && panel.offsetParent !== null)) history.replaceState(null, '', url);
      if ({str(copy).lower()}) {{
        if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).catch(() => {{}});
        return url;
      }}
    }}"""


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
        ignored.append(say(f"tab={tab[:40]!r}: there is no such tab"))
        tab = None
    if tab is not None:
        selected = gr.Tabs(selected=tab)
    controls = registry.tabs.get(tab, {}) if tab else {}
    for name, raw in query.items():
        component = controls.get(name)
        if component is None:
            ignored.append(say(f"{name[:40]}: no such setting" + (f" on the {tab} tab" if tab else " without a tab")))
            continue
        try:
            value = parse_value(component, raw)
        except ValueError as error:
            ignored.append(say(f"{name}={raw[:40]!r}: {error}"))
            continue
        # a value the page already has is left alone: setting it fires the control's change event, whose computation
        # of the view (deferred behind the page's first one) could land after the reader's next move and undo it
        if value != component.value:
            updates[component] = gr.update(value=value)
    for source, followers, fn in registry.followers:
        updates.update(_followed(source, followers, fn, updates))
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


# --- export ------------------------------------------------------------------------------------------------------


def export_files(names: list[str], *values) -> list[str]:
    """Each figure as a standalone HTML file (plotly.js inside: it opens offline) and each table as CSV."""
    folder = Path(tempfile.mkdtemp(prefix="s2s-viz-export-"))
    written = []
    for name, value in zip(names, values):
        if value is None:
            continue
        if isinstance(value, pd.DataFrame):
            if value.empty:
                continue
            path = folder / f"{name}.csv"
            value.to_csv(path, index=False)
        elif getattr(value, "plot", None):
            path = folder / f"{name}.html"
            plotly.io.from_json(value.plot).write_html(path, include_plotlyjs=True, full_html=True)
        else:
            continue
        written.append(str(path))
    if not written:
        raise gr.Error(say("Nothing to export yet: compute the view first."), print_exception=False)
    return written


def exporter(tab: str, **outputs) -> None:
    """A tab's export: figures as HTML (PNG is the camera button on each figure), tables as CSV."""
    names, components = list(outputs), list(outputs.values())
    with gr.Accordion(
        t("label.export", "export: figures as HTML, tables as CSV (PNG: the camera on each figure)"), open=False
    ):
        button = gr.Button(t("button.export", "Export this view"), size="sm", elem_id=f"{tab}-export")
        files = gr.File(file_count="multiple", label=t("label.files", "files"), elem_id=f"{tab}-export-files")
    button.click(lambda *values: export_files(names, *values), components, files, api_visibility="private")
