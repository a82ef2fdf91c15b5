"""Lesson: the topic in order, one stop at a time; the learner answers first, then sees the model's answer and the
view that explains it. A class can answer together: the teacher moves, the students' pages follow, the answers
are pooled and the teacher reveals."""

from __future__ import annotations

import gradio as gr
import plotly.graph_objects as go

from s2s_viz import lesson
from s2s_viz.classroom import CLASSES
from s2s_viz.translation import InputError

from . import localize
from .common import alive, refuse
from .i18n import language, t
from .links import shareable
from .page import page_call

INTRO = """**A guided lesson through the topic, in {count} stops.** At each stop: read, answer the question, then
see what the real model says, and why. Your progress stays in this browser. *Try this:* answer stop 1, then press
*next*. A teacher can open a class below; students join with its code and answer together."""

CLASS_INTRO = """**Answer together.** The teacher presses *Open a class* and shows the code (or the link); each
student types the code and presses *Join*. When the teacher moves to a stop, every student's lesson follows; the
students' answers are counted without names, and the teacher sees how many chose what, then reveals the answer."""

TICK_S = 2.0  # how often a page in a class asks where its class is


def _number(stop) -> int:
    try:
        return lesson.STOPS.index(lesson.stop_key(stop)) + 1
    except InputError:
        return 1


def progress_line(progress: dict | None) -> str:
    """Which stops this browser answered right (✓) or not yet (✗ tried, · not tried)."""
    progress = progress if isinstance(progress, dict) else {}
    marks = [
        f"{index}{'✓' if progress.get(key) is True else '✗' if progress.get(key) is False else '·'}"
        for index, key in enumerate(lesson.STOPS, start=1)
    ]
    right = sum(progress.get(key) is True for key in lesson.STOPS)
    return f"Answered right: {right} of {len(lesson.STOPS)} · " + " ".join(marks)


def _link(question) -> str:
    return f"Open this view with all its controls: [the {question.tab} tab](?{question.link})"


def _in_language(made):
    """A stop's figure or table as the reader's language has it (a copy: the stop's own is shared). Values inside
    ``gr.update`` do not pass through the page's translation on their way out, so they are translated here."""
    if made is None:
        return None
    if isinstance(made, go.Figure):
        return localize.figure(go.Figure(made), language())
    return localize.table(made, language())


def _view_updates(question, shown: bool):
    """The stop's view, as a figure or a table, or nothing until the answer is out."""
    figure = _in_language(question.view) if shown and isinstance(question.view, go.Figure) else None
    frame = _in_language(question.view) if shown and not isinstance(question.view, go.Figure) else None
    return (
        gr.update(value=figure, visible=figure is not None),
        gr.update(value=frame, visible=frame is not None),
    )


def lesson_stop(stop: float, progress: dict | None = None, membership: dict | None = None, shown: float = 0):
    """Open stop ``stop`` (1..N): its words, the figure the question needs, the question and its answer controls
    (the model's answer and view stay hidden until answered). A teacher's page moves its class there. The stop
    already ``shown`` is left as it is (the slider may say the same value twice: a chosen answer stays chosen)."""
    try:
        if int(stop) == int(shown):
            return (*[gr.skip()] * 11, gr.skip())
    except (TypeError, ValueError, OverflowError):
        pass
    try:
        question = lesson.ask(int(stop), language())
    except (InputError, TypeError, ValueError, OverflowError) as error:
        raise refuse(str(error) if isinstance(error, InputError) else f"no such stop: {stop!r}") from error
    membership = membership if isinstance(membership, dict) else {}
    status = gr.skip()
    if membership.get("secret"):
        try:
            state = CLASSES.move(membership.get("code"), membership["secret"], question.key)
            status = _teacher_status(state)
        except InputError as error:
            status = str(error)
    figure, frame = _view_updates(question, shown=False)
    words = f"### {question.number}. {question.title}\n\n{question.text}"
    choosing = question.choices is not None
    return (
        words,
        gr.update(value=_in_language(question.before), visible=question.before is not None),
        f"**{question.prompt}**",
        gr.update(choices=question.choices or [], value=None, visible=choosing),
        gr.update(value=None, visible=not choosing),
        "",
        figure,
        frame,
        _link(question),
        progress_line(progress),
        status,
        question.number,
    )


def answer(stop: float, choice, number, progress: dict | None = None, membership: dict | None = None):
    """The learner's answer to stop ``stop``: right or not and why, the view that explains it, the progress kept in
    the browser. In a class, a student's answer goes to the class's pool, and the answer waits for the reveal."""
    try:
        key = lesson.stop_key(int(stop))
    except (InputError, TypeError, ValueError, OverflowError) as error:
        raise refuse(f"no such stop: {stop!r}") from error
    question = lesson.ask(key, language())
    given = choice if question.choices is not None else number
    if given is None or given == "":
        raise refuse("answer first: choose one" if question.choices is not None else "answer first: type a number")
    membership = membership if isinstance(membership, dict) else {}
    if membership.get("student"):
        try:
            lesson.check(key, given, language())  # an answer that is no answer is refused before it is pooled
            state = CLASSES.answer(membership.get("code"), membership["student"], key, given)
        except InputError as error:
            raise refuse(str(error)) from error
        waiting = f"Your answer is in ({state.answered} of {state.students} answered): wait for the teacher's reveal."
        return waiting, gr.skip(), gr.skip(), gr.skip(), gr.skip()
    try:
        verdict = lesson.check(key, given, language())
    except InputError as error:
        raise refuse(str(error)) from error
    progress = dict(progress) if isinstance(progress, dict) else {}
    if progress.get(key) is not True:  # a stop once answered right stays right
        progress[key] = verdict.correct
    figure, frame = _view_updates(question, shown=True)
    return ("✓ " if verdict.correct else "✗ ") + verdict.message, figure, frame, progress, progress_line(progress)


# ---- the same for a script: plain values in, plain values out ----------------------------------------------------
def lesson_stop_api(stop: int | str) -> dict:
    """Stop ``stop`` (1..N, or its key) of the lesson: its title, words, question and choices (no answer)."""
    try:
        question = lesson.ask(stop, language())
    except InputError as error:
        raise refuse(str(error)) from error
    return {
        "stop": question.number,
        "key": question.key,
        "title": question.title,
        "text": question.text,
        "question": question.prompt,
        "choices": question.choices,
        "tab": question.tab,
    }


def answer_api(stop: int | str, answer: str) -> dict:
    """``answer`` (a choice, or a number) to stop ``stop``: whether it is the model's, the explanation, the answer."""
    try:
        verdict = lesson.check(stop, answer, language())
    except InputError as error:
        raise refuse(str(error)) from error
    return {"correct": verdict.correct, "message": verdict.message, "answer": verdict.answer}


# ---- a class ---------------------------------------------------------------------------------------------------
def _teacher_status(state) -> str:
    return (
        f"Class **{state.code}** is open: students join with this code (or the link `?tab=lesson&class={state.code}`)."
        f" {state.students} joined; {state.answered} answered this stop."
        + (" The answer is revealed." if state.revealed else "")
    )


def _histogram(state, question) -> go.Figure:
    """How many students gave each answer, the model's answer marked (once revealed)."""
    options = list(question.choices or sorted(state.counts, key=lambda value: float(value)))
    options += [value for value in state.counts if value not in options]
    counts = [state.counts.get(str(option), 0) for option in options]
    right = str(question.answer) if question.choices is not None else f"{float(question.answer):g}"
    colours = ["#2ca02c" if state.revealed and option == right else "#7f7f7f" for option in options]
    figure = go.Figure(
        go.Bar(x=[str(option) for option in options], y=counts, marker_color=colours, text=counts, textposition="auto")
    )
    figure.update_layout(
        title=f"answers: {state.answered} of {state.students} students",
        xaxis={"title": "answer", "tickfont": {"size": 18}, "type": "category"},
        yaxis_title="students",
        yaxis={"dtick": 1, "rangemode": "tozero"},
        height=320,
        margin={"l": 50, "r": 20, "t": 50, "b": 50},
    )
    return figure


def open_class(stop: float, membership: dict | None = None):
    """Open a class at this stop: its code, and this page becomes its teacher's."""
    key = lesson.stop_key(_number(stop))
    try:
        code, secret = CLASSES.open(key)
    except InputError as error:
        raise refuse(str(error)) from error
    state = CLASSES.state(code)
    figure = _histogram(state, lesson.ask(key, language()))
    membership = {"code": code, "secret": secret}
    return membership, _teacher_status(state), gr.update(visible=True), gr.update(value=figure, visible=True), -1


def join_class(code: str, membership: dict | None = None):
    """Join the class with ``code`` as a student (the same student again after a reload): the lesson goes to the
    class's stop and follows it."""
    membership = membership if isinstance(membership, dict) else {}
    if not isinstance(code, str) or not code.strip():
        raise refuse("type the class code your teacher shows")
    kept = membership.get("student") if membership.get("code") == code.strip().upper() else None
    try:
        student, state = CLASSES.join(code, kept)
    except InputError as error:
        raise refuse(str(error)) from error
    membership = {"code": state.code, "student": student}
    status = f"You are in class **{state.code}** ({state.students} joined): your lesson follows the teacher's."
    return membership, status, lesson.STOPS.index(state.stop) + 1, -1


def leave_class(membership: dict | None = None):
    """Leave the class (a teacher's leaving closes it)."""
    membership = membership if isinstance(membership, dict) else {}
    if membership.get("secret"):
        try:
            CLASSES.close(membership.get("code"), membership["secret"])
        except InputError:
            pass  # expired already
    return {}, "You are not in a class.", gr.update(visible=False), gr.update(visible=False)


def _the_answer(question) -> str:
    shown = question.answer if question.choices is not None else f"{float(question.answer):g}"
    return f"The model's answer: `{shown}`. {question.why}"


def reveal(stop: float, membership: dict | None = None):
    """The teacher reveals the model's answer to the class (and sees it, with its view)."""
    membership = membership if isinstance(membership, dict) else {}
    try:
        state = CLASSES.reveal(membership.get("code"), membership.get("secret"))
    except InputError as error:
        raise refuse(str(error)) from error
    question = lesson.ask(state.stop, language())
    figure, frame = _view_updates(question, shown=True)
    return _the_answer(question), figure, frame, _histogram(state, question)


def class_tick(
    membership: dict | None, stop: float, choice, number, seen: float, progress: dict | None = None, at: float = 0
):
    """Where the class is now, for a page in it: a teacher's count of answers; a student's lesson drawn at the
    class's stop (whatever its slider says: ``at`` is the stop the page shows) and, once revealed, the answer and its
    view. Nothing is sent when nothing changed since ``seen``."""
    membership = membership if isinstance(membership, dict) else {}
    # membership, status, stop, verdict, view, table, histogram, seen, timer, then the rest of a stop's drawing:
    # words, before, prompt, choice, number, link, progress, the stop shown
    out = [gr.skip()] * 17
    if not membership.get("code"):
        out[8] = gr.update(active=False)
        return out
    try:
        state = CLASSES.state(membership["code"])
    except InputError as error:  # the class closed or expired: the page leaves it
        out[0], out[1], out[8] = {}, str(error), gr.update(active=False)
        return out
    if state.version == seen:
        return out
    question = lesson.ask(state.stop, language())
    out[7] = state.version
    if membership.get("secret"):
        out[1], out[6] = _teacher_status(state), _histogram(state, question)
        return out
    there = lesson.STOPS.index(state.stop) + 1
    try:
        shown = int(at)
    except (TypeError, ValueError, OverflowError):
        shown = 0
    if shown != there:  # the stop drawn here, now, and the slider set to it; the next tick draws the rest
        drawn = lesson_stop(there, progress, membership, shown=0)
        words, before, prompt, choice_update, number_update, verdict, view, table, link, line, _, number_at = drawn
        out[2:6] = [there, verdict, view, table]
        out[9:17] = [words, before, prompt, choice_update, number_update, link, line, number_at]
        out[7] = gr.skip()
    out[1] = f"You are in class **{state.code}** ({state.students} joined; {state.answered} answered)."
    if shown != there or not state.revealed:
        return out
    given = choice if question.choices is not None else number
    if given is None or given == "":
        out[3] = _the_answer(question)
    else:
        found = lesson.check(state.stop, given, language())
        out[3] = ("✓ " if found.correct else "✗ ") + found.message
    out[4], out[5] = _view_updates(question, shown=True)
    return out


def build() -> list:
    gr.Markdown(t("lesson.intro", INTRO.format(count=len(lesson.STOPS))))
    progress = gr.BrowserState({}, storage_key="s2s-viz-lesson-progress")
    membership = gr.BrowserState({}, storage_key="s2s-viz-lesson-class")
    # what the API calls them (``api.name_the_api`` names an unlabelled value by its element id)
    progress.elem_id, membership.elem_id = "lesson-progress-kept", "lesson-membership"
    with gr.Row(equal_height=True):
        previous = gr.Button(t("button.previous", "◀ previous"), size="sm", scale=0, elem_id="lesson-previous")
        stop = gr.Slider(1, len(lesson.STOPS), value=1, step=1, label=t("label.stop", "stop"), elem_id="lesson-stop")
        following = gr.Button(t("button.next", "next ▶"), size="sm", scale=0, elem_id="lesson-next")
    progress_shown = gr.Markdown(elem_id="lesson-progress")
    words = gr.Markdown(elem_id="lesson-text")
    before = gr.Plot(visible=False, show_label=False, elem_id="lesson-before")
    prompt = gr.Markdown(elem_id="lesson-prompt")
    choice = gr.Radio([], label=t("label.your_answer", "your answer"), elem_id="lesson-choice")
    number = gr.Number(label=t("label.your_number", "your answer (a number)"), visible=False, elem_id="lesson-number")
    answer_button = gr.Button(t("button.answer", "Answer"), variant="primary", elem_id="lesson-answer")
    verdict = gr.Markdown(elem_id="lesson-verdict")
    view = gr.Plot(visible=False, show_label=False, elem_id="lesson-view")
    table = gr.Dataframe(visible=False, interactive=False, elem_id="lesson-table")
    opened = gr.Markdown(elem_id="lesson-open")
    with gr.Accordion(t("label.class", "a class that answers together"), open=False, elem_id="lesson-class"):
        gr.Markdown(t("lesson.class", CLASS_INTRO))
        with gr.Row():
            open_button = gr.Button(t("button.open_class", "Open a class (teacher)"), elem_id="class-open")
            code = gr.Textbox(label=t("label.class_code", "class code"), max_length=12, elem_id="class-code")
            join_button = gr.Button(t("button.join_class", "Join (student)"), elem_id="class-join")
            leave_button = gr.Button(t("button.leave_class", "Leave"), size="sm", elem_id="class-leave")
        class_status = gr.Markdown(elem_id="class-status")
        reveal_button = gr.Button(t("button.reveal", "Reveal the answer"), visible=False, elem_id="class-reveal")
        histogram = gr.Plot(visible=False, show_label=False, elem_id="class-histogram")
    seen = gr.State(-1)
    timer = gr.Timer(TICK_S, active=False)

    at = gr.State(0)  # the stop the page shows
    shown = [words, before, prompt, choice, number, verdict, view, table, opened, progress_shown, class_status, at]
    # one page's stops in the order they were chosen (three quick clicks must leave a class at the third, not at
    # whichever of three concurrent moves finished last)
    stop.change(
        lesson_stop,
        [stop, progress, membership, at],
        shown,
        api_visibility="private",
        show_progress="hidden",
        trigger_mode="always_last",
    )
    # the first stop is drawn when the tab opens; a page that was in a class (before a reload) listens to it again
    alive(
        lesson_stop,
        [stop, progress, membership, at],
        shown,
        then=(lambda kept: gr.Timer(active=bool((kept or {}).get("code"))), [membership], [timer]),
    )
    # in the page: no round trip, and quick clicks add up
    previous.click(None, stop, stop, js=page_call("turn", -1, len(lesson.STOPS)))
    following.click(None, stop, stop, js=page_call("turn", 1, len(lesson.STOPS)))
    answer_button.click(
        answer,
        [stop, choice, number, progress, membership],
        [verdict, view, table, progress, progress_shown],
        api_visibility="private",
    )
    gr.api(lesson_stop_api, api_name="lesson_stop")
    gr.api(answer_api, api_name="answer")
    open_button.click(
        open_class,
        [stop, membership],
        [membership, class_status, reveal_button, histogram, seen],
        api_name="open_class",
    ).then(lambda: gr.Timer(active=True), None, timer, api_visibility="private")
    join_button.click(
        join_class, [code, membership], [membership, class_status, stop, seen], api_name="join_class"
    ).then(lambda: gr.Timer(active=True), None, timer, api_visibility="private")
    leave_button.click(
        leave_class, membership, [membership, class_status, reveal_button, histogram], api_name="leave_class"
    ).then(lambda: gr.Timer(active=False), None, timer, api_visibility="private")
    reveal_button.click(reveal, [stop, membership], [verdict, view, table, histogram], api_name="reveal")
    timer.tick(
        class_tick,
        [membership, stop, choice, number, seen, progress, at],
        [membership, class_status, stop, verdict, view, table, histogram, seen, timer]
        + [words, before, prompt, choice, number, opened, progress_shown, at],
        api_visibility="private",
        show_progress="hidden",
        concurrency_limit=None,
    )
    shareable("lesson", stop=stop, **{"class": code})
    return []
