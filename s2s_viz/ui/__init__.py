"""The Gradio app: one file per tab, plus the builder (``build_app``). Wiring and words, no maths."""

from .app import build_app

__all__ = ["build_app"]
