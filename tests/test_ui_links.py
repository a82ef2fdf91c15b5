"""Links, export and the server's words in Chinese, on real Gradio components and real figures (no server)."""

from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd
import pytest

from s2s_viz import viz
from s2s_viz.ui.export import export_files
from s2s_viz.ui.i18n import say
from s2s_viz.ui.links import Links, parse_value, restore_from_query, shareable
from s2s_viz.ui.localize import localize, wrap_title


@pytest.fixture
def page():
    """A small page with one shareable tab: what a link may set, and what it may not."""
    with gr.Blocks() as demo:
        demo.s2s_links = Links()
        controls = {
            "layer": gr.Slider(0, 11, value=0, step=1),
            "temperature": gr.Slider(0.05, 3.0, value=1.0, step=0.05),
            "causal": gr.Checkbox(),
            "strategy": gr.Radio([("greedy!", "greedy"), ("beam!", "beam")], value="greedy"),
            "models": gr.Dropdown(["a", "b", "c"], multiselect=True, max_choices=2),
            "text": gr.Textbox(max_length=20),
        }
        shareable("demo", **controls)
    return demo.s2s_links, controls


def test_a_link_sets_each_control_and_names_what_it_ignored(page):
    registry, controls = page
    query = {
        "tab": "demo",
        "layer": "2",
        "temperature": "0.5",
        "causal": "1",
        "strategy": "beam",
        "models": "a,c",
        "text": "I am cold.",
        "projector": "1",
    }
    selected, notice, projector, values = restore_from_query(registry, query, ["demo", "other"])
    assert selected.selected == "demo" and notice["visible"] is False and projector["value"] is True
    restored = dict(zip(controls, [value["value"] for value in values]))
    assert restored == {
        "layer": 2,
        "temperature": 0.5,
        "causal": True,
        "strategy": "beam",
        "models": ["a", "c"],
        "text": "I am cold.",
    }
    assert isinstance(restored["layer"], int)  # a whole-step slider gets a whole number


def test_a_layer_beyond_the_chosen_models_range_is_named_with_the_range_not_moved_silently():
    """The shipped Transformer has 3 layers and 4 heads: a link asking for layer 9 and head 7 shows the last of
    each, and its notice says so with the sliders' real range."""
    from s2s_viz.ui.common import layer_and_head_sliders

    with gr.Blocks() as demo:
        demo.s2s_links = Links()
        model = gr.Dropdown(["transformer-char-en-fr"], value="transformer-char-en-fr")
        layer, head = layer_and_head_sliders(model, "layer", "head")
        shareable("transformer", model=model, layer=layer, head=head)
    query = {"tab": "transformer", "layer": "9", "head": "1"}
    _, notice, _, values = restore_from_query(demo.s2s_links, query, ["transformer"])
    assert notice["visible"] is True
    assert "layer='9': this model's range is 0..2; shown at 2" in notice["value"]
    assert "head" not in notice["value"].split("ignored:**")[1]  # head 1 exists: set as asked, not named
    shown = {id(component): value for component, value in zip(_components(demo.s2s_links), values)}
    assert shown[id(layer)]["value"] == 2 and shown[id(head)]["value"] == 1


def _components(registry: Links) -> list:
    """The controls in the order ``restore_from_query`` returns their updates."""
    found = [component for controls in registry.tabs.values() for component in controls.values()]
    found += [follower for _, followers, _ in registry.followers for follower in followers]
    return list(dict.fromkeys(found))


def test_a_link_leaves_a_control_alone_that_already_has_its_value(page):
    """Setting a value the page has would fire its change event: one more computation of the view, which could land
    after the reader's next move and undo it."""
    registry, controls = page
    query = {"tab": "demo", "layer": "0", "temperature": "1", "strategy": "greedy", "causal": "1"}
    _, notice, _, values = restore_from_query(registry, query, ["demo"])
    updates = dict(zip(controls, values))
    assert notice["visible"] is False
    assert [name for name, update in updates.items() if "value" in update] == ["causal"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"tab": "nowhere"}, "there is no such tab"),
        ({"tab": "demo", "layer": "12"}, "layer='12': needs a number in 0..11"),
        ({"tab": "demo", "layer": "two"}, "layer='two': needs a number"),
        ({"tab": "demo", "strategy": "random"}, "'random' is not one of the choices"),
        ({"tab": "demo", "models": "a,b,c"}, "at most 2 may be chosen"),
        ({"tab": "demo", "text": "x" * 21}, "longer than 20 characters"),
        ({"tab": "demo", "colour": "red"}, "colour: no such setting on the demo tab"),
        ({"layer": "2"}, "layer: no such setting without a tab"),
    ],
)
def test_bad_link_values_are_ignored_with_a_notice(page, query, named):
    registry, controls = page
    _, notice, _, values = restore_from_query(registry, query, ["demo"])
    assert notice["visible"] is True and named in notice["value"].replace("\\", "")  # as the page shows it
    assert all("value" not in value for value in values)  # nothing was set from a bad value


@pytest.mark.parametrize(
    "name", ["[click](http://evil.example)", "![x](http://evil.example/x.png)", "<img src=x onerror=alert(1)>"]
)
def test_a_links_own_text_reaches_the_page_as_text(page, name):
    """What a link names is shown, escaped: Markdown renders no link, image or tag from it."""
    import markdown_it

    registry, _ = page
    _, notice, _, _ = restore_from_query(registry, {"tab": "demo", name: "1"}, ["demo"])
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).render(notice["value"])  # raw HTML allowed, too
    assert "<a " not in html and "<img" not in html
    assert "evil.example" in html or "onerror" in html  # shown, as text


def test_parse_value_keeps_numbers_in_the_controls_bounds():
    with gr.Blocks():
        number = gr.Number(minimum=0, maximum=9999, precision=0)
        assert parse_value(number, "17") == 17
        with pytest.raises(ValueError, match="0..9999"):
            parse_value(number, "-1")
        with pytest.raises(ValueError):
            parse_value(number, "nan")


def test_export_writes_standalone_html_for_figures_and_csv_for_tables(tmp_path):
    figure = viz.attention_heatmap(np.eye(3), list("abc"), list("xyz"))
    payload = gr.Plot().postprocess(figure)  # what the page sends back for a figure
    table = pd.DataFrame({"step": [0, 1], "p": [0.123456789, 0.5]})
    paths = export_files(["heatmap", "steps", "empty"], payload, table, None)
    html, csv = (open(path, encoding="utf-8").read() for path in paths)
    assert paths[0].endswith("heatmap.html") and paths[1].endswith("steps.csv")
    assert 'src="https://cdn.plot.ly' not in html and len(html) > 1_000_000  # plotly.js is inside: opens offline
    assert "Plotly.newPlot" in html
    assert "0.123456789" in csv  # full precision
    assert "which source characters each output step reads" in html  # the figure itself, title and all
    with pytest.raises(gr.Error, match="Nothing to export"):
        export_files(["empty"], None)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("encoder self-attention: layer 1, head 2", "编码器自注意力：层 1，头 2"),
        ("MNIST test image 3 (label 8): it is an 8", "MNIST 测试图片 3（标签 8）：是 8"),
        ("the source is missing", "缺少源句"),  # a blank translated in turn
        ("show head must be in 0..1 for 2 heads, got 5", "2 个头时显示的头必须在 0..1 之间，收到的是 5"),  # reordered
        (
            "**Finished**. Model `my-model` is saved and listed in every tab.",
            "**完成**。模型 `my-model` 已保存，并出现在每个标签页的列表中。",
        ),  # a name between backticks is left alone
        ("ahead of the heads", "ahead of the heads"),  # whole words only
        (  # the forcing experiment's computed conclusion
            "After 2 epoch(s): reinjection (ratio 0): 3.5 s an epoch, teacher-forced loss 0.500, free-running exact "
            "30% (chrF 60.2). Here reinjection wrote better on its own (30% vs 20% exact), at 2.9x the time per epoch.",
            "2 轮之后： 回注 (ratio 0): 3.5 秒一轮，教师强制损失 0.500，自由生成完全匹配 30%（chrF 60.2）。"
            "这里回注自己生成得更好（完全匹配 30% 对 20%），代价是每轮用时为 2.9 倍.",
        ),
        (  # a word-level model's notice: the unknown word and `<unk>` kept as they are
            "out-of-vocabulary words 'Zorglub' at word positions 2: this model never saw them in training and reads "
            "each as `<unk>`, so it cannot translate them",
            "词表外的词 'Zorglub'（第 2 个词）：模型在训练中从没见过它们，把每个都读成 `<unk>`，所以无法翻译",
        ),
        (  # the fill-in-the-blank summary: the sentence between backticks is left alone
            "Hidden: character 7 (a) of `Tom is a good doctor.`.",
            "隐藏：`Tom is a good doctor.` 的第 7 个字符（a）。",
        ),
    ],
)
def test_the_servers_words_in_chinese(english, chinese):
    assert say(english, "zh-CN") == chinese
    assert say(english, "en") == english


def test_a_figure_and_a_table_are_localized_but_not_their_tokens():
    figure = viz.attention_heatmap(np.eye(2), ["a", "b"], ["x", "y"])
    localize(figure, gr.Plot(), "zh-CN")
    assert figure.layout.title.text.startswith("注意力") and figure.layout.xaxis.title.text == "源句（编码器位置 j）"
    assert list(figure.data[0].x) == ["0:a", "1:b"]
    table = localize(
        pd.DataFrame({"what": ["heads concatenated", "J'ai froid."], "shape": ["(2, 3)", "x"]}), gr.Dataframe(), "zh-CN"
    )
    assert list(table.columns) == ["内容", "形状"] and list(table["内容"]) == ["各头拼接", "J'ai froid."]


def test_long_titles_break_between_words():
    title = "class-token attention in every block and head (the patch grid of each)"
    wrapped = wrap_title(title)
    assert wrapped.replace("<br>", " ") == title and all(len(line) <= 52 for line in wrapped.split("<br>"))


def test_chinese_titles_break_by_width_and_between_characters():
    """A Chinese character is as wide as two Latin ones, and a line may break between any two of them."""
    title = "decoder_target_data：第 t 行 = decoder_input_data 第 t+1 行"  # 49 characters, too wide for a phone
    wrapped = wrap_title(title)
    assert "<br>" in wrapped and wrapped.replace("<br>", " ").replace("  ", " ") == title
    chinese = "每个源句的字节数按字符与按词两种方式分别计算然后放在一起比较看看差多少"
    lines = wrap_title(chinese).split("<br>")
    assert "".join(lines) == chinese and len(lines) == 2


def test_markup_takes_no_width_and_a_wrapped_title_gets_room_above_the_plot():
    """`<sub>` tags are not text: a subtitle that fits is not broken (it was, and overlapped the grid below)."""
    import plotly.graph_objects as go

    subtitle = "<sub>B = block, H = head; the chosen one is framed</sub>"
    assert wrap_title(subtitle) == subtitle
    made = go.Figure(layout={"title": {"text": "a" * 30 + " " + "b" * 30 + "<br>" + subtitle}})
    figure = localize(made, gr.Plot(), "en")
    assert figure.layout.title.text.count("<br>") == 2
    assert figure.layout.margin.t >= 130  # the first line centred in the margin, two more hanging below it


def test_a_table_shows_rounded_numbers_and_its_csv_export_keeps_every_digit(tmp_path, monkeypatch):
    """The page shows 4 decimals; what Gradio keeps of the table (and so the CSV export and the API) is exact."""
    from s2s_viz.ui import export
    from s2s_viz.ui.localize import localize

    frame = pd.DataFrame({"step": [0, 1], "p": [0.123456789, 0.5]})
    component = gr.Dataframe()
    payload = component.postprocess(localize(frame, component, "en"))
    shown = [[cell for cell in row] for row in payload.metadata["display_value"]]
    assert shown[0][1] == "0.1235" and payload.data[0][1] == 0.123456789
    monkeypatch.setattr(export, "fresh_folder", lambda prefix: tmp_path)
    (written,) = export.export_files(["steps"], component.preprocess(payload))
    assert pd.read_csv(written)["p"].tolist() == [0.123456789, 0.5]


def test_a_first_page_is_one_tab_and_the_whole_page_when_the_server_is_told(monkeypatch):
    """The page middleware on a real Gradio page: the opened tab alone (the other tab listed, empty), its events
    consistent; ``S2S_VIZ_FIRST_PAGE=whole`` sends the whole page."""
    import json

    from gradio.routes import App
    from starlette.middleware import Middleware
    from starlette.testclient import TestClient

    from s2s_viz.ui.first_page import MARK, OneTabFirstPage

    with gr.Blocks() as demo:
        sink = gr.State(None)
        with gr.Tabs():
            with gr.Tab("A", id="a"):
                a = gr.Slider(0, 9, elem_id="a-slider")
            with gr.Tab("B", id="b"):
                b = gr.Slider(0, 9, elem_id="b-slider")
        demo.load(lambda: (1, 2), None, [a, b])
        b.change(lambda x: x, b, a)
    demo.s2s_one_tab = (["a", "b"], sink._id)
    demo.theme = gr.themes.Default()  # as ``launch`` sets it: the page's template reads its colours
    demo.config = demo.get_config_file()
    app = App.create_app(demo, app_kwargs={"middleware": [Middleware(OneTabFirstPage, demo=demo)]})

    def config(query: str) -> dict:
        html = TestClient(app).get("/" + query).text
        return json.JSONDecoder().raw_decode(html, html.index(MARK) + len(MARK))[0]

    shown = config("?tab=a")
    ids = {c["props"].get("elem_id") for c in shown["components"]}
    assert shown["s2s_one_tab"] == "a" and "a-slider" in ids and "b-slider" not in ids
    assert [event["outputs"] for event in shown["dependencies"]] == [[a._id, sink._id]]  # b's change left out
    assert config("")["s2s_one_tab"] == "a" and config("?tab=b")["s2s_one_tab"] == "b"
    monkeypatch.setenv("S2S_VIZ_FIRST_PAGE", "whole")
    whole = config("?tab=a")
    assert "s2s_one_tab" not in whole and "b-slider" in {c["props"].get("elem_id") for c in whole["components"]}
