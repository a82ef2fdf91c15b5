"""The Gradio app: one file per tab, plus the builder (``build_app``). Wiring and words, no maths.

``build_app`` is imported when first asked for: ``ui.early`` (the warm-up's start) runs before Gradio is imported."""

from __future__ import annotations

__all__ = ["build_app"]


def __getattr__(name: str):
    if name == "build_app":
        from .app import build_app

        return build_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
