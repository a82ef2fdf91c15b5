"""A person's path through the app in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from pathlib import Path

import gradio as gr
import pytest
from helpers import another_pair_file, data_file, wait_until

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
    from s2s_viz import default_translator
    from s2s_viz.ui.common import get_model

    if get_model(default_translator()).has_attention:
        page.wait_for_selector("#translate-heatmap .js-plotly-plot .heatmaplayer", timeout=30_000)
    # drawn by the app's own plotly.js bundle (scatter, bar, heatmap), served in place of the whole of plotly.js
    # (s2s_viz/ui/assets.py)
    assert page.evaluate("window.Plotly.version") == "3.4.0"  # Gradio's own is 3.3.1
    page.screenshot(path=str(SCREENSHOTS / "translate.png"), full_page=True)


def test_what_if_forces_the_runner_up_at_the_replays_step(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.goto(app_url + "?tab=translate", wait_until="load", timeout=60_000)
    page.wait_for_function("document.querySelector('#translate-output textarea')?.value.length > 0", timeout=60_000)
    page.get_by_text("what if it had written something else?").click()
    slider = page.locator("#translate-step input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")  # the replay at step 1: the step to force follows, its runner-up proposed
    page.wait_for_function("document.querySelector('#whatif-step input')?.value === '1'", timeout=30_000)
    page.wait_for_function("document.querySelector('#whatif-token input')?.value !== ''", timeout=30_000)
    proposed = page.input_value("#whatif-token input").split()[0]  # its label: the character and its probability
    page.click("#whatif-button")
    page.wait_for_function("document.querySelector('#whatif-output textarea')?.value.length > 0", timeout=60_000)
    forced = page.input_value("#whatif-output textarea")
    assert forced[1] == proposed and forced != page.input_value("#translate-output textarea")
    assert "first differ at step 1" in page.inner_text("#whatif-notice")
    page.wait_for_selector("#whatif-forced .js-plotly-plot .heatmaplayer", timeout=30_000)
    page.locator("#whatif-steps").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "what-if.png"), full_page=True)
    page.close()


@pytest.mark.skipif(
    data_file("mnist/mnist.npz") is None, reason="the test images come from mnist.npz under S2S_VIZ_DATA"
)
def test_vit_tab_classifies_an_example(page):
    page.get_by_role("tab", name="Vision Transformer").click()
    page.locator("#vit-source").get_by_label("test image").check()
    page.click("#vit-button")
    page.wait_for_selector("#vit-probabilities .js-plotly-plot .bars", timeout=60_000)
    page.wait_for_selector("#vit-grid .js-plotly-plot .heatmaplayer", timeout=60_000)  # not in the page as sent
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
        f"document.querySelector('input[aria-label=\"range slider for layer\"]')?.max === '{spec['num_layers'] - 1}'",
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
    _settled(page, "document.querySelector('#translate-heatmap .js-plotly-plot')")  # and the click's last output
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f'{written} === "J\'ai"', timeout=30_000)
    # the marked row: step 3's (the table's header is row 1)
    cell = "document.querySelector('#translate-steps [role=row][aria-rowindex=\"5\"] [role=gridcell]')"
    page.wait_for_function(f"getComputedStyle({cell}).backgroundColor === 'rgb(255, 224, 138)'", timeout=30_000)
    assert page.evaluate(f"{cell}.textContent").strip() == "3"
    unmarked = "document.querySelector('#translate-steps [role=row][aria-rowindex=\"4\"] [role=gridcell]')"
    assert page.evaluate(f"getComputedStyle({unmarked}).backgroundColor") != "rgb(255, 224, 138)"
    page.fill("#translate-input textarea", "We won.")
    page.click("#translate-button")
    page.wait_for_function("document.querySelector('#translate-output textarea').value !== \"J'ai froid.\"")
    page.wait_for_function(f"{written}.length === 1", timeout=30_000)  # back to step 0 of the new sentence
    page.screenshot(path=str(SCREENSHOTS / "replay.png"), full_page=True)


def test_a_new_sentence_is_translated_by_the_pages_own_call_and_a_refusal_still_says_why(browser, app_url):
    """Enter: the page calls /translate_for_page and draws the heatmap into the figure it shows (no Gradio event,
    no figure replaced); the step table, the replay and the what-if's choices follow the new sentence. An empty
    sentence is refused with its reason, through Gradio's event."""
    page = _open(browser, app_url + "?tab=translate")
    heatmap = "document.querySelector('#translate-heatmap .js-plotly-plot')"
    _settled(page, heatmap)
    page.evaluate(f"window.__heatmap = {heatmap}")
    joined = []
    page.on("request", lambda request: joined.append(request.url) if "/queue/join" in request.url else None)
    page.fill("#translate-input textarea", "We won.")
    page.press("#translate-input textarea", "Enter")
    page.wait_for_function("document.querySelector('#translate-output textarea').value === 'Nous avons gagné.'")
    page.wait_for_function(f"{heatmap}.data[0].x.length === 7", timeout=30_000)  # the new source's 7 characters
    assert page.evaluate(f"window.__heatmap === {heatmap}") and not joined  # drawn in place, by the page's call
    # the what-if's step typed in: that step's runner-up proposed, from the numbers the page holds
    page.get_by_text("what if it had written something else?").click()
    row = "#translate-steps [role=row][aria-rowindex='4']"  # step 2 (the header is row 1)
    runner_up = f'document.querySelector("{row} [role=gridcell]:nth-child(5)")'
    page.wait_for_function(f"{runner_up}?.textContent.trim().length > 0", timeout=30_000)
    token = page.evaluate(f"{runner_up}.textContent.trim()").split()[0]  # step 2's top 2: "token p"
    page.locator("#whatif-step input").fill("2")
    shown = "document.querySelector('#whatif-token input')?.value.split(/\\s+/)[0]"  # its label: "token  p"
    page.wait_for_function(f"{shown} === {token!r}", timeout=30_000)
    page.fill("#translate-input textarea", "")
    page.press("#translate-input textarea", "Enter")
    page.wait_for_function(f"{TOASTS}.includes('the input is empty')", timeout=30_000)
    assert joined  # the refusal went through Gradio's event, which shows it
    page.close()


def test_the_unit_followed_inside_the_loop_is_drawn_in_the_page_from_the_h_heatmap(page):
    page.get_by_role("tab", name="Translate").click()
    page.get_by_text("inside the loop: the states handed from step to step").click()
    page.click("#states-button")
    curve = "document.querySelector('#states-unit-curve .js-plotly-plot')"
    page.wait_for_function(f"{curve}?.layout?.meta?.sources", timeout=60_000)
    calls = []
    page.on("request", lambda request: "/queue/join" in request.url and calls.append(request.url))
    page.locator("#states-unit input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{curve}.layout.title.text === 'unit 2 over the sentence'", timeout=10_000)
    column = page.evaluate(
        "window.s2s.rows(document.querySelector('#states-h .js-plotly-plot').data[0].z).map((row) => row[2])"
    )
    assert page.evaluate(f"Array.from({curve}.data[0].y)") == column and len(column) > 3
    assert page.evaluate(f"{curve}.data[0].name") == "h[2]"
    assert calls == [], calls


def test_re_views_are_answered_in_the_page_and_exported_as_shown(browser, app_url):
    """The replay's step, another head or layer of the Transformer and the positional encoding's size are drawn by
    the page from numbers it holds: no call to the server, the same numbers the server computes, and the export
    writes the figure as shown."""
    import re

    import numpy as np

    from s2s_viz.models.transformer import sinusoidal_encoding

    page = _open(browser, app_url + "?tab=transformer")
    calls = []
    page.on("request", lambda request: "/queue/join" in request.url and calls.append(request.url))
    big, grid = (
        "document.querySelector('#transformer-heatmap .js-plotly-plot')",
        ("document.querySelector('#transformer-grid .js-plotly-plot')"),
    )
    page.wait_for_function(f"{big}?.layout?.meta?.titles && {grid}?.layout?.meta?.columns", timeout=120_000)
    _settled(page, "document.querySelector('#transformer-grid .js-plotly-plot')")
    calls.clear()
    page.locator("#tab-transformer input[aria-label='range slider for head']").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{big}.layout.title.text.replace(/<br>/g, ' ').endsWith('layer 0, head 1')")
    # the map shown is the grid's layer 0, head 1, and the grid's frame moved to it
    assert page.evaluate(f"JSON.stringify({big}.data[0].z) === JSON.stringify({grid}.data[1].z)")
    page.wait_for_function(f"{grid}.layout.shapes[0].xref === 'x2 domain'", timeout=10_000)
    page.locator("#tab-transformer input[aria-label='range slider for positions']").focus()
    page.keyboard.press("ArrowRight")
    encoding = "document.querySelector('#transformer-encoding .js-plotly-plot')"
    page.wait_for_function(f"{encoding}.data[0].z.length === 61", timeout=10_000)
    drawn = np.array(page.evaluate(f"{encoding}.data[0].z"), dtype=float)
    assert np.allclose(drawn, sinusoidal_encoding(61, 128), atol=1e-5)
    assert calls == [], calls  # none of the three went to the server
    # the export writes the map as shown (head 1), though the server computed head 0
    page.locator("#tab-transformer").get_by_text("export: figures as HTML").click()
    page.click("#transformer-export")
    page.wait_for_function(
        "document.querySelector('#transformer-export-files').innerText.replace(/\\s/g, '').includes('attention.html')",
        timeout=30_000,
    )
    link = page.locator("#transformer-export-files a[href$='attention.html']").first
    with page.expect_download() as download:
        link.click()
    html = Path(download.value.path()).read_text()
    title = re.search(r'"title":\{[^{}]*"text":"([^"]*)"', html)
    assert title and title.group(1).replace("<br>", " ").endswith("layer 0, head 1"), title
    page.close()


def test_no_raw_translation_key_reaches_any_tab(browser, app_url):
    for locale in ("en-US",):  # zh-CN: every tab in the phone test below
        page = browser.new_page(locale=locale, viewport={"width": 1400, "height": 900})
        page.goto(app_url, wait_until="load", timeout=60_000)
        page.wait_for_selector("#translate-button", timeout=60_000)
        for key in ("translate", "data", "forcing", "mha", "transformer", "birnn", "vit", "train"):
            page.locator(f"#tab-{key}-button").click()
            page.locator(f"#tab-{key} .prose").first.wait_for(state="visible", timeout=30_000)  # its intro, built
            assert "__i18n__" not in page.inner_text("body"), (locale, key)
        page.close()


def _open(browser, url: str, locale: str = "en-US", width: int = 1400, height: int = 1000):
    """A page at ``url``, once the tab it opens on is built (a link opens its own tab first: the others are built
    when chosen)."""
    from urllib.parse import parse_qs, urlparse

    page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
    page.goto(url, wait_until="load", timeout=60_000)
    tab = parse_qs(urlparse(url).query).get("tab", ["translate"])[0]
    page.wait_for_selector(f"#tab-{tab}, #tab-translate", state="attached", timeout=60_000)
    return page


def _settled(page, figure: str, quiet_ms: int = 2500, timeout: int = 90_000) -> None:
    """Wait until a figure has not been sent again for ``quiet_ms``: the page's own first computations (the tab's
    opening one, and a prefilled figure replaced) have landed, however loaded the machine is."""
    page.wait_for_function(
        "([quiet]) => { const g = FIGURE; const now = performance.now();"
        " if (!g || window.__settledData !== g.data) { window.__settledData = g && g.data; window.__settledAt = now;"
        " return false; } return now - window.__settledAt > quiet; }".replace("FIGURE", figure),
        arg=[quiet_ms],
        timeout=timeout,
        polling=100,
    )


def _grid_sent_by_a_head_change(page, grid_id: str) -> bool:
    """Whether any server event of the head slider (found through the grid's frame script, whose inputs are the
    layer and head sliders) sends the every-head grid. Read from the page's own event table: a browser-side count
    of redraws cannot tell a grid the head change caused from a late one of the link's first computations, which
    Gradio may send after the change with the sliders' new values (its "always last" events)."""
    return page.evaluate(
        """(gridId) => {
          const config = window.gradio_config;
          const grid = config.components.find((c) => c.props && c.props.elem_id === gridId).id;
          const frame = config.dependencies.find((d) => d.js && d.js.includes('s2s.frame(' + JSON.stringify(gridId))
            && d.targets.some(([id, event]) => id === grid && event === 'change'));
          const head = frame.inputs[1];
          const fromHead = config.dependencies
            .filter((d) => d.targets.some(([id, event]) => id === head && event === 'change'));
          return fromHead.length >= 2 && fromHead.some((d) => d.backend_fn && d.outputs.includes(grid));
        }""",
        grid_id,
    )


def _a_late_grid_takes_the_frame(page, grid: str, axis: str) -> None:
    """A grid drawn after the sliders moved (a computation for older values landing late) is drawn unframed, as the
    server sends every grid; the page frames it for the sliders' values as it lands."""
    page.evaluate(f"window.Plotly.react({grid}, {grid}.data, {{...{grid}.layout, shapes: []}})")
    page.wait_for_function(f"{grid}.layout.shapes?.length === 1 && {grid}.layout.shapes[0].xref === '{axis}'")


def _title(page, selector: str) -> str:
    return page.evaluate(f"document.querySelector('{selector} .js-plotly-plot').layout.title.text")


def test_a_link_whose_sliders_are_built_late_is_computed_only_with_all_its_values(browser, app_url):
    """A link's values reach the page in one answer and are set one control at a time; a control not built yet
    fires its change as it is set, with the controls after it still at their defaults. Here the sliders' code
    starts two seconds late (a loaded machine): no map may be computed with the link's kind and the default layer
    and head, and the last one shown is the link's."""
    import re

    assets = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
    slider = next(p.name for p in assets.glob("Index-*.js") if 'data-testid="range-input"' in p.read_text())
    page = browser.new_page(viewport={"width": 1400, "height": 1000})

    def late(route, request):  # the module itself waits 2 s in the page (top-level await) before it runs
        code = route.fetch().text()
        held = "await new Promise((resolve) => setTimeout(resolve, 2000));\n"
        route.fulfill(status=200, headers={"content-type": "text/javascript"}, body=held + code)

    page.route(re.compile(re.escape(slider)), late)
    page.goto(app_url + "?tab=transformer&kind=encoder+self-attention&layer=2&head=3", timeout=60_000)
    page.evaluate(
        "window.__titles = []; setInterval(() => {"
        " const p = document.querySelector('#transformer-heatmap .js-plotly-plot');"
        " const t = p && p.layout && p.layout.title && p.layout.title.text;"
        " if (t && window.__titles[window.__titles.length - 1] !== t) window.__titles.push(t); }, 20)"
    )
    # the link's map arrives (on a loaded machine, behind other visitors' work), then nothing more is drawn
    page.wait_for_function("window.__titles.some(t => t.startsWith('encoder self-attention'))", timeout=90_000)
    _settled(page, "document.querySelector('#transformer-heatmap .js-plotly-plot')", quiet_ms=4000)
    titles = page.evaluate("window.__titles")
    computed = [title for title in titles if title.startswith("encoder self-attention")]
    assert computed == ["encoder self-attention: layer 2, head 3"], titles
    # no slider offers Gradio's reset: a reset is not an edit, and the map would stay drawn for the old value
    assert page.locator("#tab-transformer input[type=range]").count() >= 2
    assert page.locator("#tab-transformer .reset-button").count() == 0
    page.close()


def test_a_deep_link_restores_and_computes_a_transformer_view(browser, app_url):
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    query = re.search(r"http://localhost:7860/(\?tab=transformer[^`]*)`", readme).group(1)  # the README's link
    page = _open(browser, app_url + query)
    page.wait_for_function(
        "(() => { const p = document.querySelector('#transformer-heatmap .js-plotly-plot');"
        " return p && p.layout && p.layout.title.text.includes('layer 2, head 3'); })()",
        timeout=60_000,
    )
    assert _title(page, "#transformer-heatmap") == "encoder self-attention: layer 2, head 3"
    assert page.get_by_role("tab", name="Transformer", exact=True).get_attribute("aria-selected") == "true"
    # every layer x head at once, the chosen one framed
    grid = "document.querySelector('#transformer-grid .js-plotly-plot')"
    # layer 2, head 3 of 3 x 4 framed, whichever of the link's computations lands last
    page.wait_for_function(
        f"{grid}?.data?.length === 12 && {grid}.layout.shapes?.length === 1"
        f" && {grid}.layout.shapes[0].xref === 'x12 domain'",
        timeout=30_000,
    )
    # the link's own computation lands before the grid is marked
    page.wait_for_function(f"{grid}.layout.title.text.includes('encoder self-attention')", timeout=30_000)
    assert not _grid_sent_by_a_head_change(page, "transformer-grid")
    # the address follows a control: a keyboard step on the head slider
    page.wait_for_function("location.search.includes('head=3')", timeout=30_000)
    page.locator("input[aria-label='range slider for head']").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("location.search.includes('head=2')", timeout=30_000)
    page.wait_for_function(
        "document.querySelector('#transformer-heatmap .js-plotly-plot').layout.title.text.endsWith('head 2')",
        timeout=30_000,
    )
    # the grid's frame moved in the page, to layer 2, head 2; the grid itself was not sent and drawn again
    page.wait_for_function(f"{grid}.layout.shapes[0].xref === 'x11 domain'", timeout=10_000)
    _a_late_grid_takes_the_frame(page, grid, "x11 domain")
    # the figures drawn before the address changed still find their clip paths and colour-bar gradients (plotly
    # writes them as url('<page address>#id'): a stale address leaves every heatmap blank)
    references = page.evaluate(
        "Array.from(document.querySelectorAll('#tab-transformer .js-plotly-plot [clip-path]'))"
        ".map(e => e.getAttribute('clip-path')).filter(v => v.includes('http'))"
    )
    here = page.evaluate("location.href.split('#')[0]")
    assert references and all(f"{here}#" in reference for reference in references), (here, references[:3])
    # the copy-link button gives the same view
    page.click("#transformer-copy-link")
    page.wait_for_function("document.querySelector('#transformer-link textarea').value.includes('head=2')")
    link = page.input_value("#transformer-link textarea")
    assert "tab=transformer" in link and "layer=2" in link
    page.screenshot(path=str(SCREENSHOTS / "transformer.png"), full_page=True)
    page.close()


def test_a_link_builds_its_own_tab_first_and_the_first_tab_only_when_chosen(browser, app_url):
    page = _open(browser, app_url + "?tab=mha")
    page.wait_for_selector("#tab-mha .js-plotly-plot .main-svg", timeout=60_000)
    assert page.get_by_role("tab", name="Multi-head attention").get_attribute("aria-selected") == "true"
    assert page.locator("#translate-button").count() == 0  # the Translate tab was never built nor drawn
    page.get_by_role("tab", name="Translate", exact=True).click()
    page.wait_for_selector("#translate-button", timeout=30_000)
    page.close()


def test_a_bad_link_opens_the_app_with_a_notice(browser, app_url):
    page = _open(browser, app_url + "?tab=mha&heads=99&colour=red&head=1")
    notice = page.locator("#link-notice")
    notice.wait_for(timeout=30_000)
    text = notice.inner_text()
    assert "heads='99': needs a number in 1..8" in text and "colour: no such setting" in text
    assert page.get_by_role("tab", name="Multi-head attention").get_attribute("aria-selected") == "true"
    page.wait_for_function("location.search.includes('head=1')", timeout=30_000)  # the good value is kept
    page.close()


def test_export_gives_html_figures_and_csv_tables_and_each_figure_has_a_png_button(page):
    page.get_by_role("tab", name="Multi-head attention").click()
    # the page arrives with the view's first figure; the other three come with the tab's own computation
    page.wait_for_function(
        "document.querySelectorAll(\"#tab-mha .modebar-btn[data-title='Download plot as a PNG']\").length >= 4",
        timeout=60_000,
    )
    page.locator("#tab-mha").get_by_text("export: figures as HTML").click()
    page.click("#mha-export")
    files = page.locator("#mha-export-files")
    page.wait_for_function(
        "document.querySelector('#mha-export-files').innerText.replace(/\\s/g, '').includes('shapes.csv')",
        timeout=60_000,
    )
    names = files.inner_text().replace("\n", "")
    assert all(name in names for name in ("raw_scores.html", "probabilities.html", "weighted.html", "shapes.csv"))
    page.get_by_role("tab", name="Translate").click()


def test_projector_mode_enlarges_the_text_and_lives_in_the_link(browser, app_url):
    page = _open(browser, app_url, width=1280, height=720)
    size = "parseFloat(getComputedStyle(document.querySelector('#translate-input textarea')).fontSize)"
    normal = page.evaluate(size)
    page.check("#projector input")
    page.wait_for_function("document.body.classList.contains('projector')")
    assert page.evaluate(size) >= normal * 1.3
    page.wait_for_function("location.search.includes('projector=1')")
    page.screenshot(path=str(SCREENSHOTS / "projector.png"))
    linked = _open(browser, app_url + "?tab=translate&projector=1", width=1280, height=720)
    linked.wait_for_function("document.body.classList.contains('projector')")
    linked.wait_for_function("document.querySelector('#projector input').checked", timeout=30_000)
    page.close()
    linked.close()


def test_chinese_reaches_buttons_plot_titles_and_table_headers(browser, app_url):
    page = _open(browser, app_url + "?tab=forcing", locale="zh-CN")
    page.wait_for_selector("#tab-forcing .js-plotly-plot", timeout=60_000)
    page.wait_for_function(
        "document.querySelector('#tab-forcing .js-plotly-plot').layout.title.text.startsWith('每一步')", timeout=60_000
    )
    body = page.inner_text("#tab-forcing")
    assert "比较" in body and "复制此视图的链接" in body  # buttons
    assert "自由生成的输出" in body  # the computed summary
    assert "步" in page.inner_text("#forcing-table thead")  # a table header
    page.get_by_role("tab", name="Transformer", exact=True).click()
    page.get_by_role("button", name="翻译并显示").wait_for(timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "chinese-forcing.png"))
    page.close()


PHONE_TABS = ["translate", "data", "forcing", "mha", "transformer", "birnn", "vit", "train"]
EVERY_TAB = [*PHONE_TABS[:-1], "lesson", "train"]


def serious_accessibility_problems(page) -> list[str]:
    """What axe-core (WCAG 2 A and AA rules) finds serious or critical in the page as it stands: rule and elements."""
    import axe_playwright_python

    script = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(script))
    found = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})"
    )
    return [
        f"{rule['id']}: {', '.join(str(node['target'][0]) for node in rule['nodes'][:5])}"
        for rule in found["violations"]
        if rule["impact"] in ("serious", "critical")
    ]


def assert_accessible(page, tab: str) -> None:
    """No serious problem once the page has settled: a problem seen while a view fades in or redraws must be gone
    within 20 s; one that stays fails, named."""
    seen = []

    def clean() -> bool:
        seen[:] = serious_accessibility_problems(page)
        return not seen

    try:
        wait_until(clean, timeout=20, what="no serious accessibility problem", every=1.0)
    except AssertionError:
        raise AssertionError(f"{tab}: {seen}") from None


LAYOUT = (Path(__file__).with_name("layout.js")).read_text()
# figures a tab shows only after a button in a closed part of it: pressed by the layout test
PRESSED = {
    "translate": ["#whatif-button", "#states-button", "#compare-button"],
    "transformer": ["#transformer-inside"],
}
PRESSED_FIGURES = {
    "#whatif-button": "#whatif-forced",
    "#states-button": "#states-h",
    "#compare-button": "#compare-heatmap-0",
    "#transformer-inside": "#transformer-stages",
}


def layout_defects(page, tab: str) -> list[str]:
    """What tests/app/layout.js finds broken in the tab's figures and in the tab bar (legends over each other or the
    plot, titles cut or under a label, subtitles over labels, tick labels too small or crowded, slivers of plot)."""
    return page.evaluate(LAYOUT, tab)


def assert_laid_out(page, tab: str) -> None:
    """No layout defect once the tab's figures have settled (a figure being redrawn may be caught between two
    layouts: a defect must be gone within 10 s)."""
    seen = []

    def clean() -> bool:
        seen[:] = layout_defects(page, tab)
        return not seen

    try:
        wait_until(clean, timeout=10, what="no layout defect", every=0.5)
    except AssertionError:
        raise AssertionError(f"{tab}: {seen}") from None


def _open_tab(page, app_url: str, tab: str, projector: bool) -> None:
    """The tab by its link, waited on until its view is drawn and nothing is computing."""
    page.goto(app_url + f"?tab={tab}" + ("&projector=1" if projector else ""), wait_until="load", timeout=60_000)
    drawn = {"train": "#train-start", "lesson": "#lesson-choice input"}.get(
        tab, f"#tab-{tab} .js-plotly-plot:has(.main-svg), #tab-{tab} .table-container"
    )
    try:
        page.wait_for_function(  # its view drawn
            f"Array.from(document.querySelectorAll('{drawn}')).some(e => e.offsetParent)"
            # and nothing still computing (a view under its progress veil reads as text without contrast)
            " && !Array.from(document.querySelectorAll('[data-testid=status-tracker]:not(.hide)'))"
            ".some(e => e.offsetParent)",
            timeout=60_000,
        )
    except Exception as error:  # noqa: BLE001 - named
        raise AssertionError(f"{tab}: its view never showed ({error})") from None


def _press_the_hidden_figures(page, tab: str) -> None:
    """Open the tab's closed parts and press the buttons whose figures live there, waiting for each figure."""
    page.evaluate(
        f"document.querySelectorAll('#tab-{tab} .label-wrap:not(.open)').forEach(e => e.offsetParent && e.click())"
    )
    for button in PRESSED.get(tab, []):
        if button == "#whatif-button":  # its step's candidates proposed first (an empty token is refused)
            page.wait_for_function("document.querySelector('#whatif-token input')?.value !== ''", timeout=30_000)
        page.locator(button).click()
        page.wait_for_selector(f"{PRESSED_FIGURES[button]} .js-plotly-plot .main-svg", timeout=60_000)


@pytest.mark.parametrize(
    ("locale", "width", "height"), [("zh-CN", 1280, 720), ("en-US", 390, 844)], ids=["zh-projector", "en-phone"]
)
def test_every_figure_is_laid_out_cleanly_on_a_projector_and_a_phone(browser, app_url, locale, width, height):
    """Bounding boxes of every figure's legend entries, titles, subtitles, tick labels and plot areas, and of the tab
    bar, on every tab (with the figures its closed parts draw when asked); the two other pairings (English on a
    projector, Chinese on a phone) are the accessibility tests below, which check the same."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale=locale)
    for tab in EVERY_TAB:
        _open_tab(page, app_url, tab, projector=width > 600)
        assert_laid_out(page, tab)
        if tab in PRESSED:
            _press_the_hidden_figures(page, tab)
            assert_laid_out(page, tab)
    page.close()


def test_ticking_the_projector_mode_refits_the_figures_and_the_tab_bar(browser, app_url):
    """Projector mode ticked on a page opened without it: every label of the tab bar whole (the bar measures them
    again), the figures drawn again with the larger text and still clean."""
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-US")
    _open_tab(page, app_url, "forcing", projector=False)
    title = "document.querySelector('#forcing-figure .js-plotly-plot')._fullLayout.title.font.size"
    before = page.evaluate(title)
    page.locator("#projector input").check()
    page.wait_for_function(f"{title} > {before} * 1.3", timeout=10_000)
    assert_laid_out(page, "forcing")
    page.close()


def test_no_tab_has_a_serious_accessibility_problem_on_a_projector(browser, app_url):
    """axe-core on every tab in English, at 1280x720 in projector mode (the phone test below does the same in
    Chinese at 390 px): colour contrast, ARIA, keyboard access."""
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="en-US")
    for tab in EVERY_TAB:
        _open_tab(page, app_url, tab, projector=True)
        assert_laid_out(page, tab)
        assert_accessible(page, tab)
    page.close()


# a figure per tab whose Chinese title the phone test waits for (the English pages are the tests above)
CHINESE_TITLES = {  # a figure the tab's own computation draws in Chinese (the page arrives with the first only)
    "data": ("#data-decoder-target", "第 t 行"),
    "birnn": ("#birnn-blank-guesses", "对隐藏字符的猜测"),
    "vit": ("#vit-grid", "每个块、每个头中类别"),
}


def test_a_phone_shows_every_tab_without_sideways_scrolling(browser, app_url):
    """In Chinese, whose labels are the ones that get squeezed; no raw translation key in any tab either."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    for tab in PHONE_TABS:  # each tab by its link (at this width most tab buttons sit in an overflow menu)
        page.goto(app_url + f"?tab={tab}", wait_until="load", timeout=60_000)
        page.wait_for_selector(f"#tab-{tab} .js-plotly-plot .main-svg", timeout=60_000)
        if tab in CHINESE_TITLES:  # the page opens on the warm-up's English view; the reader's own replaces it
            selector, words = CHINESE_TITLES[tab]
            title = f"(document.querySelector('{selector} .js-plotly-plot')?.layout?.title?.text || '')"
            page.wait_for_function(f"{title}.includes('{words}')", timeout=30_000)
        if tab == "birnn":
            legend = page.evaluate(
                "document.querySelector('#birnn-blank-guesses .js-plotly-plot').data.map(t => t.name)"
            )
            assert legend == ["仅前向", "双向"]
        assert "__i18n__" not in page.inner_text("body"), tab
        headers = page.evaluate(  # the examples' headers in the reader's language only
            f"Array.from(document.querySelectorAll('#tab-{tab} th[role=columnheader]')).map(e => e.textContent)"
        )
        assert not [header for header in headers if " · " in header], (tab, headers)
        assert "Examples" not in page.inner_text(f"#tab-{tab}"), tab  # Gradio's caption above them too
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, tab
        # no figure title runs past its figure, and no label is squeezed to one character a line
        overflowing = page.evaluate(
            "Array.from(document.querySelectorAll('.js-plotly-plot')).filter(p => p.offsetParent).filter(p => {"
            " const t = p.querySelector('.gtitle'); if (!t) return false;"
            " return t.getBoundingClientRect().right > p.getBoundingClientRect().right + 1; }).length"
        )
        assert overflowing == 0, tab
        squeezed = page.evaluate(  # a label of 4+ characters laid out at 2 characters or fewer a line
            "Array.from(document.querySelectorAll('#tab-" + tab + " [data-testid=block-info]'))"
            ".filter(e => e.offsetParent && e.innerText.trim().length > 3).filter(e => {"
            " const lines = e.getBoundingClientRect().height / (parseFloat(getComputedStyle(e).lineHeight) || 20);"
            " return lines > 2.5 && e.innerText.trim().length / lines <= 2; }).map(e => e.innerText)"
        )
        assert squeezed == [], tab
        assert_accessible(page, tab)
        assert_laid_out(page, tab)
        if tab in ("translate", "vit"):
            page.screenshot(path=str(SCREENSHOTS / f"phone-{tab}.png"), full_page=True)
    page.close()


def test_ticking_the_causal_mask_redraws_what_it_changes_only(browser, app_url):
    """The MHA tab's live controls: the page calls /mha itself and draws into the figures on the page, each only if
    it changed (Gradio would replace every figure by a new one); a refusal shows in the tab's notice."""
    page = _open(browser, app_url + "?tab=mha")
    plots = "document.querySelectorAll('#tab-mha .js-plotly-plot')"
    page.wait_for_function(f"{plots}.length >= 4 && {plots}[1].data?.length === 1", timeout=120_000)  # a loaded CPU
    _settled(page, f"{plots}[0]")
    page.evaluate(f"Array.from({plots}).forEach((p, i) => {{ p.__kept = i; p.data.__unchanged = 1; }})")
    page.evaluate("window.s2sOutgoingSkipped = 0")
    page.locator("#tab-mha input[type=checkbox]").first.check()
    page.wait_for_function(f"{plots}[1].data.length === 2", timeout=30_000)  # the masked cells, drawn grey
    assert page.evaluate(f"{plots}[1].data[1].hovertemplate").startswith("masked")
    assert page.evaluate(f"{plots}[0].data.__unchanged") == 1  # the raw scores do not depend on the mask
    page.wait_for_function(f"!{plots}[3].data.__unchanged", timeout=30_000)  # the weighted values do
    # the same figures, drawn again in place: none replaced, none drawn twice
    assert page.evaluate(f"Array.from({plots}).map((p) => p.__kept)") == [0, 1, 2, 3]
    assert page.evaluate("window.s2sOutgoingSkipped") == 0
    assert page.evaluate(f"Array.from({plots}).every(p => p.isConnected && p.querySelector('.hm, image'))")
    # the head slider follows the head count: 1 head leaves only head 0
    heads = page.locator("#tab-mha input[aria-label='range slider for heads h']")
    heads.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "document.querySelector(\"#tab-mha input[aria-label='range slider for show head']\").disabled", timeout=30_000
    )
    # an empty sentence: the refusal in the notice, the figures left as they were
    page.fill("#tab-mha textarea", "")
    page.locator("#tab-mha input[aria-label='range slider for key size d_k']").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.querySelector('#mha-verdict').innerText.includes('type a sentence first')", timeout=30_000
    )
    page.close()


@pytest.mark.skipif(data_file("mnist/mnist.npz") is None, reason="needs mnist.npz under S2S_VIZ_DATA")
def test_the_vit_grids_frame_follows_the_head_slider_without_redrawing_the_grid(browser, app_url):
    page = _open(browser, app_url + "?tab=vit&block=1&head=2")
    grid = "document.querySelector('#vit-grid .js-plotly-plot')"
    page.wait_for_function(f"{grid}?.layout?.shapes?.[0]?.xref === 'x7 domain'", timeout=60_000)  # block 1, head 2
    assert not _grid_sent_by_a_head_change(page, "vit-grid")  # the frame moves in the page instead
    page.locator("#tab-vit input[aria-label^='range slider for head']").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{grid}.layout.shapes[0].xref === 'x8 domain'", timeout=30_000)
    _a_late_grid_takes_the_frame(page, grid, "x8 domain")
    page.keyboard.press("Home")  # head -1: the mean of heads, no single map framed
    page.wait_for_function(f"{grid}.layout.shapes.length === 0", timeout=30_000)
    page.close()


ROLLOUT_TITLE = "String(document.querySelector('#vit-rollout .js-plotly-plot')?.layout?.title?.text || '')"


@pytest.mark.skipif(data_file("mnist/mnist.npz") is None, reason="needs mnist.npz under S2S_VIZ_DATA")
def test_the_rollout_settings_redraw_the_rollout_in_the_page_for_a_test_image_and_by_the_server_for_a_drawing(
    browser, app_url
):
    """A test image: the page asks /vit_rollout itself and draws into the figure (no Gradio event, so no other
    figure is sent again); a drawing: Gradio's event sends the drawing and redraws the rollout for it."""
    page = _open(browser, app_url + "?tab=vit")
    _settled(page, "document.querySelector('#vit-rollout .js-plotly-plot')")
    attention = "document.querySelector('#vit-attention .js-plotly-plot')"
    page.evaluate(f"{attention}.layout.__kept = 1")
    joined = []
    page.on("request", lambda request: joined.append(request.url) if "/queue/join" in request.url else None)
    page.locator("#tab-vit").get_by_label("max", exact=True).check()
    page.wait_for_function(f"{ROLLOUT_TITLE}.startsWith('attention rollout (max of heads')", timeout=30_000)
    assert page.evaluate(f"{attention}.layout.__kept") == 1 and not joined  # drawn by the page alone
    page.locator("#tab-vit input[aria-label='range slider for rollout discard ratio']").focus()
    page.keyboard.press("End")
    page.wait_for_function(f"{ROLLOUT_TITLE}.includes('discard 90%')", timeout=30_000)
    page.locator("#vit-source").get_by_label("draw", exact=True).check()
    canvas = page.locator("#tab-vit canvas").first
    page.wait_for_function(BRUSH_READY.replace("birnn", "vit"), timeout=30_000)
    _stroke(page, canvas, "vit")
    page.click("#vit-button")
    drawn = f"{ROLLOUT_TITLE}.startsWith('attention rollout (max of heads, discard 90%')"
    page.wait_for_function(drawn, timeout=60_000)
    joined.clear()
    page.locator("#tab-vit").get_by_label("min", exact=True).check()
    page.wait_for_function(f"{ROLLOUT_TITLE}.startsWith('attention rollout (min of heads')", timeout=30_000)
    assert joined  # the drawing went through Gradio's event
    page.close()


BRUSH_READY = "document.querySelector('#tab-birnn .digit-sketch button[aria-label=\"Brush Size\"]') !== null"
FIRST_TITLE = "String(document.querySelector('#birnn-probabilities .js-plotly-plot')?.layout?.title?.text || '')"
TOASTS = "Array.from(document.querySelectorAll('[data-testid=toast-body]')).map(t => t.innerText).join(' | ')"


def _stroke(page, canvas, tab: str = "birnn") -> None:
    """A vertical stroke (a 1), then wait until the pad holds it (its Undo button is enabled): Gradio's editor takes
    a stroke in a little after the pen lifts, and a click on the button before that sends an empty pad."""
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 15):
        page.mouse.move(x, y + step * box["height"] * 0.04)
    page.mouse.up()
    page.wait_for_function(
        f"document.querySelector('#tab-{tab} .digit-sketch button[aria-label=\"Undo\"]')?.disabled === false",
        timeout=30_000,
    )


@pytest.mark.skipif(data_file("mnist/mnist.npz") is None, reason="needs mnist.npz under S2S_VIZ_DATA")
def test_the_sketchpad_is_always_ready_and_no_old_figure_stays_beside_an_error(browser, app_url):
    """*draw* picked: no error, the figures say what to do; a stroke draws at once (the brush is picked) and is
    classified; after *Clear* the brush is ready again, and Classify on the empty pad clears every figure of the
    earlier drawing while it says why."""
    page = _open(browser, app_url + "?tab=birnn")
    canvas = page.locator("#tab-birnn canvas").first
    canvas.wait_for(timeout=30_000)
    page.wait_for_function(BRUSH_READY, timeout=30_000)
    # the page's own first computation has landed (on a loaded machine it could still be under way: a stroke drawn
    # then may be lost to the editor or followed by that computation's answer)
    _settled(page, "document.querySelectorAll('#tab-birnn .js-plotly-plot')[0]")
    page.locator("#birnn-source").get_by_label("draw", exact=True).check()
    page.wait_for_function(f"{FIRST_TITLE}.startsWith('draw a digit on the pad')", timeout=30_000)
    assert page.evaluate(TOASTS) == ""  # nothing was asked: no error
    assert page.evaluate(BRUSH_READY)
    _stroke(page, canvas)
    page.click("#tab-birnn button.primary")
    page.wait_for_function(f"{FIRST_TITLE}.startsWith('your drawing')", timeout=60_000)
    page.click("#tab-birnn .digit-sketch button[aria-label='Clear canvas']")
    page.wait_for_function(BRUSH_READY, timeout=10_000)
    page.click("#tab-birnn button.primary")  # an empty pad: refused, and no figure of the drawing stays
    page.wait_for_function(f"{TOASTS}.includes('draw a digit first')", timeout=30_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#tab-birnn .js-plotly-plot')).slice(0, 4).every("
        "p => String(p.layout?.title?.text || '').includes('draw a digit first'))",
        timeout=30_000,
    )
    _stroke(page, canvas)  # and the brush draws again
    page.click("#tab-birnn button.primary")
    page.wait_for_function(f"{FIRST_TITLE}.startsWith('your drawing')", timeout=60_000)
    page.close()


def test_compare_draws_each_models_attention_side_by_side(page):
    page.get_by_role("tab", name="Translate").click()
    page.get_by_text("compare models side by side").click()
    page.click("#compare-button")
    page.wait_for_selector("#compare-heatmap-0 .js-plotly-plot", timeout=60_000)
    page.wait_for_selector("#compare-heatmap-1 .js-plotly-plot", timeout=60_000)
    titles = [_title(page, f"#compare-heatmap-{index}") for index in range(2)]
    chosen = page.inner_text("#compare-table")
    assert all(title.split(":")[0] in chosen for title in titles)  # each panel is one of the compared models
    assert "char-fr-en" not in chosen and "dates" not in chosen  # only models that read English


def test_the_data_view_opens_with_the_notes_three_tensors(browser, app_url):
    """In English here; the phone test waits for its Chinese title."""
    page = _open(browser, app_url + "?tab=data")
    page.wait_for_selector("#data-decoder-target .js-plotly-plot", timeout=60_000)
    page.wait_for_function("document.querySelector('#data-shapes').innerText.includes('True')", timeout=60_000)
    assert _title(page, "#data-decoder-target").startswith("decoder_target_data")
    rows = page.evaluate("document.querySelector('#data-encoder .js-plotly-plot').data[0].y")
    assert rows[-1].endswith("(padding)")  # the padding rows are drawn and named
    page.screenshot(path=str(SCREENSHOTS / "data-en-US.png"), full_page=True)
    page.close()


def test_fill_in_the_blank_compares_one_direction_with_both_from_a_link(browser, app_url):
    """In English here; the phone test waits for its Chinese title and legend."""
    page = _open(browser, app_url + "?tab=birnn&sentence=Tom+is+a+good+doctor.&hidden=14")
    title = "(document.querySelector('#birnn-blank-guesses .js-plotly-plot')?.layout?.title?.text || '')"
    page.wait_for_function(
        f"{title}.includes('“Tom is a good _octor.”') && {title}.includes('guesses for the hidden character')",
        timeout=60_000,
    )
    names = page.evaluate("document.querySelector('#birnn-blank-guesses .js-plotly-plot').data.map(t => t.name)")
    assert names == ["forward only", "bidirectional"]
    # sent in the same answer, but drawn for the first time (the page arrives with the view's first figure only)
    page.wait_for_function("document.querySelector('#birnn-blank-positions .js-plotly-plot')?.data", timeout=30_000)
    bars = page.evaluate("document.querySelector('#birnn-blank-positions .js-plotly-plot').data.map(t => t.y.length)")
    assert bars == [len("Tom is a good doctor.")] * 2  # every character hidden in turn, by both models
    page.locator("#birnn-blank-summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "birnn-blank-en-US.png"), full_page=True)
    page.close()


@pytest.mark.skipif(data_file("fra-eng/fra.txt") is None, reason="needs fra.txt under S2S_VIZ_DATA")
def test_your_own_pairs_uploaded_in_the_page_train_a_model_that_translates(browser, app_url, tmp_path):
    """A file of another layout (French first, an attribution column) uploaded in the Train tab, checked, trained
    on as *your file*; the model then translates in the Translate tab."""
    path = another_pair_file(tmp_path / "fra-first.txt", lines=3000)
    page = _open(browser, app_url + "?tab=train")
    page.get_by_text("your own sentence pairs").click()
    page.set_input_files("#train-own-file input[type=file]", str(path))
    page.wait_for_function(
        "document.querySelector('#train-own-report').innerText.includes('training pairs')", timeout=60_000
    )
    page.click("#train-data input")
    page.get_by_role("option", name="your file (uploaded below)").click()
    page.fill("#train-name textarea", "own-in-page")
    page.fill("#train-epochs input", "1")
    page.fill("#train-pairs input", "2000")
    page.click("#train-start")
    page.wait_for_function("document.querySelector('#train-status').innerText.includes('Finished')", timeout=240_000)
    samples = page.inner_text("#train-curves ~ div, #train-status")
    assert "no model was saved" not in samples
    page.get_by_role("tab", name="Translate").click()
    # (a first page: the whole page opens on the Translate tab)
    page.wait_for_function("document.querySelector('#translate-steps')?.textContent.includes('</s>')", timeout=60_000)
    before = page.text_content("#translate-steps")  # the tab's first translation, by the default model
    page.click("#translate-model input")
    page.get_by_role("option", name="own-in-page").click()
    page.fill("#translate-input textarea", "Merci !")
    page.click("#translate-button")
    page.wait_for_function(  # new steps, to the end symbol: the French sentence read by the model trained here
        "([before]) => { const steps = document.querySelector('#translate-steps').textContent;"
        " return steps !== before && steps.includes('</s>'); }",
        arg=[before],
        timeout=60_000,
    )
    assert page.input_value("#translate-model input") == "own-in-page"
    assert "error" not in page.inner_text("#translate-notice").lower()
    page.screenshot(path=str(SCREENSHOTS / "own-pairs-translate.png"), full_page=True)


def _lesson_stop_shown(page, number: int) -> None:
    page.wait_for_function(
        f"document.querySelector('#lesson-text')?.innerText.trim().startsWith('{number}.')", timeout=60_000
    )


def _give(page, question, value) -> None:
    if question.choices is None:
        page.fill("#lesson-number input", str(value))
    else:
        page.locator("#lesson-choice").get_by_label(str(value), exact=True).check()
    page.click("#lesson-answer")


def test_the_lesson_is_walked_answering_each_stop_wrongly_then_rightly(browser, app_url):
    from s2s_viz import lesson

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.goto(app_url + "?tab=lesson", wait_until="load", timeout=60_000)
    for number, key in enumerate(lesson.STOPS, start=1):
        _lesson_stop_shown(page, number)
        question = lesson.ask(key)  # the model's answer, computed here by the same models
        assert question.prompt.split("`")[0].strip() in page.inner_text("#lesson-prompt")
        assert not page.locator("#lesson-view").is_visible() and not page.locator("#lesson-table").is_visible()
        wrong = (
            float(question.answer) + 1 + 10 * question.tolerance
            if question.choices is None
            else next(choice for choice in question.choices if choice != question.answer)
        )
        _give(page, question, f"{wrong:g}" if question.choices is None else wrong)
        page.wait_for_function("document.querySelector('#lesson-verdict')?.innerText.includes('Not quite')")
        assert question.why.split("`")[0][:30] in page.inner_text("#lesson-verdict")  # explained, not only marked
        _give(page, question, question.answer if question.choices is not None else f"{float(question.answer):g}")
        page.wait_for_function("document.querySelector('#lesson-verdict')?.innerText.startsWith('✓')")
        page.wait_for_function(  # the view that explains it: a figure or a table
            "document.querySelector('#lesson-view .js-plotly-plot .main-svg')"
            " || document.querySelector('#lesson-table .table-container')",
            timeout=30_000,
        )
        if number == 6:
            page.screenshot(path=str(SCREENSHOTS / "lesson.png"), full_page=True)
        if number < len(lesson.STOPS):
            page.click("#lesson-next")
    total = len(lesson.STOPS)
    assert f"Answered right: {total} of {total}" in page.inner_text("#lesson-progress")
    page.goto(app_url + "?tab=lesson&stop=3", wait_until="load", timeout=60_000)  # its own link; progress kept
    _lesson_stop_shown(page, 3)
    page.wait_for_function(
        f"document.querySelector('#lesson-progress')?.innerText.includes('{total} of {total}')", timeout=30_000
    )
    page.close()


def test_a_class_of_three_follows_the_teacher_answers_and_sees_the_reveal(browser, app_url):
    from s2s_viz import lesson

    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US") for _ in range(4)]
    teacher, *students = [context.new_page() for context in contexts]
    teacher.goto(app_url + "?tab=lesson", wait_until="load", timeout=60_000)
    _lesson_stop_shown(teacher, 1)
    teacher.get_by_text("a class that answers together").click()
    teacher.click("#class-open")
    teacher.wait_for_function("document.querySelector('#class-status')?.innerText.includes('is open')")
    code = teacher.inner_text("#class-status").split("Class ", 1)[1].split()[0]
    for student in students:  # the three pages load side by side
        student.goto(app_url + f"?tab=lesson&class={code}", wait_until="commit", timeout=60_000)
    for student in students:
        _lesson_stop_shown(student, 1)
        student.get_by_text("a class that answers together").click()
        student.wait_for_function(f"document.querySelector('#class-code textarea')?.value === '{code}'")
        student.click("#class-join")
        student.wait_for_function("document.querySelector('#class-status')?.innerText.includes('You are in class')")
    for _ in range(3):  # three quick clicks: three stops on
        teacher.click("#lesson-next")
    _lesson_stop_shown(teacher, 4)
    question = lesson.ask(4)
    wrong = next(choice for choice in question.choices if choice != question.answer)
    for student, given in zip(students, [question.answer, question.answer, wrong]):
        _lesson_stop_shown(student, 4)  # the teacher moved: each student's lesson followed
        _give(student, question, given)
        student.wait_for_function("document.querySelector('#lesson-verdict')?.innerText.includes('answer is in')")
    teacher.wait_for_function(
        "(() => { const plot = document.querySelector('#class-histogram .js-plotly-plot');"
        " return plot && plot.data && plot.data[0].y.reduce((a, b) => a + b, 0) === 3; })()",
        timeout=30_000,
    )
    bars = teacher.evaluate(
        "(() => { const d = document.querySelector('#class-histogram .js-plotly-plot').data[0];"
        " return Object.fromEntries(d.x.map((x, i) => [x, d.y[i]])); })()"
    )
    assert bars[question.answer] == 2 and bars[wrong] == 1
    teacher.click("#class-reveal")
    teacher.wait_for_function("document.querySelector('#lesson-verdict')?.innerText.includes(\"The model's answer\")")
    for student, mark in zip(students, "✓✓✗"):
        student.wait_for_function(
            f"document.querySelector('#lesson-verdict')?.innerText.startsWith('{mark}')", timeout=30_000
        )
    teacher.screenshot(path=str(SCREENSHOTS / "class-teacher.png"), full_page=True)
    for context in contexts:
        context.close()


def test_a_first_page_opens_the_whole_page_when_another_tab_is_chosen(browser, app_url):
    """A link's first page holds its tab alone (s2s_viz/ui/first_page.py): choosing another tab opens the whole page
    on that tab, once; its tabs then change in place."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    page = context.new_page()
    page.goto(app_url + "?tab=mha&projector=1", wait_until="load", timeout=60_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#tab-mha .js-plotly-plot')).some(p => p.data?.length)", timeout=60_000
    )
    assert page.evaluate("window.gradio_config.s2s_one_tab") == "mha"
    assert page.locator("#translate-button").count() == 0  # not in this page
    page.get_by_role("tab", name="Translate").click()
    page.wait_for_url("**tab=translate**", timeout=30_000)
    page.wait_for_selector("#translate-heatmap .js-plotly-plot .heatmaplayer", timeout=60_000)
    assert page.evaluate("window.gradio_config.s2s_one_tab") is None  # the whole page
    assert "projector=1" in page.url and page.evaluate("document.body.classList.contains('projector')")
    page.evaluate("window.__samePage = true")
    page.get_by_role("tab", name="Multi-head attention").click()
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#tab-mha .js-plotly-plot')).some(p => p.data?.length)", timeout=60_000
    )
    assert page.evaluate("window.__samePage") is True  # changed in place: no page load
    context.close()


def test_a_tab_chosen_from_the_phones_overflow_menu_opens_the_whole_page(browser, app_url):
    """On a phone the tabs that do not fit are in Gradio's overflow menu, which adds the chosen tab's button to the
    bar: a first page opens the whole page on it too."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(app_url + "?tab=translate", wait_until="load", timeout=60_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#tab-translate .js-plotly-plot')).some(p => p.data?.length)",
        timeout=60_000,
    )
    page.get_by_label("More tabs").click()
    page.locator("button:visible", has_text="训练").last.click()
    page.wait_for_url("**tab=train**", timeout=30_000)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#tab-train .js-plotly-plot')).some(p => p.data?.length)",
        timeout=60_000,
    )
    assert page.evaluate("window.gradio_config.s2s_one_tab") is None
    context.close()


def test_leaving_a_first_train_page_while_it_trains_asks_first(browser, app_url):
    """A first page's tab change is a page load, which would stop the training the page follows: the reader is asked
    (here in Chinese), and saying no keeps the page, its Train tab and the training."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.dismiss())  # "no"
    page.goto(app_url + "?tab=train", wait_until="load", timeout=60_000)
    page.wait_for_selector("#train-start", timeout=60_000)
    page.fill("#train-name textarea", "asked-before-leaving")
    page.fill("#train-epochs input", "50")
    page.click("#train-start")
    page.wait_for_function("document.querySelector('#train-status').innerText.includes('上训练')", timeout=120_000)
    with page.expect_event("dialog", timeout=30_000) as question:
        page.get_by_role("tab", name="翻译").click()
    assert "停止" in question.value.message
    page.wait_for_function("document.querySelector('#tab-train-button')?.getAttribute('aria-selected') === 'true'")
    assert "tab=train" in page.url and page.evaluate("window.gradio_config.s2s_one_tab") == "train"
    assert "上训练" in page.inner_text("#train-status")  # still training
    page.get_by_role("button", name="停止").click()
    page.wait_for_function("/停止|结束|没有/.test(document.querySelector('#train-status').innerText)", timeout=120_000)
    context.close()
