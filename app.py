"""Hugging Face Spaces entry point: ``python app.py`` serves the lab on 0.0.0.0:7860.

GRADIO_SERVER_NAME and GRADIO_SERVER_PORT override the address, as Gradio reads them.
"""

import logging
import os

from s2s_viz.ui import build_app
from s2s_viz.ui.share import launch_options
from s2s_viz.ui.warm import warm_up_in_background

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
demo = build_app()

if __name__ == "__main__":
    warm_up_in_background(demo)  # every tab's try-this, computed once the server answers
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size="10mb",
        show_error=True,
        **launch_options(),
    )
