"""The lesson's stops (every answer computed by the shipped models) and the class that answers together."""

from __future__ import annotations

import pytest

from s2s_viz import lesson
from s2s_viz.classroom import Classes
from s2s_viz.translation import InputError


def test_the_lesson_has_twelve_to_sixteen_stops_in_both_languages():
    assert 12 <= len(lesson.STOPS) <= 16
    for key in lesson.STOPS:
        for lang in lesson.LANGUAGES:
            words = lesson._words(key, lang)
            assert {"title", "text", "prompt", "why"} <= set(words), (key, lang)


@pytest.mark.parametrize("key", lesson.STOPS)
def test_each_stop_is_answered_by_the_model_and_a_wrong_answer_is_explained(key):
    question = lesson.ask(key)
    assert question.view is not None and question.prompt and "{" not in question.prompt + question.why
    if question.choices is None:
        wrong = float(question.answer) + 1 + 10 * question.tolerance
        right = question.answer
    else:
        assert question.answer in question.choices and len(question.choices) >= 2
        wrong = next(choice for choice in question.choices if choice != question.answer)
        right = question.answer
    missed = lesson.check(key, wrong)
    assert not missed.correct and missed.message.startswith("Not quite") and question.why in missed.message
    assert lesson.check(key, right).correct
    chinese = lesson.ask(key, "zh-CN")
    assert chinese.prompt != question.prompt and any("\u4e00" <= char <= "\u9fff" for char in chinese.prompt)


def test_stop_answers_come_from_the_models():
    import s2s_viz

    translator = s2s_viz.loaded("attention-char-en-fr")
    result = translator.translate("I am cold.")
    step = result.text.index("f")
    best = int(result.attention[step].argmax())
    assert lesson.ask("attention").answer == f"{best}:{result.source_tokens[best]}"
    assert (
        lesson.ask("forcing").answer
        == translator.compare_forcing("Tom is wise.", "Tom est raisonnable.").first_divergence
    )
    assert lesson.ask("causal").answer == 0.0  # the causal mask: nothing above the diagonal


@pytest.mark.parametrize("stop", [0, 14, "nope", None, 1.5, float("nan")])
def test_a_stop_that_is_not_one_is_named(stop):
    with pytest.raises(InputError, match="no such stop"):
        lesson.ask(stop)


@pytest.mark.parametrize("given", [None, "x", float("nan"), "", [1]])
def test_an_answer_that_is_no_answer_is_refused(given):
    with pytest.raises(InputError):
        lesson.check("states", given)
    with pytest.raises(InputError, match="choose one of"):
        lesson.check("data", "Z")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_class_follows_pools_answers_reveals_and_expires():
    clock = Clock()
    classes = Classes(most=2, size=3, hours=1, clock=clock)
    code, secret = classes.open("data")
    students = [classes.join(code.lower())[0] for _ in range(3)]
    with pytest.raises(InputError, match="is full"):
        classes.join(code)
    again, state = classes.join(code, students[0])  # the same student after a reload
    assert again == students[0] and state.students == 3
    classes.move(code, secret, "greedy")
    for student, given in zip(students, ["'", "e", "'"]):
        classes.answer(code, student, "greedy", given)
    classes.answer(code, students[1], "greedy", "'")  # a changed answer replaces the first
    assert classes.state(code).counts == {"'": 3}
    with pytest.raises(InputError, match="moved on"):
        classes.answer(code, students[0], "data", "J")
    with pytest.raises(InputError, match="only the teacher"):
        classes.reveal(code, "not-the-secret")
    assert classes.reveal(code, secret).revealed
    with pytest.raises(InputError, match="out already"):
        classes.answer(code, students[0], "greedy", "e")
    moved = classes.move(code, secret, "beam")
    assert moved.counts == {} and not moved.revealed
    classes.open("data")
    with pytest.raises(InputError, match="2 classes open already"):
        classes.open("data")
    clock.now = 3601
    with pytest.raises(InputError, match="no class"):
        classes.state(code)
    classes.open("data")  # the expired ones made room


def test_each_stops_link_opens_its_tab_at_those_settings_with_nothing_ignored():
    from urllib.parse import parse_qsl

    from s2s_viz.ui.app import TABS, build_app
    from s2s_viz.ui.links import restore_from_query

    demo = build_app()
    keys = [key for key, _, _ in TABS] + ["train"]
    for key in lesson.STOPS:
        query = dict(parse_qsl(lesson.ask(key).link))
        selected, notice, _, _ = restore_from_query(demo.s2s_links, query, keys)
        assert getattr(selected, "selected", None) == query["tab"], key
        assert not (notice.get("visible") and notice.get("value")), (key, notice)
