"""Hugging Face Spaces entry point: ``python app.py`` serves the lab on 0.0.0.0:7860.

GRADIO_SERVER_NAME and GRADIO_SERVER_PORT override the address, as Gradio reads them.
"""

import logging

from s2s_viz.backend import start_quietly

start_quietly()  # TensorFlow's start-up lines once, before the tabs import Keras

from s2s_viz.ui import build_app  # noqa: E402
from s2s_viz.ui.launch import serve  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
demo = build_app()

if __name__ == "__main__":
    serve(demo)
