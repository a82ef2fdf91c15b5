"""Request bodies bounded: an upload is held to Gradio's ``max_file_size`` (10 MB) by Gradio itself; every other
request body (a queued call's JSON: a sentence, a sketch's file references) to ``S2S_VIZ_MAX_BODY_BYTES`` (1 MB),
whether it says its length or streams it, before the app reads it whole."""

from __future__ import annotations

import os

UPLOADS = ("/upload", "/gradio_api/upload")


class BoundedBodies:
    """ASGI middleware: a request body over the bound is answered 413 with one sentence."""

    def __init__(self, app):
        self.app = app
        self.most = int(os.environ.get("S2S_VIZ_MAX_BODY_BYTES", str(2**20)))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD") or scope["path"].endswith(UPLOADS):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.most:
            await _too_large(send, self.most)
            return
        # a body without a declared length is read here first, up to the bound, and handed on whole
        if declared is None:
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message]), send)
                    return
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.most:
                    await _too_large(send, self.most)
                    return
                more = message.get("more_body", False)
            receive = _replay([{"type": "http.request", "body": b"".join(chunks), "more_body": False}], receive)
        await self.app(scope, receive, send)


def _replay(messages: list, then=None):
    async def receive():
        if messages:
            return messages.pop(0)
        return await then() if then is not None else {"type": "http.disconnect"}

    return receive


async def _too_large(send, most: int) -> None:
    body = f'{{"detail": "the request is larger than {most:,} bytes"}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
