"""Warm-up: once the server answers, compute every tab's try-this in a background thread, so that the first
person to open a tab does not wait for models to load and for TensorFlow to trace them."""

from __future__ import annotations

import logging
import os
import threading
import time

import gradio as gr

log = logging.getLogger("s2s_viz.ui")


SHOWN_AS_BUILT = (gr.Plot, gr.Dataframe, gr.Markdown, gr.Textbox)  # outputs a page may open with, computed


def prefill(demo) -> list:
    """Every tab's view computed with the page's own default settings (which also loads and traces its models),
    and kept as its outputs' values in the page the server sends: a tab then opens with its view drawn, and its
    own computation (in the reader's language, with a link's settings) replaces it once the page is up.
    Of a view's figures only the first is kept: the page draws every figure it is sent in one go before it shows
    any, and the digit tabs' six held their first back (an A/B in Chromium, medians of 4 pages: ViT 2.99 -> 2.35 s);
    the others arrive with the tab's own computation.

    Returns ``(name, step)`` pairs for ``warm_up`` to time.
    """
    from pydantic import BaseModel

    from .localize import _localized

    registry = getattr(demo, "s2s_links", None)
    if registry is None:
        return []

    def computed(fn, inputs, outputs):
        def step():
            result = _localized(outputs, fn(*(component.value for component in inputs)), "en")
            figures = [component for component in outputs if isinstance(component, gr.Plot)]
            for component, value in zip(outputs, result if isinstance(result, (tuple, list)) else [result]):
                if component in figures[1:]:  # see the docstring
                    continue
                if isinstance(component, SHOWN_AS_BUILT) and value is not None and not isinstance(value, dict):
                    shown = component.postprocess(value)
                    component.value = shown.model_dump() if isinstance(shown, BaseModel) else shown

        return step

    steps = [
        (f"{key} view {index}", computed(fn, inputs, outputs))
        for index, (key, fn, inputs, outputs) in enumerate(registry.views)
    ]

    def publish():
        demo.config = demo.get_config_file()  # the page the server sends from now on

    return [*steps, ("page", publish)]


# a short and a long sentence (one compiled program serves both: ``decoding.outputs.FIRST_COLUMNS``)
LENGTHS = ["I am cold.", "Where is the train station?"]
LANGS = ("en", "zh-CN")


def warm_up(demo=None, views_only: bool = False, url: str | None = None) -> dict[str, float]:
    """Each tab's opening computation (``prefill``), the most visited first, and (unless ``views_only``) at the same
    time on a second thread every other translator, the beam search and the lesson's stops, which the first thread
    shares once its views are done; seconds each took (a failure is logged, never raised: warming is a courtesy).
    Two lines of work on two cores: most of a step is TensorFlow compiling a model's decoding loop, which runs
    outside Python's lock. ``url``: the server's, whose figure component (every page needs it) is compressed first
    on the second line."""
    from s2s_viz import default_translator, lesson

    from . import forcing, mha, translate
    from .common import model_names

    default = default_translator()
    views = prefill(demo) if demo is not None else []
    # the heads slider is live: each head count builds its own layers (60-160 ms the first time, 11 ms after)
    views.append(("mha heads", lambda: [mha.view("attention", h, 8, 0, False, 0, 8) for h in range(1, 9)]))
    from .page import figure_assets

    first = [("page's figure files", lambda: fetch_assets_once(url, figure_assets()))] if url else []
    if views_only:
        return _run([views, first])
    # every other translator (Compare, the pickers), with a short and a long sentence
    others = [
        (f"translate {name} {len(text)}", lambda name=name, text=text: translate.translate(name, text))
        for name in model_names("translator")
        if name != default
        for text in LENGTHS
    ]
    # beam search is compiled per width: the slider's starting width, for the default model; the forcing
    # comparison (its own compiled loop) with a long sentence
    others.append(("translate beam 4", lambda: translate.translate(default, translate.EXAMPLES[0], "beam", 4)))
    others.append(("forcing long", lambda: forcing.compare_forcing(default, LENGTHS[1], "Où est la gare ?")))
    # the lesson's stops: each question and view computed once per language and kept (``lesson.ask``), one language
    # after the other (the second reuses what the first compiled), early: the longest single step
    stops = ("lesson", lambda: [lesson.ask(key, lang) for lang in LANGS for key in lesson.STOPS])
    return _run([views, first], shared=[stops, *others])


def _run(lines: list[list], shared: list | None = None) -> dict[str, float]:
    """Each line of ``(name, step)`` pairs on its own thread, in order, then the ``shared`` steps, each taken by the
    first thread free; the seconds each step took."""
    import collections

    took, began = {}, time.perf_counter()
    waiting = collections.deque(shared or [])

    def steps_of(own):
        yield from own
        while True:
            try:
                yield waiting.popleft()
            except IndexError:
                return

    def run(index, own):
        for name, step in steps_of(own):
            started = time.perf_counter()
            try:
                step()
            except Exception as error:  # noqa: BLE001 - a model that fails here fails again, with its message, on use
                reason = str(error).splitlines()[0][:200] if str(error) else error
                log.info("warm-up: %s skipped (%s)", name, reason)
                continue
            took[name] = round(time.perf_counter() - started, 2)
        log.info("warm-up line %d done in %.1f s", index, time.perf_counter() - began)

    threads = [
        threading.Thread(target=run, args=(i, steps), name=f"s2s-viz-warm-up-{i}") for i, steps in enumerate(lines)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.info("warm-up done: %s", ", ".join(f"{name} {seconds} s" for name, seconds in took.items()))
    return took


def fetch_assets_once(url: str, names: list[str]) -> int:
    """Files of the page compressed into the server's cache (``assets.CompressedAssets``) before a page asks;
    returns how many came back compressed."""
    import urllib.request

    packed = 0
    for name in names:
        request = urllib.request.Request(f"{url.rstrip('/')}/assets/{name}", headers={"Accept-Encoding": "br"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                packed += response.headers.get("Content-Encoding") == "br"
        except OSError as error:
            log.warning("could not fetch %s ahead: %s", name, error)
    return packed


def warm_up_in_background(demo, then=None) -> threading.Thread | None:
    """Start the warm-up once ``demo`` answers: call it just before ``launch``. ``S2S_VIZ_WARM_UP=0``: none;
    ``views``: the tabs' views only (the tests' app, which has no one waiting on the other translators). ``then``:
    called once the warm-up is done (or at once, without a warm-up): work that would otherwise take a core from it."""
    from .page import figure_assets, page_assets

    how = os.environ.get("S2S_VIZ_WARM_UP", "1")
    if how == "0":
        if then is not None:
            then()
        return None

    def when_up():
        deadline = time.monotonic() + 300
        while not getattr(demo, "local_url", None) and time.monotonic() < deadline:
            time.sleep(0.2)
        warm_up(demo, views_only=how == "views", url=demo.local_url)
        if then is not None:
            then()
        # then every other script and style file (0.6 s of CPU in all): the first reader of a tab whose components
        # no page had asked for yet (the sketchpads' drawing library, the examples' table) waited for each to be
        # compressed as it was sent (a fresh server's first Bi-RNN view: 3.85 s, against 2.6 s once compressed)
        started, rest = time.perf_counter(), [name for name in page_assets() if name not in figure_assets()]
        packed = fetch_assets_once(demo.local_url, rest)
        log.info("page files compressed ahead: %d of %d in %.1f s", packed, len(rest), time.perf_counter() - started)

    thread = threading.Thread(target=when_up, name="s2s-viz-warm-up", daemon=True)
    thread.start()
    return thread
