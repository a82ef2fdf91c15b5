"""A class on one server: each visitor (a browser, or a gradio_client Client) has its own models."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from helpers import wait_until

TRAIN = ("translator: LSTM seq2seq", "toy:reverse", "my-model", 1, 64, 0.005, 8, 1, 1.0, 100)  # tiny: a second or two


def _train(client: Client, data: str) -> str:
    job = client.submit(TRAIN[0], data, *TRAIN[2:], api_name="/train")
    list(job)
    return job.outputs()[-1][0]


def test_two_visitors_train_the_same_name_and_each_keeps_their_own(app_url, app_user_models):
    first, second, newcomer = (Client(app_url, verbose=False) for _ in range(3))
    assert "Finished" in _train(first, "toy:reverse")
    assert "Finished" in _train(second, "toy:copy")
    saved = sorted(app_user_models.glob("visitors/*/my-model.json"))
    assert len(saved) == 2  # two folders, one model each: neither replaced the other
    assert not (app_user_models / "my-model.json").exists()
    import json

    assert {json.loads(path.read_text())["direction"] for path in saved} == {"toy:reverse", "toy:copy"}
    for client in (first, second):  # each reads their own
        assert client.predict("my-model", "abc", "greedy", 4, 1.0, 0, api_name="/translate")[0] is not None
    with pytest.raises(AppError, match="unknown model 'my-model'"):  # and nobody else sees either
        newcomer.predict("my-model", "abc", "greedy", 4, 1.0, 0, api_name="/translate")


def test_a_huge_picture_is_refused_before_it_is_decoded_on_every_path(client, tmp_path, app_rss):
    """A 12000x12000 picture (a small PNG: one colour) sent as an upload, and as each part of a sketch: refused by
    its size, read from its header; the server's memory does not grow by the 576 MB decoding it would take."""
    from gradio_client import handle_file
    from PIL import Image

    path = tmp_path / "huge.png"
    Image.new("RGBA", (12000, 12000), (255, 255, 255, 255)).save(path)
    before = app_rss()
    with pytest.raises(AppError, match="12000x12000; the limit is"):
        client.predict("birnn-mnist", None, handle_file(str(path)), 0, "upload", api_name="/classify_digit")
    sketch = {"background": handle_file(str(path)), "layers": [handle_file(str(path))], "composite": None}
    with pytest.raises(AppError, match="12000x12000; the limit is"):
        client.predict("birnn-mnist", sketch, None, 0, "draw", api_name="/classify_digit")
    sketch = {"background": None, "layers": [], "composite": handle_file(str(path))}
    with pytest.raises(AppError, match="12000x12000; the limit is"):
        client.predict("vit-mnist", sketch, None, 0, "draw", 0, -1, "mean", 0.0, api_name="/vit_attention")
    assert app_rss() - before < 100 * 2**20


def test_one_training_per_visitor_and_a_full_queue_never_blocks_the_others(app_url):
    """A visitor who presses Train again while theirs waits or runs is told so; one who sends a flood of requests
    is held to their own bound; meanwhile another visitor translates, and the first one's Stop answers."""
    import time

    greedy, other = Client(app_url, verbose=False), Client(app_url, verbose=False)
    long = ("translator: LSTM seq2seq", "toy:reverse", "long-one", 50, 32, 0.005, 16, 1, 1.0, 3000)
    first = greedy.submit(*long, api_name="/train")
    wait_until(first.outputs, 120, "the first training's first report")  # it has joined, and runs
    second = greedy.submit(*long[:2], "long-two", *long[3:], api_name="/train")
    with pytest.raises(Exception, match="already have a training waiting or running"):
        second.result(timeout=60)
    models = ["attention-char-en-fr", "transformer-char-en-fr", "lstm-char-en-fr"]
    sentence = "The students open the page all at once."
    flood = [greedy.submit(models, sentence, "beam", 8, 1.0, 0, api_name="/compare") for _ in range(60)]
    started = time.monotonic()
    assert other.predict("attention-char-en-fr", "I am cold.", "greedy", 4, 1.0, 0, api_name="/translate")[0]
    assert time.monotonic() - started < 15  # its turn comes before the flood's backlog
    refused = 0
    for job in flood:
        try:
            job.result(timeout=120)
        except Exception as error:  # noqa: BLE001
            refused += "requests waiting already" in str(error)
    assert refused > 0  # the flood met its own bound, not the class's
    started = time.monotonic()
    assert greedy.predict(api_name="/stop_training")  # the owner's Stop gets through at once
    assert time.monotonic() - started < 5
    first.cancel()


def test_a_published_model_is_everyones_to_use_and_its_trainers_alone_to_delete(app_url):
    trainer, classmate = Client(app_url, verbose=False), Client(app_url, verbose=False)
    job = trainer.submit(TRAIN[0], "toy:reverse", "shared-model", *TRAIN[3:], api_name="/train")
    list(job)
    assert "Finished" in job.outputs()[-1][0]
    with pytest.raises(AppError, match="unknown model 'shared-model'"):
        classmate.predict("shared-model", "abc", "greedy", 4, 1.0, 0, api_name="/translate")
    assert "is published" in trainer.predict("shared-model", api_name="/publish_model")
    written = trainer.predict("shared-model", "abc", "greedy", 4, 1.0, 0, api_name="/translate")[0]
    assert classmate.predict("shared-model", "abc", "greedy", 4, 1.0, 0, api_name="/translate")[0] == written
    with pytest.raises(AppError, match="you have no model named 'shared-model'"):  # read-only to the others
        classmate.predict("shared-model", api_name="/delete_model")
    said, _ = trainer.predict("shared-model", api_name="/delete_model")
    assert "with its published copy" in said
    for client in (trainer, classmate):
        with pytest.raises(AppError, match="unknown model 'shared-model'"):
            client.predict("shared-model", "abc", "greedy", 4, 1.0, 0, api_name="/translate")


def test_every_new_browser_gets_its_own_visitor_and_no_shared_file_carries_one(app_url, app_log):
    """The page gives each new reader a cookie of their own; the page's script files (compressed once and served to
    everyone from memory after the warm-up) carry none, or every reader would be handed one reader's id."""
    import urllib.request

    from s2s_viz.ui.page import figure_assets

    wait_until(lambda: "page files compressed ahead" in app_log.read_text(), 240, "the compression", every=0.5)
    cookies = [urllib.request.urlopen(app_url, timeout=30).headers.get("set-cookie", "") for _ in range(2)]
    assert all(cookie.startswith("s2s_visitor=") for cookie in cookies) and cookies[0] != cookies[1]
    request = urllib.request.Request(app_url + "assets/" + figure_assets()[0], headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers.get("content-encoding") == "gzip" and answer.headers.get("set-cookie") is None


def test_the_same_training_asked_by_two_visitors_runs_once_and_a_third_is_told_its_place(app_url, app_user_models):
    """Two visitors press Train with the same settings (their own names): one run trains for both, each gets a copy
    in their own folder. A third, with other settings, waits: told how many trainings are ahead and when it starts."""
    import json

    first, second, third = (Client(app_url, verbose=False) for _ in range(3))
    same = ("translator: LSTM seq2seq", "toy:copy", 2, 32, 0.005, 16, 1, 1.0, 2000)
    job = first.submit(*same[:2], "ours-first", *same[2:], api_name="/train")

    # under way, not waiting behind a training another test of this app left in the line
    def under_way():
        said = [output[0] for output in job.outputs()]
        said = [line.get("value") if isinstance(line, dict) else line for line in said]
        return any(isinstance(line, str) and line and "Waiting:**" not in line for line in said)

    wait_until(under_way, 300, "the first visitor's training under way")
    joined = second.submit(*same[:2], "ours-second", *same[2:], api_name="/train")
    other = third.submit("translator: LSTM seq2seq", "toy:reverse", "theirs", 1, 64, 0.004, 8, 1, 1.0, 100,
                         api_name="/train")  # fmt: skip
    wait_until(other.outputs, 60, "the third visitor's first line")
    assert "Waiting:** 1 training ahead of yours; yours should start" in other.outputs()[0][0]
    for running in (job, joined, other):
        running.result(timeout=300)
    said = [output[0] for output in joined.outputs()]
    assert any("2 visitors asked for these same settings" in line for line in said), said
    assert "Finished" in said[-1] and "Finished" in job.outputs()[-1][0] and "Finished" in other.outputs()[-1][0]
    cards = [json.loads(next(app_user_models.glob(f"visitors/*/{name}.json")).read_text())
             for name in ("ours-first", "ours-second")]  # fmt: skip
    assert [card["name"] for card in cards] == ["ours-first", "ours-second"]
    assert cards[0]["weights_sha256"] == cards[1]["weights_sha256"] and cards[0]["created"] == cards[1]["created"]
    for client, name in ((first, "ours-first"), (second, "ours-second")):
        assert client.predict(name, "abc", "greedy", 4, 1.0, 0, api_name="/translate")[0] is not None
