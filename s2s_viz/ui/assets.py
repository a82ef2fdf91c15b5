"""The page's script and style files, each compressed once.

Gradio compresses every response as it sends it (brotli, or gzip for a client without brotli), in the server's
event loop: its figure component (plotly.js inside, 4.6 MB) costs 0.15-0.3 s of CPU per page opened, during which
every other request of every page waits, and a class opening the app at once pays it once per student. Those files
are named after a hash of their content (``assets/PlotlyPlot-D9Pvz5DK.js``), so the same name always holds the same
bytes: here each is compressed once, in a worker thread, and served from memory afterwards; Gradio's own compressor
passes an already-encoded response through.
"""

from __future__ import annotations

import gzip

import anyio
import brotli
from starlette.datastructures import Headers

SUFFIXES = (".js", ".css")
MOST = 1200  # files kept: Gradio's front end has about 860 (4.9 MB compressed)


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
        accepted = Headers(scope=scope).get("accept-encoding", "")  # a conditional request: Gradio answers 304
        encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
        asked = Headers(scope=scope)
        if encoding is None or asked.get("range") or asked.get("if-none-match") or asked.get("if-modified-since"):
            await self.app(scope, receive, send)
            return
        answer = self.cache.get((path, encoding))
        if answer is None:
            messages = []

            async def keep(message):
                messages.append(message)

            await self.app(scope, receive, keep)
            start = messages[0]
            if start["type"] != "http.response.start" or start["status"] != 200:
                for message in messages:
                    await send(message)
                return
            body = b"".join(message.get("body", b"") for message in messages[1:])
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


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=5, mode=brotli.MODE_TEXT)
    return gzip.compress(body, compresslevel=6)


def app_options() -> dict:
    """``launch(app_kwargs=...)``: the middleware (bounded bodies, compressed assets, the visitor's cookie)."""
    from starlette.middleware import Middleware

    from .bounds import BoundedBodies
    from .visitors import VisitorCookie

    return {"middleware": [Middleware(BoundedBodies), Middleware(CompressedAssets), Middleware(VisitorCookie)]}
