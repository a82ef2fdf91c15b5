"""Serving the lab: the address, the upload limit, the translations, the page's files, and the warm-up."""

from __future__ import annotations

import os

import gradio as gr

from s2s_viz.training.progress import keep_a_spare

from .assets import app_options
from .i18n import translations
from .page import STYLE, head
from .train import FOLLOWERS
from .warm_up import warm_up_in_background

# Gradio keeps each page's session (about 0.5 MB here: a copy of every component's settings) until this many newer
# ones push it out; its default, 10,000, would let API calls that name no session take gigabytes.
SESSIONS = int(os.environ.get("S2S_VIZ_SESSIONS", "400"))


def launch_options(demo: gr.Blocks | None = None) -> dict:
    """What ``launch`` needs besides the address: the translations, the page's style and script, the middleware
    (``demo``'s), the bound on sessions kept."""
    return {
        "i18n": translations(),
        "css_paths": [STYLE],
        "head": head(),
        "app_kwargs": app_options(demo),
        "state_session_capacity": SESSIONS,
        "max_threads": 40 + FOLLOWERS,  # Gradio's 40, and one for each training that waits in the line
    }


def serve(demo: gr.Blocks) -> None:
    """Serve ``demo`` on GRADIO_SERVER_NAME:GRADIO_SERVER_PORT (0.0.0.0:7860 by default), computing every tab's
    try-this once the server answers."""
    # each training starts in a process that has loaded TensorFlow already: started once the warm-up is done (loading
    # TensorFlow takes a core for seconds, which the server's own start and warm-up need more), at a training's lower
    # priority (the first visitors' requests come first)
    warm_up_in_background(demo, then=keep_a_spare)
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size="10mb",
        show_error=True,
        **launch_options(demo),
    )
