"""Each tab's *try this*, done as its text says, in Chromium against the running app after its warm-up: seconds from
the click to the first result drawn (target: <= 3 s on a quiet 2-core machine), and for the Train tab's default run
the seconds to a finished model (target: <= 30 s).

    s2s-viz bench try_this [--repeats 3] [--save]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import start_app  # noqa: E402

from s2s_viz.bench import free_ports, write_result  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# a figure drawn after the click: each new value is drawn with a new layout object (the page's script fits a fresh
# copy of what the server sent), so the result is the first frame whose figure has another layout than before
FRESH = "Array.from(document.querySelectorAll('{0} .js-plotly-plot')).some(p => p.layout && p.layout !== p.s2sBefore)"


def _stroke(page, tab: str) -> None:
    """A 7 on the tab's sketchpad: across, then down."""
    page.locator(f"#{tab}-source").get_by_label("draw", exact=True).check()
    page.wait_for_selector(f"#tab-{tab} .digit-sketch button[aria-label='Brush Size']", timeout=30_000)
    canvas = page.locator(f"#tab-{tab} .digit-sketch canvas").first
    box = canvas.bounding_box()
    x, y, w, h = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.25, box["width"], box["height"]
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 8):
        page.mouse.move(x + step * w * 0.025, y)
    for step in range(1, 10):
        page.mouse.move(x + w * 0.175 - step * w * 0.01, y + step * h * 0.05)
    page.mouse.up()


# tab -> (what the text asks to do, the button, the figure that shows the result). Each input differs from the one the
# tab opens with (a result equal to the one shown is not drawn again, so it could not be timed): the try this's
# action with a sentence of the same kind where the tab opens on the try's own sentence.
TRIES = {
    "translate": (
        lambda p: p.fill("#tab-translate textarea >> nth=0", "I am very cold."),
        "#translate-button",
        "#translate-heatmap",
    ),
    "data": (
        lambda p: p.fill("#tab-data textarea >> nth=1", "Va-t'en tout de suite !"),
        "#data-button",
        "#data-decoder-target",
    ),
    "forcing": (
        lambda p: (
            p.fill("#tab-forcing textarea >> nth=0", "They hugged."),
            p.fill("#tab-forcing textarea >> nth=1", "Ils se sont enlacés."),
        ),
        "#tab-forcing button.primary",
        "#forcing-figure",
    ),
    "mha": (
        lambda p: p.fill("#tab-mha textarea >> nth=0", "attention please"),
        "#tab-mha button.primary",
        "#mha-softmax",
    ),
    "transformer": (
        lambda p: p.fill("#tab-transformer textarea >> nth=0", "We are cold."),
        "#tab-transformer button.primary",
        "#transformer-heatmap",
    ),
    "birnn": (lambda p: _stroke(p, "birnn"), "#tab-birnn button.primary", "#birnn-probabilities"),
    "vit": (lambda p: _stroke(p, "vit"), "#vit-button", "#vit-attention"),
}


def one_try(page, url: str, tab: str) -> float:
    setup, button, figure = TRIES[tab]
    page.goto(url + f"?tab={tab}", wait_until="load", timeout=120_000)
    page.wait_for_selector(f"{figure} .js-plotly-plot .main-svg", timeout=120_000)
    page.wait_for_function(  # the tab's own first computation done
        "!Array.from(document.querySelectorAll('[data-testid=status-tracker]:not(.hide)')).some(e => e.offsetParent)",
        timeout=120_000,
    )
    setup(page)
    page.evaluate(f"document.querySelectorAll('{figure} .js-plotly-plot').forEach(p => p.s2sBefore = p.layout)")
    started = time.perf_counter()
    page.click(button)
    page.wait_for_function(FRESH.format(figure), timeout=60_000, polling="raf")
    return time.perf_counter() - started


def train_default(page, url: str) -> float:
    """The Train tab's default run (its *try this*): seconds from Start to the finished model's status."""
    page.goto(url + "?tab=train", wait_until="load", timeout=120_000)
    page.wait_for_selector("#train-start", timeout=120_000)
    page.fill("#train-name input, #train-name textarea", f"try-{int(time.time() * 1000) % 100000}")
    started = time.perf_counter()
    page.click("#train-start")
    page.wait_for_function(
        "(document.querySelector('#train-status')?.innerText || '').includes('Finished')", timeout=180_000
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_ports(1)[0]
    process, answered, warm = start_app(port, tempfile.mkdtemp(prefix="bench-try-"))
    url = f"http://127.0.0.1:{port}/"
    times: dict[str, list[float]] = {tab: [] for tab in [*TRIES, "train"]}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for _ in range(args.repeats):
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                for tab in TRIES:
                    times[tab].append(one_try(page, url, tab))
                page.context.close()
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            times["train"].append(train_default(page, url))
            browser.close()
    finally:
        process.terminate()
    medians = {tab: round(statistics.median(values), 3) for tab, values in times.items()}
    write_result(
        "try_this",
        {
            "app_answered_s": round(answered, 1),
            "warm_up_done_s": round(warm, 1),
            "repeats": args.repeats,
            "click_to_first_result_s_median": {tab: medians[tab] for tab in TRIES},
            "slowest_s": max(medians[tab] for tab in TRIES),
            "target_s": 3.0,
            "train_default_run_to_finished_model_s": medians["train"],
            "train_target_s": 30.0,
            "all_s": {tab: [round(v, 3) for v in values] for tab, values in times.items()},
        },
    )


if __name__ == "__main__":
    main()
