"""Warm-up: once the server answers, compute every tab's try-this in a background thread, so that the first
person to open a tab does not wait for models to load and for TensorFlow to trace them."""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger("s2s_viz.ui")


def warm_up() -> dict[str, float]:
    """Each tab's opening computation, the default model first; seconds each took (a failure is logged, never
    raised: warming is a courtesy)."""
    from s2s_viz.data.sources import mnist_here

    from . import birnn, forcing, mha, transformer, translate, vit
    from .common import default_translator, model_names

    default = default_translator()
    steps = [
        ("translate", lambda: translate.translate(default, translate.EXAMPLES[0])),
        ("forcing", lambda: forcing.compare_forcing(default, *forcing.EXAMPLES[0])),
        ("mha", lambda: mha.mha("attention", 2, 8, 0, False, 0)),
    ]
    steps += [
        (f"transformer {name}", lambda name=name: transformer.transformer_attention(name, "I am cold.", "", 0, 0))
        for name in model_names("translator", "transformer")[:1]
    ]
    if mnist_here():
        steps += [
            ("birnn", lambda: birnn.classify_digit("birnn-mnist", None, None, 0, "test image")),
            ("vit", lambda: vit.vit_attention("vit-mnist", None, None, 0, "test image")),
        ]
    # the other translators (Compare, the pickers), one sentence each
    steps += [
        (f"translate {name}", lambda name=name: translate.translate(name, translate.EXAMPLES[0]))
        for name in model_names("translator")
        if name != default
    ]
    took = {}
    for name, step in steps:
        started = time.perf_counter()
        try:
            step()
        except Exception as error:  # noqa: BLE001 - a model that fails here fails again, with its message, on use
            log.info("warm-up: %s skipped (%s)", name, str(error).splitlines()[0][:200] if str(error) else error)
            continue
        took[name] = round(time.perf_counter() - started, 2)
    log.info("warm-up done: %s", ", ".join(f"{name} {seconds} s" for name, seconds in took.items()))
    return took


def warm_up_in_background(demo) -> threading.Thread | None:
    """Start the warm-up (unless ``S2S_VIZ_WARM_UP=0``) once ``demo`` answers: call it just before ``launch``."""
    if os.environ.get("S2S_VIZ_WARM_UP", "1") == "0":
        return None

    def when_up():
        deadline = time.monotonic() + 300
        while not getattr(demo, "local_url", None) and time.monotonic() < deadline:
            time.sleep(0.2)
        warm_up()

    thread = threading.Thread(target=when_up, name="s2s-viz-warm-up", daemon=True)
    thread.start()
    return thread
