"""Each visitor's work is their own: a browser is a visitor, named by a random id in a cookie the server sets on its
first answer (``gradio_client`` keeps it for the life of a ``Client``; a client that sends none is a visitor for its
session). Every event of the page runs with that visitor set (``checkpoints.VISITOR``), so the core saves a
visitor's trainings in its own folder and lists them for it alone."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import secrets

import gradio as gr
from starlette.datastructures import MutableHeaders

from s2s_viz.checkpoints import VISITOR, VISITOR_PATTERN

COOKIE = "s2s_visitor"
YEAR_S = 365 * 24 * 3600


class VisitorCookie:
    """ASGI middleware: a request without a valid visitor cookie gets one with its answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        # the page's script and style files are the same for everyone (and cached as such): no cookie with them
        static = "/assets/" in scope.get("path", "")
        if scope["type"] != "http" or static or VISITOR_PATTERN.fullmatch(_cookie(scope) or ""):
            await self.app(scope, receive, send)
            return
        visitor = secrets.token_hex(16)

        async def with_cookie(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", f"{COOKIE}={visitor}; Path=/; Max-Age={YEAR_S}; HttpOnly; SameSite=Lax")
            await send(message)

        await self.app(scope, receive, with_cookie)


REFUSALS: dict[str, str] = {}  # event id -> the refusal its function raises (``fair.py`` refuses as it queues)


def refusal_for_this_event() -> str | None:
    """The refusal of the request being answered, if it was refused as it joined the queue (read once)."""
    from gradio.context import LocalContext

    event_id = LocalContext.event_id.get(None)
    return REFUSALS.pop(event_id, None) if event_id else None


def _cookie(scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, found = part.strip().partition("=")
                if name == COOKIE:
                    return found
    return None


def current_visitor() -> str | None:
    """The visitor of the request being answered (``visitor_from`` its request)."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    return None if request is None else visitor_from(request, getattr(request, "session_hash", None))


def visitor_from(request, session_hash: str | None) -> str | None:
    """A request's visitor: its cookie's id, else one made from its Gradio session."""
    try:
        found = request.cookies.get(COOKIE, "") if request is not None else ""
    except AttributeError:
        found = ""
    if VISITOR_PATTERN.fullmatch(found or ""):
        return found
    return hashlib.sha256(session_hash.encode()).hexdigest()[:32] if session_hash else None


def each_visitor_apart(demo: gr.Blocks) -> None:
    """Run every event of ``demo`` as its visitor (and answer a request refused as it joined with its refusal)."""
    for block_fn in demo.fns.values():
        if block_fn.fn is not None:
            block_fn.fn = _as_visitor(block_fn.fn)


_DONE = object()


def _as_visitor(fn):
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def streamed(*args, **kwargs):
            _refused_as_it_joined()
            running = fn(*args, **kwargs)
            while True:
                with _answering(fn):  # each step may run in another worker thread
                    item = next(running, _DONE)
                if item is _DONE:
                    return
                yield item

        return streamed

    @functools.wraps(fn)
    def answered(*args, **kwargs):
        _refused_as_it_joined()
        with _answering(fn):
            return fn(*args, **kwargs)

    return answered


@contextlib.contextmanager
def _answering(fn):
    """Run a step of ``fn`` as the request's visitor; what is not a refusal becomes one (``_unexpected``)."""
    token = VISITOR.set(current_visitor())
    try:
        yield
    except gr.Error:
        raise
    except Exception as error:  # noqa: BLE001 - see _unexpected
        raise _unexpected(fn, error) from error
    finally:
        VISITOR.reset(token)


def _refused_as_it_joined() -> None:
    from .common import refuse

    refusal = refusal_for_this_event()
    if refusal:
        raise refuse(refusal)


def _unexpected(fn, error: Exception) -> Exception:
    """What is not a refusal (a fault of ours, or a value no check caught) is logged with its traceback on the
    server and answered with a sentence: no exception text or server path reaches the visitor."""
    import logging

    from .common import refuse

    logging.getLogger("s2s_viz.ui").exception("unexpected %s in %s", type(error).__name__, fn.__name__)
    return refuse(f"this request could not be answered ({type(error).__name__}); the server has logged it")
