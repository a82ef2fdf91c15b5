"""Every endpoint through gradio_client against the running app, with real inputs and with bad ones."""

from __future__ import annotations

import json

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from helpers import wait_until
from PIL import Image, ImageDraw

TRANSLATOR = "attention-char-en-fr"  # the default translator; it translates the README's sentence right


def plotly(figure) -> dict:
    return json.loads(figure["plot"]) if isinstance(figure["plot"], str) else figure["plot"]


def test_translate_returns_text_steps_and_a_figure(client):
    text, notice, figure, steps, table, *_ = client.predict(
        TRANSLATOR, "I am cold.", "greedy", 4, 1.0, 0, api_name="/translate"
    )
    assert text == "J'ai froid."
    assert steps["headers"][:3] == ["step", "chosen", "p"] and len(steps["data"]) == len(text) + 1  # and the end
    heatmap = plotly(figure)["data"][0]
    assert heatmap["type"] == "heatmap"
    assert [label.split(":", 1)[1] for label in heatmap["x"]] == ["I", "␣", "a", "m", "␣", "c", "o", "l", "d", "."]
    assert len(heatmap["y"]) == len(steps["data"])
    assert len(table["data"]) == len(steps["data"])


def test_beam_and_sampling_through_the_api(client):
    beamed = client.predict(TRANSLATOR, "We won.", "beam", 3, 1.0, 0, api_name="/translate")
    beam, candidates = beamed[0], beamed[-1]
    assert candidates["headers"][:3] == ["rank", "candidate", "log p"] and 1 <= len(candidates["data"]) <= 3
    assert candidates["data"][0][1] == beam  # the best candidate is the translation
    normalised = [row[3] for row in candidates["data"]]
    assert normalised == sorted(normalised, reverse=True)
    first = client.predict(TRANSLATOR, "We won.", "sample", 4, 1.5, 11, api_name="/translate")[0]
    again = client.predict(TRANSLATOR, "We won.", "sample", 4, 1.5, 11, api_name="/translate")[0]
    assert beam and first == again


def test_the_word_level_model_translates_names_unknown_words_and_compares(client):
    text, notice, figure, steps, *_ = client.predict(
        "attention-word-en-fr", "I see Zorglub.", "greedy", 4, 1.0, 0, api_name="/translate"
    )
    assert "out-of-vocabulary words 'Zorglub'" in notice and "`<unk>`" in notice  # code, not an HTML tag
    assert plotly(figure)["layout"]["title"]["text"] == "Attention: which source words each output step reads"
    heatmap = plotly(figure)["data"][0]
    words = [label.split(":", 1)[1] for label in heatmap["x"]]
    assert words == ["I", "see", "&lt;unk&gt;", "."]  # words, not characters (<unk> as plotly draws it)
    assert len(steps["data"]) == len(heatmap["y"]) <= 6
    table, *heatmaps = client.predict(
        ["attention-word-en-fr", "attention-char-en-fr"], "I am cold.", "greedy", 4, 1.0, 0, api_name="/compare"
    )
    assert [row[:2] for row in table["data"]] == [
        ["attention-word-en-fr", "J'ai froid."],
        ["attention-char-en-fr", "J'ai froid."],
    ]
    assert heatmaps[0] is not None and heatmaps[1] is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   ", "empty"), ("😀🙃", "unknown characters"), ("x" * 100_001, "limit is 100,000")],
)
def test_bad_text_gets_a_clear_message(client, text, message):
    with pytest.raises(AppError, match=message):
        client.predict(TRANSLATOR, text, "greedy", 4, 1.0, 0, api_name="/translate")


def test_long_text_is_truncated_with_a_notice(client):
    _, notice, *_ = client.predict(TRANSLATOR, "I am cold. " * 500, "greedy", 4, 1.0, 0, api_name="/translate")
    assert "truncated" in notice


def test_unknown_model_and_impossible_settings(client):
    with pytest.raises(AppError, match="unknown model"):
        client.predict("../../etc/passwd", "hi", "greedy", 4, 1.0, 0, api_name="/translate")
    with pytest.raises(AppError, match="less than minimum value 1"):
        client.predict(TRANSLATOR, "hi", "beam", 0, 1.0, 0, api_name="/translate")


def test_compare_forcing(client):
    _, table, summary = client.predict(TRANSLATOR, "I am cold.", "J'ai froid.", api_name="/compare_forcing")
    assert "Free-running output" in summary and len(table["data"]) == len("J'ai froid.") + 1


def test_the_mha_tabs_probabilities_are_keras_own(client):
    """The tab's softmax figure for head 1 against keras.layers.MultiHeadAttention computed here, on the inputs the tab
    describes (each character a vector seeded by it, plus the sinusoidal encoding; Keras's weights from the seed)."""
    import keras
    import numpy as np

    from s2s_viz.models.transformer import sinusoidal_encoding

    text, heads, key_dim, seed = "attention", 2, 8, 0
    *_, probabilities, _, _, _ = client.predict(text, heads, key_dim, 1, False, seed, api_name="/mha")
    z = plotly(probabilities)["data"][0]["z"]  # plotly's typed array: dtype, base64 bytes, shape
    if isinstance(z, dict):
        import base64

        rows, columns = (int(size) for size in str(z["shape"]).split(","))
        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(rows, columns)
    shown = np.asarray(z, dtype="float64")
    d_model = heads * key_dim
    vectors = np.stack([np.random.default_rng(ord(char) + 7919 * seed).normal(size=d_model) for char in text])
    x = (vectors + sinusoidal_encoding(len(text), d_model))[None].astype("float32")
    keras.utils.set_random_seed(seed)
    layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim, value_dim=key_dim)
    layer.build((1, None, d_model), (1, None, d_model))
    _, scores = layer(x, x, return_attention_scores=True)  # (1, heads, T, T)
    np.testing.assert_allclose(shown, np.asarray(scores)[0, 1], atol=1e-3)


def draw_seven(path):
    picture = Image.new("L", (200, 200), 255)
    draw = ImageDraw.Draw(picture)
    draw.line([(50, 40), (150, 40), (90, 170)], fill=0, width=14)
    picture.save(path)
    return path


def test_digit_endpoints_with_an_upload(client, tmp_path):
    from s2s_viz import list_models

    names = {m.name for m in list_models(kind="digits") if not m.broken}
    assert {"birnn-mnist", "vit-mnist"} <= names  # both ship with the app
    path = handle_file(str(draw_seven(tmp_path / "seven.png")))
    bars = client.predict("birnn-mnist", None, path, 0, "upload", api_name="/classify_digit")[0]
    assert "it is a 7" in json.dumps(plotly(bars)["layout"]["title"])
    result = client.predict("vit-mnist", None, path, 0, "upload", 0, -1, "mean", 0.0, api_name="/vit_attention")
    assert "it is a 7" in json.dumps(plotly(result[0])["layout"]["title"])
    assert plotly(result[3])["data"]  # the rollout over the picture


def test_fill_in_the_blank_answers_for_both_directions_and_refuses_a_typed_blank(client):
    guesses, positions, summary, slider = client.predict("We won.", 20, api_name="/fill_blank")
    # the position follows the sentence: 20 is beyond it, so its last character (the full stop) is hidden
    assert slider["value"] == slider["maximum"] == len("We won.") - 1
    assert "“We won_”" in plotly(guesses)["layout"]["title"]["text"]
    assert [trace["name"] for trace in plotly(guesses)["data"]] == ["forward only", "bidirectional"]
    assert all(len(trace["y"]) == len("We won.") for trace in plotly(positions)["data"])
    assert "- forward only: first guess" in summary and "- bidirectional: first guess" in summary
    with pytest.raises(AppError, match="without _"):
        client.predict("Tom is _ good doctor.", 3, api_name="/fill_blank")


@pytest.mark.parametrize("size", [(1, 1), (4000, 4000)])
def test_odd_images_get_a_clear_answer(client, tmp_path, size):
    from s2s_viz import list_models

    digit_models = [m.name for m in list_models(kind="digits") if not m.broken]
    if not digit_models:
        pytest.skip("no digit model shipped yet")
    path = tmp_path / "odd.png"
    Image.new("L", size, 255).save(path)
    with pytest.raises(AppError, match="draw a digit first"):
        client.predict(
            digit_models[0],
            None,
            handle_file(str(path)),
            0,
            "upload",
            api_name="/classify_digit" if "birnn" in digit_models[0] else "/vit_attention",
        )


def test_training_streams_and_the_model_appears_everywhere(client, app_user_models):
    job = client.submit(
        "translator: LSTM seq2seq", "toy:reverse", "api-trained", 1, 64, 0.005, 16, 1, 1.0, 300, api_name="/train"
    )
    outputs = list(job)
    status = job.outputs()[-1][0]
    assert len(outputs) >= 2 and "Finished" in status
    import s2s_viz

    (saved,) = app_user_models.glob("visitors/*/api-trained.keras")  # in this client's own folder
    expected = s2s_viz.load(str(saved)).translate("abc").text  # what the app saved
    assert client.predict("api-trained", "abc", "greedy", 4, 1.0, 0, api_name="/translate")[0] == expected
    _, table, summary = client.predict("api-trained", "abc", "cba", api_name="/compare_forcing")
    assert len(table["data"]) == len("cba") + 1 and expected in summary
    table, plain, attentive, _ = client.predict(["api-trained", TRANSLATOR], "abc", api_name="/compare")
    assert table["data"][0][:2] == ["api-trained", expected]
    assert "no attention" in plotly(plain)["layout"]["title"]["text"]  # an LSTM: says why nothing is drawn
    heatmap = plotly(attentive)["data"][0]
    assert heatmap["type"] == "heatmap" and len(heatmap["x"]) == len("abc")  # the other model's attention


@pytest.mark.parametrize(
    ("epochs", "message"),
    [
        (0, "less than minimum value 1"),
        ("many", "epochs needs a number, got 'many'"),
        (10_000, "greater than maximum value 50"),
    ],
)
def test_impossible_hyperparameters_are_refused(client, epochs, message):
    with pytest.raises(AppError, match=message):
        client.predict(
            "translator: LSTM seq2seq", "toy:reverse", "bad", epochs, 64, 0.005, 16, 1, 1.0, 300, api_name="/train"
        )


def test_impossible_settings_inside_the_bounds_are_refused_by_the_core(client):
    with pytest.raises(AppError, match="invalid model name"):
        client.predict(
            "translator: LSTM seq2seq", "toy:reverse", "../evil", 1, 64, 0.005, 16, 1, 1.0, 300, api_name="/train"
        )
    with pytest.raises(AppError, match="translators train on sentence pairs"):
        client.predict("translator: LSTM seq2seq", "mnist", "ok-name", 1, 64, 0.005, 16, 1, 1.0, 300, api_name="/train")
    with pytest.raises(AppError, match="shipped model"):
        client.predict(
            "translator: LSTM seq2seq",
            "toy:reverse",
            "lstm-char-en-fr",
            1,
            64,
            0.005,
            16,
            1,
            1.0,
            300,
            api_name="/train",
        )


def test_the_app_still_answers_after_bad_inputs(client):
    import s2s_viz

    expected = s2s_viz.load(TRANSLATOR).translate("Hi.").text
    assert client.predict(TRANSLATOR, "Hi.", "greedy", 4, 1.0, 0, api_name="/translate")[0] == expected
    endpoints = set(client.view_api(return_format="dict")["named_endpoints"])
    assert {
        "/translate",
        "/compare",
        "/compare_forcing",
        "/mha",
        "/classify_digit",
        "/vit_attention",
        "/train",
    } <= endpoints


def test_a_broken_checkpoint_is_named_not_fatal(client):
    with pytest.raises(AppError, match="cannot be loaded: .*unreadable card"):
        client.predict("broken", "Hi.", "greedy", 4, 1.0, 0, api_name="/translate")


def test_leaving_a_training_frees_the_slot(client):
    import time

    long_job = client.submit(
        "translator: LSTM seq2seq", "toy:reverse", "left-behind", 50, 32, 0.005, 16, 1, 1.0, 3000, api_name="/train"
    )
    wait_until(long_job.outputs, 60, "the training's first report")
    long_job.cancel()  # the client goes away, as when a tab is closed
    started = time.monotonic()
    short_job = client.submit(
        "translator: LSTM seq2seq", "toy:reverse", "after-leaving", 1, 64, 0.005, 16, 1, 1.0, 300, api_name="/train"
    )
    short_job.result(timeout=120)
    assert "Finished" in short_job.outputs()[-1][0]
    assert time.monotonic() - started < 120


def test_an_empty_sketch_asks_for_a_digit(client):
    with pytest.raises(AppError, match="draw a digit first"):
        client.predict("birnn-mnist", None, None, 0, "draw", api_name="/classify_digit")
    with pytest.raises(AppError, match="greater than maximum value 9999"):
        client.predict("birnn-mnist", None, None, 12345, "test image", api_name="/classify_digit")


def test_compare_refuses_more_than_three_and_uses_the_strategy(client):
    four = ["attention-char-en-fr", "lstm-char-en-fr", "gru-char-en-fr", "transformer-char-en-fr"]
    with pytest.raises(AppError, match="at most 3 models"):
        client.predict(four, "We won.", api_name="/compare")
    import s2s_viz

    expected = s2s_viz.load("lstm-char-en-fr").translate("We won.", strategy="beam", beam_width=3).text
    table, *heatmaps = client.predict(["lstm-char-en-fr"], "We won.", "beam", 3, 1.0, 0, api_name="/compare")
    assert table["data"][0][:2] == ["lstm-char-en-fr", expected]
    assert heatmaps[1] is None and heatmaps[2] is None  # one model, one panel


def test_a_chinese_reader_gets_chinese_figures_tables_and_refusals(app_url):
    from gradio_client import Client

    chinese = Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text, figure, grid = chinese.predict(
        "transformer-char-en-fr", "I am cold.", "encoder self-attention", 1, 2, api_name="/transformer_attention"
    )
    assert plotly(figure)["layout"]["title"]["text"] == "编码器自注意力：层 1，头 2"
    assert "所有层和头" in plotly(grid)["layout"]["title"]["text"]
    assert text == s2s_viz_translation("transformer-char-en-fr", "I am cold.")  # the translation itself untouched
    figure, table, summary = chinese.predict(
        TRANSLATOR, "Tom is wise.", "Tom est raisonnable.", api_name="/compare_forcing"
    )
    assert table["headers"][:2] == ["步", "参考"] and "自由生成的输出" in summary
    with pytest.raises(AppError, match="至少选择一个模型来比较"):
        chinese.predict([], "We won.", api_name="/compare")
    english = Client(app_url, verbose=False, headers={"Accept-Language": "en-US,en;q=0.9"})
    _, figure, _ = english.predict(
        "transformer-char-en-fr", "I am cold.", "encoder self-attention", 1, 2, api_name="/transformer_attention"
    )
    assert plotly(figure)["layout"]["title"]["text"] == "encoder self-attention: layer 1, head 2"


def s2s_viz_translation(name: str, text: str) -> str:
    import s2s_viz

    return s2s_viz.load(name).translate(text).text


@pytest.mark.parametrize("content", [b"this is a text file, not a picture", "truncated"])
def test_unreadable_uploads_get_the_core_message_and_no_server_path(client, tmp_path, content):
    path = tmp_path / "upload.png"
    if content == "truncated":
        draw_seven(path)
        content = path.read_bytes()[:300]
    path.write_bytes(content)
    with pytest.raises(AppError) as refused:
        client.predict("birnn-mnist", None, handle_file(str(path)), 0, "upload", api_name="/classify_digit")
    message = str(refused.value)
    assert "not a readable image" in message
    assert "/tmp" not in message and "gradio" not in message.lower()


def test_a_refused_request_logs_one_line_not_a_traceback(client, app_log):
    import time

    marker = f"no such model {time.monotonic_ns()}"
    with pytest.raises(AppError, match="unknown model"):
        client.predict(marker, "Hi.", "greedy", 4, 1.0, 0, api_name="/translate")
    log = wait_until(lambda: marker in app_log.read_text() and app_log.read_text(), 30, "the refusal's log line")
    assert len([line for line in log.splitlines() if marker in line]) == 1
    assert "gradio.exceptions.Error" not in log  # no refusal anywhere in the run printed Gradio's traceback


def test_mha_draws_masked_cells_as_masked_and_refuses_a_head_beyond_h(client):
    raw, scaled, probabilities, *_, verdict = client.predict("attention", 2, 8, 1, True, 0, api_name="/mha")
    figure = plotly(scaled)
    assert len(figure["data"]) == 2 and "masked" in figure["data"][1]["hovertemplate"]
    assert len(plotly(raw)["data"]) == 1  # the raw scores are not masked yet
    assert "d_model = h × d_k = 2 × 8 = 16" in verdict
    with pytest.raises(AppError, match=r"show head must be in 0..1 for 2 heads, got 5"):
        client.predict("attention", 2, 8, 5, False, 0, api_name="/mha")


def test_a_transformers_translate_heatmap_says_which_attention_it_shows(client):
    _, _, heatmap, *_ = client.predict(
        "transformer-char-en-fr", "I am cold.", "greedy", 4, 1.0, 0, api_name="/translate"
    )
    assert plotly(heatmap)["layout"]["title"]["text"].startswith("Last layer's cross-attention, mean of its heads")
    _, _, heatmap, *_ = client.predict(TRANSLATOR, "I am cold.", "greedy", 4, 1.0, 0, api_name="/translate")
    assert plotly(heatmap)["layout"]["title"]["text"].startswith("Attention: which source characters")


def test_the_data_view_lays_a_pair_out_and_refuses_an_empty_one(client):
    encoder, decoder_input, decoder_target, ids, batch, shapes = client.predict(
        TRANSLATOR, "Go away!", "Va-t'en !", 3, api_name="/lay_out"
    )
    assert "`[1, 11, 80]`" in shapes and "for every t: **True**" in shapes
    assert plotly(decoder_input)["data"][0]["y"][0] == "0:&lt;s&gt;"  # the decoder's input starts with the start symbol
    assert ids["data"][1][1].startswith("1 ")  # ... whose id is 1
    assert batch["data"][0][0] == "Go away!" and batch["data"][1][-1] == "·"  # padded and masked
    with pytest.raises(AppError, match="type a source sentence and its translation"):
        client.predict(TRANSLATOR, " ", "x", 3, api_name="/lay_out")


def test_the_states_are_traced_by_hand_and_one_unit_followed(client):
    summary, handover, hidden, cell, alpha, context, curve, *_ = client.predict(
        "lstm-char-en-fr", "I am cold.", api_name="/trace_states"
    )
    expected = s2s_viz_translation("lstm-char-en-fr", "I am cold.")
    assert f"Written step by step: **{expected}**; the compiled loop writes **{expected}** (the same)" in summary
    assert plotly(handover)["data"][0]["y"] == ["0:h", "1:c"]
    assert len(plotly(hidden)["data"][0]["y"]) == len(expected) + 1  # one row per step, the end symbol's too
    assert plotly(hidden)["data"][0]["y"][0] == f"0:{expected[0]}"  # numbered once
    assert [trace["name"] for trace in plotly(curve)["data"]] == ["h[0]", "c[0]"]
    assert "no attention" in plotly(context)["layout"]["title"]["text"]  # the plain LSTM: said in words
    summary, _, _, _, alpha, context, *_ = client.predict(TRANSLATOR, "I am cold.", api_name="/trace_states")
    steps = len(plotly(alpha)["data"][0]["y"])
    assert len(plotly(context)["data"][0]["y"]) == steps  # one row per step, as alpha
    assert "c_i = Σ_j alpha_ij h_j `(512,)`" in summary and "s_(i-1)" in summary


def test_after_its_warm_up_the_server_sends_every_tab_with_its_view_drawn(app_url, app_log):
    """The warm-up computes each tab's view with the page's defaults and keeps its first figure in the page the server
    sends, so a tab opens drawn; the tab's own computation (the reader's language, a link's settings) follows."""
    import json
    import urllib.request

    wait_until(lambda: "warm-up done" in app_log.read_text(), 240, "the warm-up", every=0.5)
    config = json.loads(urllib.request.urlopen(app_url + "config", timeout=30).read())
    drawn = {
        component["props"].get("elem_id")
        for component in config["components"]
        if component["type"] == "plot" and (component["props"].get("value") or {}).get("plot")
    }
    assert {"translate-heatmap", "transformer-heatmap", "vit-probabilities", "data-encoder"} <= drawn
    # a view's first figure only: the page draws all it is sent before it shows any (the rest come with its own)
    assert not {"transformer-grid", "vit-grid", "birnn-blank-positions"} & drawn
    figure = next(
        json.loads(c["props"]["value"]["plot"])
        for c in config["components"]
        if c["props"].get("elem_id") == "translate-heatmap"
    )
    assert figure["data"][0]["type"] == "heatmap" and figure["layout"]["title"]["text"]  # a computed figure


def test_the_warm_up_starts_before_gradio_is_imported(app_url, app_log):
    """``app.py`` starts loading and compiling the first views' models before it imports Gradio (whose import and the
    page's building leave a core free): ``ui.early`` imports no Gradio, and the app's log says when it was done."""
    import subprocess
    import sys

    checked = subprocess.run(
        [sys.executable, "-c", "import sys, s2s_viz.ui.early; print('gradio' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.stdout.strip() == "False", checked.stderr[-500:]
    wait_until(lambda: "first models ready" in app_log.read_text(), 240, "the early start", every=0.5)


def test_after_its_warm_up_the_server_has_every_page_file_compressed(app_url, app_log):
    """The first reader of a tab whose components no page had asked for must not wait for their compression."""
    import re

    from s2s_viz.ui.page import figure_assets, page_assets

    wait_until(lambda: "page files compressed ahead" in app_log.read_text(), 240, "the compression", every=0.5)
    packed, asked = map(int, re.search(r"compressed ahead: (\d+) of (\d+)", app_log.read_text()).groups())
    assert packed == asked == len(set(page_assets()) - set(figure_assets())) > 500


def test_the_figure_component_is_compressed_once_and_served_whole(app_url):
    """Gradio compresses each response as it streams it (no length known ahead); the cached one has a length. The
    figure component is served with the app's own plotly.js bundle (scatter, bar, heatmap) in place of the whole of
    plotly.js."""
    import gzip
    import urllib.error
    import urllib.request

    import brotli

    from s2s_viz.ui.assets import PLOTLY, lighter_figure_files
    from s2s_viz.ui.page import figure_assets

    chunk, bundle = figure_assets()
    served = lighter_figure_files()
    assert bundle == PLOTLY.name and served[bundle] == PLOTLY.read_bytes()
    assert served[chunk].startswith(f'import"./{bundle}";'.encode()) and len(served[chunk]) < 10_000
    for name in (chunk, bundle):
        for encoding, unpack in (("br", brotli.decompress), ("gzip", gzip.decompress), ("br", brotli.decompress)):
            request = urllib.request.Request(f"{app_url}assets/{name}", headers={"Accept-Encoding": encoding})
            with urllib.request.urlopen(request, timeout=60) as response:
                body = response.read()
                assert response.headers["Content-Encoding"] == encoding
                assert int(response.headers["Content-Length"]) == len(body)
                tag = response.headers["ETag"]
            assert unpack(body) == served[name]
        plain = urllib.request.Request(f"{app_url}assets/{name}", headers={"Accept-Encoding": "identity"})
        with urllib.request.urlopen(plain, timeout=60) as response:
            assert response.read() == served[name] and response.headers.get("Content-Encoding") is None
        again = urllib.request.Request(f"{app_url}assets/{name}", headers={"If-None-Match": tag})
        with pytest.raises(urllib.error.HTTPError, match="304"):
            urllib.request.urlopen(again, timeout=60)


def test_the_api_reads_as_words(client):
    """Every public endpoint under its own name, every parameter and value named (checked against view_api())."""
    import re

    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    expected = {"/translate", "/replay", "/trace_states", "/compare", "/lay_out", "/corpus_cost", "/compare_forcing"}
    expected |= {"/forcing_experiment", "/mha", "/transformer_attention", "/transformer_block", "/positional_encoding"}
    expected |= {"/classify_digit", "/fill_blank", "/vit_attention", "/train", "/stop_training"}
    expected |= {"/publish_model", "/delete_model", "/check_pairs", "/import_model", "/force", "/free_after"}
    expected |= {
        "/lesson_stop",
        "/answer",
        "/open_class",
        "/join_class",
        "/leave_class",
        "/reveal",
        "/quality_by_length",
    }
    assert set(endpoints) == expected
    unnamed = re.compile(r"^(param|parameter|value)_\d+$|__i18n__|^$")
    for name, endpoint in endpoints.items():
        for parameter in endpoint["parameters"]:
            assert not unnamed.search(parameter["parameter_name"]), (name, parameter)
            assert not unnamed.search(str(parameter["label"])), (name, parameter)
        for value in endpoint["returns"]:
            assert not unnamed.search(str(value["label"])), (name, value)
    train = [parameter["parameter_name"] for parameter in endpoints["/train"]["parameters"]]
    assert train[:3] == ["what", "data", "name"] and train[-1] == "activation"
    assert [value["label"] for value in endpoints["/replay"]["returns"]][0] == "written so far"
    assert [value["label"] for value in endpoints["/translate"]["returns"]][:2] == ["translation", "notice"]
    # /replay is the public one (a private event of the page runs the same function under another name)
    translation = client.predict(TRANSLATOR, "I am cold.", "greedy", 4, 1.0, 0, api_name="/translate")[0]
    written = client.predict(3, api_name="/replay")[0]
    assert written == translation[:4], (written, translation)  # steps 0-3: the first four characters


@pytest.mark.parametrize(
    ("endpoint", "data", "said"),
    [
        ("/translate", [["x"], "Hi.", "greedy", 4, 1.0, 0], "needs one choice, got list"),
        ("/translate", [TRANSLATOR, ["a"], "greedy", 4, 1.0, 0], "needs text, got list"),
        ("/translate", [TRANSLATOR, {"a": 1}, "greedy", 4, 1.0, 0], "needs text, got dict"),
        ("/translate", [TRANSLATOR, "Hi.", "nope", 4, 1.0, 0], "'nope' is not one of greedy, beam, sample"),
        ("/compare", [TRANSLATOR, "Hi.", "greedy", 4, 1.0, 0], "needs a list of choices, got str"),
        # the endpoints the page calls itself (undocumented, but callable as any other)
        ("/translate_for_page", [TRANSLATOR, ["a"], "greedy", 4, 1.0, 0], "needs text, got list"),
        ("/translate_for_page", [TRANSLATOR, "", "greedy", 4, 1.0, 0], "the input is empty"),
        ("/translate_for_page", [TRANSLATOR, "Hi.", "beam", 99, 1.0, 0], "beam width"),
        ("/vit_rollout", ["vit-mnist", None, None, 0, "test image", 9, -1, "max", 0.0], "block must be in 0..3"),
        ("/vit_rollout", ["vit-mnist", None, None, 0, "test image", 0, -1, "sideways", 0.0], "is not one of"),
        ("/vit_rollout", [TRANSLATOR, None, None, 0, "test image", 0, -1, "max", 0.0], "not a digits model"),
        (
            "/train",
            ["translator: LSTM seq2seq", None, "x", 1, 64, 0.005, 16, 1, 1.0, 300, "same", "concat", "both", "7"],
            "choose the data to train on",
        ),
    ],
)
def test_values_of_the_wrong_kind_get_the_apps_own_sentence(client, endpoint, data, said):
    with pytest.raises(AppError) as refused:
        client.predict(*data, api_name=endpoint)
    message = str(refused.value)
    assert said in message, message
    assert not any(python in message for python in ("unhashable", "NoneType", "<class", "Traceback", "/tmp/"))


def test_force_writes_the_chosen_character_and_the_decoder_goes_on_by_itself(client):
    text, notice, original, forced, steps = client.predict(
        TRANSLATOR, "I am cold.", "greedy", 4, 1, "e", api_name="/force"
    )
    assert text == "Je suis froid." and "first differ at step 1" in notice
    assert [row[1] for row in steps["data"][:2]] == ["J", "e"]
    assert plotly(original)["data"][0]["type"] == plotly(forced)["data"][0]["type"] == "heatmap"
    same = client.predict(TRANSLATOR, "I am cold.", "beam", 3, 1, "'", api_name="/force")
    assert same[0] == "J'ai froid." and "nothing changes" in same[1]
    for step, token, message in ((1, "", "choose or type"), (99, "e", "the step must be in 0.."), (1, "漢", "is not")):
        with pytest.raises(AppError, match=message):
            client.predict(TRANSLATOR, "I am cold.", "greedy", 4, step, token, api_name="/force")
    with pytest.raises(AppError, match="greedy and beam"):
        client.predict(TRANSLATOR, "I am cold.", "sample", 4, 1, "e", api_name="/force")


def test_fed_the_reference_then_free(client):
    summary, table = client.predict(TRANSLATOR, "Tom is wise.", "Tom est raisonnable.", 9, api_name="/free_after")
    assert summary.startswith("Fed `Tom est r`") and "(9 steps of the reference)" in summary
    fed = [row[1] for row in table["data"]]
    assert fed[:9] == ["reference"] * 9 and set(fed[9:]) == {"itself"}
    assert "".join(row[2] for row in table["data"][:9]) == "Tom␣est␣r"


def test_the_lesson_through_the_api(client):
    from s2s_viz import lesson

    stop = client.predict(3, api_name="/lesson_stop")
    assert (
        stop["title"].startswith("Teacher forcing") and "Tom is wise." in stop["question"] and stop["choices"] is None
    )
    missed = client.predict(3, "99", api_name="/answer")
    assert not missed["correct"] and missed["message"].startswith("Not quite") and "exposure bias" in missed["message"]
    right = client.predict(3, str(lesson.ask("forcing").answer), api_name="/answer")
    assert right["correct"] and right["answer"] == lesson.ask("forcing").answer
    assert client.predict("attention", lesson.ask("attention").answer, api_name="/answer")["correct"]
    for stop, given, message in ((99, "x", "no such stop"), (1, "", "choose one of"), (2, "NaN", "type a number")):
        with pytest.raises(AppError, match=message):
            client.predict(stop, given, api_name="/answer")


def test_a_class_through_the_api_refuses_what_it_cannot_do(client):
    with pytest.raises(AppError, match="no class 'NOPE1' is open"):
        client.predict("NOPE1", api_name="/join_class")
    with pytest.raises(AppError, match="type the class code"):
        client.predict("", api_name="/join_class")
    with pytest.raises(AppError, match="no class"):
        client.predict(1, api_name="/reveal")  # this visitor opened no class
