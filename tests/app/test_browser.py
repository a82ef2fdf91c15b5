"""A person's path through the app in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import data_file

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(app_url, wait_until="load", timeout=60_000)
    page.wait_for_selector("#translate-button", timeout=60_000)
    return page


def test_translate_draws_a_heatmap(page):
    page.fill("#translate-input textarea", "I am cold.")
    page.click("#translate-button")
    page.wait_for_function("document.querySelector('#translate-output textarea').value.length > 0", timeout=60_000)
    assert page.input_value("#translate-output textarea")
    from s2s_viz.ui.common import default_translator, get_model

    if get_model(default_translator()).has_attention:
        page.wait_for_selector("#translate-heatmap .js-plotly-plot .heatmaplayer", timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "translate.png"), full_page=True)


@pytest.mark.skipif(
    data_file("mnist/mnist.npz") is None, reason="the test images come from mnist.npz under S2S_VIZ_DATA"
)
def test_vit_tab_classifies_an_example(page):
    page.get_by_role("tab", name="Vision Transformer").click()
    page.locator("#vit-source").get_by_label("test image").check()
    page.click("#vit-button")
    page.wait_for_selector("#vit-probabilities .js-plotly-plot .bars", timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "vit.png"), full_page=True)


def test_one_epoch_training_moves_the_curve(page):
    page.get_by_role("tab", name="Train").click()
    page.fill("#train-name textarea", "browser-trained")
    page.fill("#train-epochs input", "1")
    page.click("#train-start")
    page.wait_for_function("document.querySelector('#train-status').innerText.includes('Finished')", timeout=240_000)
    traces = page.evaluate(
        "Array.from(document.querySelector('#train-curves .js-plotly-plot').data,"
        " t => ({name: t.name, y: Array.from(t.y)}))"
    )
    loss = next(trace["y"] for trace in traces if trace["name"] == "loss")
    assert len(loss) >= 2 and loss[-1] < loss[0]  # the training loss fell during the epoch
    page.screenshot(path=str(SCREENSHOTS / "train.png"), full_page=True)


def test_the_interface_speaks_simplified_chinese(browser, app_url):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page.goto(app_url, wait_until="load", timeout=60_000)
    page.get_by_role("tab", name="训练").wait_for(timeout=60_000)
    assert page.get_by_role("tab", name="视觉 Transformer").is_visible()
    assert "序列模型实验室" in page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / "chinese.png"))
    page.close()


def test_a_broken_checkpoint_is_named_on_the_page_without_server_paths(page, app_user_models):
    notice = page.inner_text("#broken-models")
    assert "`broken`" not in notice and "broken is left out of the model lists" in notice.replace("`", "")
    assert "unreadable card" in notice and str(app_user_models) not in notice


def test_transformer_sliders_span_the_models_layers_and_heads(page):
    import json

    from s2s_viz.checkpoints import shipped_dir

    spec = json.loads((shipped_dir() / "transformer-char-en-fr.json").read_text())["model_config"]
    page.get_by_role("tab", name="Transformer", exact=True).click()
    page.wait_for_function(
        f"document.querySelector('input[aria-label=\"range slider for layer\"]').max === '{spec['num_layers'] - 1}'",
        timeout=30_000,
    )
    maxima = page.evaluate(
        "Array.from(document.querySelectorAll('input[type=range]')).filter(e => e.offsetParent)"
        ".map(e => [e.getAttribute('aria-label'), e.max])"
    )
    limits = {label.removeprefix("range slider for "): int(maximum) for label, maximum in maxima}
    assert limits["layer"] == spec["num_layers"] - 1 and limits["head"] == spec["num_heads"] - 1
    page.get_by_role("tab", name="Translate").click()


def test_replay_follows_the_keyboard_and_resets_on_a_new_translation(page):
    page.get_by_role("tab", name="Translate").click()
    page.fill("#translate-input textarea", "I am cold.")
    page.click("#translate-button")
    page.wait_for_function("document.querySelector('#translate-output textarea').value === \"J'ai froid.\"")
    written = "document.querySelector('#translate-written textarea').value"
    page.wait_for_function(f"{written} === 'J'", timeout=30_000)  # the replay starts at step 0
    slider = page.locator("#translate-step input[type=range]")
    page.wait_for_function(
        "Number(document.querySelector('#translate-step input[type=range]').max) >= 10", timeout=30_000
    )  # the slider spans this translation's steps before the keys are pressed
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f'{written} === "J\'ai"', timeout=30_000)
    marked = page.locator("#translate-steps [role=gridcell][style*='255, 224, 138']")
    marked.first.wait_for(timeout=30_000)
    assert marked.first.inner_text().strip() == "3"  # the step column of the marked row
    page.fill("#translate-input textarea", "We won.")
    page.click("#translate-button")
    page.wait_for_function("document.querySelector('#translate-output textarea').value !== \"J'ai froid.\"")
    page.wait_for_function(f"{written}.length === 1", timeout=30_000)  # back to step 0 of the new sentence
    page.screenshot(path=str(SCREENSHOTS / "replay.png"), full_page=True)


def test_no_raw_translation_key_reaches_any_tab(browser, app_url):
    for locale in ("en-US", "zh-CN"):
        page = browser.new_page(locale=locale, viewport={"width": 1400, "height": 900})
        page.goto(app_url, wait_until="load", timeout=60_000)
        page.wait_for_selector("#translate-button", timeout=60_000)
        tabs = page.get_by_role("tab")
        for index in range(tabs.count()):
            tabs.nth(index).click()
            page.wait_for_timeout(300)
            assert "__i18n__" not in page.inner_text("body"), (locale, index)
        page.close()
