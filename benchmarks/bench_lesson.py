"""The lesson in the page: each stop's words and question after the click on *next*, and its view after the click on
*Answer* (target: <= 1.5 s each on a quiet 2-core machine), measured in Chromium against the running app after its
warm-up; and, in a class, the seconds until a student's page follows the teacher to the next stop.

    s2s-viz bench lesson [--walks 3] [--save]
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

from s2s_viz import lesson  # noqa: E402
from s2s_viz.bench import free_ports, write_result  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOWN = "document.querySelector('#lesson-text')?.innerText.trim().startsWith('{}.')"
VIEW = (
    "document.querySelector('#lesson-verdict')?.innerText.startsWith('✓') &&"
    " (document.querySelector('#lesson-view .js-plotly-plot .main-svg')"
    " || document.querySelector('#lesson-table .table-container'))"
)


def walk(page, url: str) -> dict[str, tuple[float, float]]:
    """One walk through every stop: seconds from the click to the stop shown, and from Answer to its view."""
    page.goto(url + "?tab=lesson", wait_until="load", timeout=120_000)
    page.wait_for_function(SHOWN.format(1), timeout=120_000)
    times = {}
    for number, key in enumerate(lesson.STOPS, start=1):
        opened = 0.0
        if number > 1:
            started = time.perf_counter()
            page.click("#lesson-next")
            page.wait_for_function(SHOWN.format(number), timeout=60_000, polling="raf")
            opened = time.perf_counter() - started
        question = lesson.ask(key)
        if question.choices is None:
            page.fill("#lesson-number input", f"{float(question.answer):g}")
        else:
            page.locator("#lesson-choice").get_by_label(str(question.answer), exact=True).check()
        started = time.perf_counter()
        page.click("#lesson-answer")
        page.wait_for_function(VIEW, timeout=60_000, polling="raf")
        times[key] = (opened, time.perf_counter() - started)
    return times


def following(browser, url: str) -> float:
    """A class of one student: seconds from the teacher's click on *next* to the student's page at that stop."""
    teacher, student = (browser.new_context().new_page() for _ in range(2))
    teacher.goto(url + "?tab=lesson", wait_until="load", timeout=120_000)
    teacher.wait_for_function(SHOWN.format(1), timeout=60_000)
    teacher.get_by_text("a class that answers together").click()
    teacher.click("#class-open")
    teacher.wait_for_function("document.querySelector('#class-status')?.innerText.includes('is open')")
    code = teacher.inner_text("#class-status").split("Class ", 1)[1].split()[0]
    student.goto(url + f"?tab=lesson&class={code}", wait_until="load", timeout=120_000)
    student.wait_for_function(SHOWN.format(1), timeout=60_000)
    student.get_by_text("a class that answers together").click()
    student.wait_for_function(f"document.querySelector('#class-code textarea')?.value === '{code}'")
    student.click("#class-join")
    student.wait_for_function("document.querySelector('#class-status')?.innerText.includes('You are in class')")
    started = time.perf_counter()
    teacher.click("#lesson-next")
    student.wait_for_function(SHOWN.format(2), timeout=60_000, polling="raf")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--walks", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_ports(1)[0]
    process, answered, warm = start_app(port, tempfile.mkdtemp(prefix="bench-lesson-"))
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            walks = []
            for _ in range(args.walks):
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                walks.append(walk(page, url))
                page.context.close()
            follow = [following(browser, url) for _ in range(3)]
            browser.close()
    finally:
        process.terminate()
    per_stop = {
        key: {
            "open_s": round(statistics.median(w[key][0] for w in walks), 3),
            "answer_to_view_s": round(statistics.median(w[key][1] for w in walks), 3),
        }
        for key in lesson.STOPS
    }
    worst_open = max(stop["open_s"] for stop in per_stop.values())
    worst_view = max(stop["answer_to_view_s"] for stop in per_stop.values())
    write_result(
        "lesson",
        {
            "app_answered_s": round(answered, 1),
            "warm_up_done_s": round(warm, 1),
            "walks": args.walks,
            "per_stop_medians": per_stop,
            "slowest_stop_open_s": worst_open,
            "slowest_answer_to_view_s": worst_view,
            "target_s": 1.5,
            "class_student_follows_s_median": round(statistics.median(follow), 2),
            "class_tick_s": 2.0,
        },
    )


if __name__ == "__main__":
    main()
