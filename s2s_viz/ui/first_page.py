"""A visitor's first page holds only the tab it opens.

Gradio's page is built in the browser from the configuration sent inside it: every component of every tab and every
event, 422 and 140 here. Its script walks that whole tree in several passes before it shows anything (linking each
component to its events, preparing each value), and loads the code of every kind of component named in it (the
digit tabs' drawing board among them): most of a first visit's wait, on a tab that shows a fraction of them. So the
first page a visitor opens is sent with the components of its own tab only (``one_tab``): the tab bar lists every
tab, the other tabs are empty, and each event whose trigger and inputs are all in the page is kept. Choosing another
tab there opens the whole page on that tab (the page's script, ``static/page.js``), once: the browser keeps a cookie
for the session, and every later page it asks for is the whole one, whose tabs change at once.

An event kept may write to components left out (the page-load event sets every tab's controls from a link): those
outputs go to one hidden sink in the page, so each value still lands in its place in the answer. The API, the
Python client and ``/config`` are untouched: only the page's own HTML is made lighter. ``S2S_VIZ_FIRST_PAGE=whole``
sends the whole page always.
"""

from __future__ import annotations

import json
import logging
import os
import re

from starlette.datastructures import Headers, QueryParams

from .assets import answered

log = logging.getLogger("s2s_viz.ui")

WHOLE_COOKIE = "s2s_whole_page"  # set by the page's script when the visitor first chooses another tab
MARK = "gradio_config = "  # where Gradio's page template writes its configuration (a JSON object)
_ESCAPED = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def light_pages() -> bool:
    return os.environ.get("S2S_VIZ_FIRST_PAGE", "").strip().lower() != "whole"


def one_tab(config: dict, tab: str, sink: int) -> dict | None:
    """``config`` (Gradio's page configuration, changed in place) with only the components of the tab whose id is
    ``tab`` (and those outside the tabs); None where it has no such tab or no component ``sink``."""
    components = {component["id"]: component for component in config.get("components", [])}
    if sink not in components:
        return None
    laid_out, kept, found = set(), set(), False

    def walk(node: dict, inside_other_tab: bool) -> None:
        nonlocal found
        laid_out.add(node["id"])
        component = components.get(node["id"], {})
        if component.get("type") == "tabitem":
            this = component.get("props", {}).get("id") == tab
            found = found or this
            kept.add(node["id"])
            if not this:  # listed in the tab bar, with nothing inside
                for child in node.get("children", []):
                    walk(child, True)
                node["children"] = []
                return
        elif not inside_other_tab:
            kept.add(node["id"])
        for child in node.get("children", []):
            walk(child, inside_other_tab)

    walk(config["layout"], False)
    if not found:
        return None
    kept |= set(components) - laid_out  # never laid out (a state, the API's own): kept
    events = []
    for event in config.get("dependencies", []):
        targets = [target for target in event["targets"] if target[0] in kept or target[0] not in components]
        if (event["targets"] and not targets) or any(each not in kept for each in event["inputs"]):
            continue
        if event["outputs"] and not any(each in kept for each in event["outputs"]):
            continue
        events.append({**event, "targets": targets, "outputs": [o if o in kept else sink for o in event["outputs"]]})
    ids = {event["id"] for event in events}
    while True:  # an event that follows one left out is left out
        following = [event for event in events if event.get("trigger_after") in (None, *ids)]
        if len(following) == len(events):
            break
        events, ids = following, {event["id"] for event in following}
    for event in events:
        event["cancels"] = [each for each in event.get("cancels") or [] if each in ids]
    config["components"] = [component for component in config["components"] if component["id"] in kept]
    config["dependencies"] = events
    for page in (config.get("page") or {}).values():
        page["layout"] = config["layout"]
        page["components"] = [each for each in page.get("components", []) if each in kept]
        page["dependencies"] = [each for each in page.get("dependencies", []) if each in ids]
    config["s2s_one_tab"] = tab
    return config


def one_tab_page(html: str, tab: str, sink: int) -> str | None:
    """Gradio's page ``html`` with its configuration made ``one_tab``; None where it is not the shape expected."""
    start = html.find(MARK)
    if start < 0 or html.find(MARK, start + 1) >= 0:
        return None
    start += len(MARK)
    try:
        config, end = json.JSONDecoder().raw_decode(html, start)
    except ValueError:
        return None
    made = one_tab(config, tab, sink)
    if made is None:
        return None
    # as Gradio's template writes it: nothing in the script can close it
    text = re.sub("[<>&\u2028\u2029]", lambda match: _ESCAPED[match.group()], json.dumps(made, ensure_ascii=False))
    return html[:start] + text + html[end:]


class OneTabFirstPage:
    """ASGI middleware: ``GET /`` (the page) from a browser without the whole-page cookie is answered with the
    opened tab alone (``?tab=``, else the first). Each tab's page is made once per configuration the server sends
    and per address the page is reached at (Gradio writes its own address into it), then served from memory: Gradio
    renders its page (the whole configuration copied and written out: 40 ms here) for every request."""

    MOST = 64  # pages kept: one per tab and address

    def __init__(self, app, demo):
        self.app, self.demo = app, demo
        self.tabs, self.sink = demo.s2s_one_tab
        self.made: dict[tuple, tuple] = {}
        self.warned = False

    async def __call__(self, scope, receive, send):
        asked = Headers(scope=scope)
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or scope.get("path") != "/"
            or not light_pages()
            or WHOLE_COOKIE in (asked.get("cookie") or "")
        ):
            await self.app(scope, receive, send)
            return
        query = QueryParams(scope.get("query_string", b""))
        tab = query.get("tab") or self.tabs[0]
        if tab not in self.tabs or "deep_link" in query:  # the page says what is wrong with the link: whole
            await self.app(scope, receive, send)
            return
        config = getattr(self.demo, "config", None)
        where = tuple(asked.get(name, "") for name in ("host", "x-forwarded-host", "x-forwarded-proto", "forwarded"))
        key = (tab, scope.get("scheme"), scope.get("root_path", ""), *where)
        kept = self.made.get(key)
        if kept is None or kept[0] is not config:
            made = await self._made(scope, receive, send, tab)
            if made is None:
                return
            kept = (config, *made)
            if len(self.made) >= self.MOST:
                self.made.clear()
            self.made[key] = kept
        _, headers, body = kept
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _made(self, scope, receive, send, tab: str) -> tuple[list, bytes] | None:
        """Gradio's page made one-tab: its headers and body; None where Gradio's answer was sent as it was."""
        messages, start, body = await answered(self.app, scope, receive)
        headers = Headers(raw=start.get("headers", []))
        made = None
        if (
            start.get("status") == 200
            and "text/html" in headers.get("content-type", "")
            and not headers.get("content-encoding")
        ):
            made = one_tab_page(body.decode("utf-8", errors="replace"), tab, self.sink)
            if made is None and not self.warned:
                self.warned = True
                log.warning("Gradio's page is not the shape expected: the whole page is sent to every visitor")
        if made is None:
            for message in messages:
                await send(message)
            return None
        made_bytes = made.encode("utf-8")
        dropped = {b"content-length", b"set-cookie"}  # served to every visitor: nobody's cookie
        raw = [(key, value) for key, value in start["headers"] if key.lower() not in dropped]
        raw.append((b"content-length", str(len(made_bytes)).encode()))
        return raw, made_bytes
