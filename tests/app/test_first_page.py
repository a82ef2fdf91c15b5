"""A visitor's first page holds the tab it opens alone; the whole page once they choose another (real server)."""

from __future__ import annotations

import json
import urllib.request

from s2s_viz.ui.first_page import MARK, WHOLE_COOKIE, one_tab

TABS = ["translate", "data", "forcing", "mha", "transformer", "birnn", "vit", "lesson", "train"]


def page_config(url: str, cookie: str | None = None) -> dict:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        html = response.read().decode("utf-8")
    start = html.index(MARK) + len(MARK)
    return json.JSONDecoder().raw_decode(html, start)[0]


def whole_config(app_url: str) -> dict:
    with urllib.request.urlopen(app_url + "/config", timeout=30) as response:
        return json.loads(response.read())


def elem_ids(config: dict) -> set[str]:
    return {component["props"].get("elem_id") for component in config["components"]} - {None}


def assert_consistent(config: dict) -> None:
    """Every component the layout names exists, and every event names only components in the page."""
    ids = {component["id"] for component in config["components"]}

    def walk(node):
        for child in node.get("children", []):
            assert child["id"] in ids
            walk(child)

    walk(config["layout"])
    events = {event["id"] for event in config["dependencies"]}
    for event in config["dependencies"]:
        assert set(event["inputs"]) <= ids and set(event["outputs"]) <= ids
        assert all(target[0] in ids or target[0] == config["layout"]["id"] for target in event["targets"])
        assert event.get("trigger_after") in (None, *events)
        assert set(event.get("cancels") or []) <= events


def test_a_first_page_holds_the_tab_it_opens_and_lists_every_tab(app_url):
    app_url = app_url.rstrip("/")
    whole = whole_config(app_url)
    for tab, own, other in (("vit", "vit-button", "translate-button"), ("translate", "translate-button", "vit-button")):
        config = page_config(f"{app_url}/?tab={tab}")
        assert config["s2s_one_tab"] == tab
        assert own in elem_ids(config) and other not in elem_ids(config)
        tabs = [c["props"]["id"] for c in config["components"] if c["type"] == "tabitem"]
        assert tabs == TABS  # the tab bar lists them all
        assert len(config["components"]) < len(whole["components"]) / 2
        assert len(config["dependencies"]) < len(whole["dependencies"]) / 2
        assert_consistent(config)
    # no tab asked: the first
    assert page_config(app_url + "/")["s2s_one_tab"] == "translate"


def test_the_whole_page_once_asked_for_and_for_a_link_the_page_must_explain(app_url):
    app_url = app_url.rstrip("/")
    whole = whole_config(app_url)
    count = len(whole["components"])
    chosen = page_config(f"{app_url}/?tab=vit", cookie=f"{WHOLE_COOKIE}=1")
    assert "s2s_one_tab" not in chosen and len(chosen["components"]) == count
    # an unknown tab: the whole page, whose notice names it
    assert "s2s_one_tab" not in page_config(f"{app_url}/?tab=nosuch")
    assert "s2s_one_tab" not in whole  # the API's configuration is the whole one


def test_an_event_writing_to_a_tab_left_out_writes_to_the_sink_in_its_place():
    """Gradio's page-load event sets every tab's controls from a link: on a one-tab page, each value still lands in
    its place in the answer, the values for the tabs left out in one hidden sink."""
    config = {
        "layout": {
            "id": 0,
            "children": [
                {"id": 1, "children": [{"id": 2, "children": [{"id": 3}]}, {"id": 4, "children": [{"id": 5}]}]},
                {"id": 6},
            ],
        },  # noqa: E501
        "components": [
            {"id": 1, "type": "tabs", "props": {}},
            {"id": 2, "type": "tabitem", "props": {"id": "a"}},
            {"id": 3, "type": "slider", "props": {}},
            {"id": 4, "type": "tabitem", "props": {"id": "b"}},
            {"id": 5, "type": "slider", "props": {}},
            {"id": 6, "type": "state", "props": {}},
        ],
        "dependencies": [
            {"id": 0, "targets": [[0, "load"]], "inputs": [], "outputs": [3, 5], "trigger_after": None, "cancels": []},
            {"id": 1, "targets": [[5, "change"]], "inputs": [5], "outputs": [3], "trigger_after": None, "cancels": []},
            {"id": 2, "targets": [[3, "change"]], "inputs": [3], "outputs": [5], "trigger_after": None, "cancels": []},
            {"id": 3, "targets": [[2, "select"]], "inputs": [], "outputs": [3], "trigger_after": 2, "cancels": [1]},
        ],
        "page": {"": {"layout": {}, "components": [1, 2, 3, 4, 5, 6], "dependencies": [0, 1, 2, 3]}},
    }
    made = one_tab(json.loads(json.dumps(config)), "a", sink=6)
    assert [c["id"] for c in made["components"]] == [1, 2, 3, 4, 6]
    assert made["layout"]["children"][0]["children"][1] == {"id": 4, "children": []}
    load = made["dependencies"][0]
    assert load["outputs"] == [3, 6]  # in its place: the sink
    # reading a control left out, writing only to one left out, or following an event left out: not in the page
    assert [event["id"] for event in made["dependencies"]] == [0]
    assert made["page"][""]["components"] == [1, 2, 3, 4, 6] and made["page"][""]["dependencies"] == [0]
    assert one_tab(json.loads(json.dumps(config)), "c", sink=6) is None  # no such tab
    assert one_tab(json.loads(json.dumps(config)), "a", sink=99) is None  # no sink
