"""The warm-up's start, before the page is built: the lab spends ~2.5 s importing Gradio and building the page, much of
it on one core, while the first views' models could already be loading and compiling on the other. No Gradio here
(importing it is what this overlaps)."""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger("s2s_viz.ui")

SENTENCE = "I am cold."


def start_early() -> threading.Thread | None:
    """Load the default translator and the shipped Transformer and decode a sentence with each (their first views'
    longest steps: loading, tracing and compiling), in a thread; ``S2S_VIZ_WARM_UP=0``: nothing. The warm-up proper
    (``warm_up``) finds them ready, or waits for the model lock while they finish."""
    if os.environ.get("S2S_VIZ_WARM_UP", "1") == "0":
        return None

    def run():
        import s2s_viz

        started = time.perf_counter()
        names = [s2s_viz.default_translator()]
        names += [
            info.name
            for info in s2s_viz.list_models(kind="translator")
            if info.origin == "shipped" and info.architecture == "transformer" and not info.broken
        ][:1]
        for name in dict.fromkeys(name for name in names if name):
            try:
                s2s_viz.loaded(name).translate(SENTENCE)  # a Transformer's maps too (they come with its translation)
            except Exception as error:  # noqa: BLE001 - a courtesy: the warm-up proper says what fails
                log.info("early warm-up: %s skipped (%s)", name, str(error).splitlines()[0][:200])
        log.info("early start of the warm-up: first models ready in %.1f s", time.perf_counter() - started)

    thread = threading.Thread(target=run, name="s2s-viz-early-warm-up", daemon=True)
    thread.start()
    return thread
