"""The page's script and style files, each compressed once.

Gradio compresses every response as it sends it (brotli, or gzip for a client without brotli), in the server's
event loop: its figure component (plotly.js inside, 4.6 MB) costs 0.15-0.3 s of CPU per page opened, during which
every other request of every page waits, and a class opening the app at once pays it once per student. Those files
are named after a hash of their content (``assets/PlotlyPlot-D9Pvz5DK.js``), so the same name always holds the same
bytes: here each is compressed once, in a worker thread, and served from memory afterwards; Gradio's own compressor
passes an already-encoded response through.

The figure component itself is served lighter: Gradio's chunk carries the whole of plotly.js (every kind of chart,
4.6 MB), and evaluating it was the largest single piece of work before a page's first figure (0.3-0.8 s of the
page's main thread on this project's 2-core machine, by profile and trace). Every figure this app draws is a
heatmap, a line or a bar: plotly.js's core (which holds lines) with its bar and heatmap traces, built by
``scripts/plotly-bundle`` with plotly.js's own build settings (``static/plotly-s2s-*.min.js``, 1.2 MB, MIT), is served
in place of the chunk's own (``lighter_figure_chunk``). Its evaluation takes half the time of plotly.js's cartesian
bundle's (1.4 MB, more kinds of chart: 196 against 395 ms in Chromium here, medians of 6), and every first visit's
first figure came 0.2 s sooner. ``S2S_VIZ_PLOTLY=full`` serves Gradio's chunk as it is.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import os
import re
from pathlib import Path

import anyio
import brotli
from starlette.datastructures import Headers

log = logging.getLogger("s2s_viz.ui")

SUFFIXES = (".js", ".css")
MOST = 1200  # files kept: Gradio's front end has about 860 (4.9 MB compressed)
PLOTLY = Path(__file__).parent / "static" / "plotly-s2s-3.4.0.min.js"
FIGURE_CHUNK = re.compile(r"/assets/(PlotlyPlot-[\w-]+\.js)$")
# in Gradio's figure chunk: where its bundled plotly.js starts (a module wrapper around plotly's UMD header) ...
BUNDLE_START = re.compile(
    r"var (\w+)=\w+\(\w+\(\(\(\w+,\w+\)=>\{\(function\(\w+,\w+\)\{typeof \w+==`object`&&\w+\.exports"
)
# ... and ends (plotly's last line, then the wrappers' calls)
BUNDLE_END = re.compile(r"return window\.Plotly=\w+,\w+\}\)\}\)\)\(\)\)")


def lighter_figure_chunk(chunk: str, bundle: str = PLOTLY.name) -> str | None:
    """Gradio's figure component with its plotly.js replaced by an import of ``bundle`` (a plotly.js build that sets
    ``window.Plotly``, served beside it); None where the chunk is not the shape this expects (another Gradio)."""
    start, end = BUNDLE_START.search(chunk), BUNDLE_END.search(chunk)
    if start is None or end is None or end.start() < start.start() or BUNDLE_START.search(chunk, start.end()):
        return None
    # the component reads plotly as its bundler's wrapper gives it: ``name.default``
    plotly = f"var {start.group(1)}={{default:window.Plotly}}"
    return f'import"./{bundle}";' + chunk[: start.start()] + plotly + chunk[end.end() :]


@functools.cache
def lighter_figure_files() -> dict[str, bytes]:
    """The figure files served in place of Gradio's, by name: its figure chunk made lighter, and plotly's bundle
    (empty where the chunk is not the shape expected: then Gradio's own is served, and the log says so once)."""
    from .page import ASSETS

    files = {}
    for chunk in sorted(ASSETS.glob("PlotlyPlot-*.js")):
        made = lighter_figure_chunk(chunk.read_text(encoding="utf-8"))
        if made is None:
            log.warning("Gradio's figure chunk %s is not the shape expected: plotly.js is served whole", chunk.name)
            return {}
        files[chunk.name] = made.encode("utf-8")
    return {**files, PLOTLY.name: PLOTLY.read_bytes()} if files else {}


def plotly_served() -> str:
    """Which plotly.js the page gets: ``lighter`` (the default: ``PLOTLY``) or ``full`` (``S2S_VIZ_PLOTLY=full``)."""
    return "full" if os.environ.get("S2S_VIZ_PLOTLY", "").strip().lower() == "full" else "lighter"


class CompressedAssets:
    """ASGI middleware: ``GET .../assets/NAME.js|css`` answered from a cache of compressed responses."""

    def __init__(self, app):
        self.app = app
        self.cache: dict[tuple[str, str], tuple[int, list, bytes]] = {}

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or "/assets/" not in path
            or not path.endswith(SUFFIXES)
        ):
            await self.app(scope, receive, send)
            return
        own = self._figure_file(path) if plotly_served() == "lighter" else None
        if own is not None:
            await self._send_own(scope, send, path, own)
            return
        accepted = Headers(scope=scope).get("accept-encoding", "")  # a conditional request: Gradio answers 304
        encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
        asked = Headers(scope=scope)
        if encoding is None or asked.get("range") or asked.get("if-none-match") or asked.get("if-modified-since"):
            await self.app(scope, receive, send)
            return
        answer = self.cache.get((path, encoding))
        if answer is None:
            messages, start, body = await answered(self.app, scope, receive)
            if start.get("status") != 200:
                for message in messages:
                    await send(message)
                return
            packed = await anyio.to_thread.run_sync(_compress, body, encoding)
            # a cookie set for one reader is never served from the cache to another
            dropped = {b"content-length", b"content-encoding", b"transfer-encoding", b"vary", b"set-cookie"}
            headers = [(key, value) for key, value in start["headers"] if key.lower() not in dropped]
            headers += [
                (b"content-encoding", encoding.encode()),
                (b"content-length", str(len(packed)).encode()),
                (b"vary", b"Accept-Encoding"),
            ]
            answer = (200, headers, packed)
            if len(self.cache) < MOST:
                self.cache[(path, encoding)] = answer
        status, headers, packed = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": packed})

    def _figure_file(self, path: str) -> bytes | None:
        """The bytes this app serves for a figure file itself (the lighter chunk, or plotly's bundle), else None."""
        if not FIGURE_CHUNK.search(path) and not path.endswith("/" + PLOTLY.name):
            return None
        return lighter_figure_files().get(path.rsplit("/", 1)[-1])

    async def _send_own(self, scope, send, path: str, body: bytes) -> None:
        """A figure file of this app's: compressed once as the others are; a conditional request answered 304."""
        asked = Headers(scope=scope)
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if asked.get("if-none-match") == tag:
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", tag.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        accepted = asked.get("accept-encoding", "")
        encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
        answer = self.cache.get((path, encoding or "identity"))
        if answer is None:
            packed = body if encoding is None else await anyio.to_thread.run_sync(_compress, body, encoding)
            headers = [(b"content-type", b"text/javascript; charset=utf-8"), (b"etag", tag.encode())]
            headers += [(b"content-encoding", encoding.encode())] if encoding else []
            headers += [(b"content-length", str(len(packed)).encode()), (b"vary", b"Accept-Encoding")]
            answer = (200, headers, packed)
            self.cache[(path, encoding or "identity")] = answer
        status, headers, packed = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": packed})


async def answered(app, scope, receive) -> tuple[list, dict, bytes]:
    """The downstream ``app``'s whole answer to a request, kept to be changed or sent later: every message, the
    response's start and its body."""
    messages = []

    async def keep(message):
        messages.append(message)

    await app(scope, receive, keep)
    start = next((message for message in messages if message["type"] == "http.response.start"), {})
    body = b"".join(message.get("body", b"") for message in messages if message["type"] == "http.response.body")
    return messages, start, body


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=5, mode=brotli.MODE_TEXT)
    return gzip.compress(body, compresslevel=6)


def app_options(demo=None) -> dict:
    """``launch(app_kwargs=...)``: the middleware (bounded bodies, compressed assets, the visitor's cookie, and, for
    ``demo`` built by ``build_app``, the first page with its opened tab alone)."""
    from starlette.middleware import Middleware

    from .bounds import BoundedBodies
    from .first_page import OneTabFirstPage
    from .visitors import VisitorCookie

    middleware = [Middleware(BoundedBodies), Middleware(CompressedAssets), Middleware(VisitorCookie)]
    if getattr(demo, "s2s_one_tab", None) is not None:
        middleware.append(Middleware(OneTabFirstPage, demo=demo))
    return {"middleware": middleware}
