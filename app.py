"""Hugging Face Spaces entry point: ``python app.py`` serves the lab on 0.0.0.0:7860.

GRADIO_SERVER_NAME and GRADIO_SERVER_PORT override the address, as Gradio reads them.
"""

import logging

# first: TensorFlow adds a log handler of its own where none is set, and would print each warning twice
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

from s2s_viz.backend import start_quietly  # noqa: E402

start_quietly()  # TensorFlow's start-up lines once, before the tabs import Keras

from s2s_viz.ui.early import start_early  # noqa: E402

start_early()  # the first views' models load and compile while Gradio is imported and the page built

from s2s_viz.ui import build_app  # noqa: E402
from s2s_viz.ui.launch import serve  # noqa: E402

demo = build_app()

if __name__ == "__main__":
    serve(demo)
