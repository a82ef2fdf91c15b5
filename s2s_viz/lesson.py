"""The lesson: a guided path through the topic, one stop per idea, each asking a question that the real models answer.

Every stop is one short text, one question and one view. The question's answer is computed then and there from the
shipped models (which character gets the most attention, where the free-running decoder leaves the reference, ...),
and so is its explanation and its view: nothing is written down in advance but the words around the numbers.

    from s2s_viz import lesson

    question = lesson.ask("attention")          # the prompt, the choices, the view (computed)
    lesson.check("attention", "2:m").correct    # the model's answer decides
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from . import viz
from .translation import InputError

_TEXT = json.loads(Path(__file__).with_name("lesson.json").read_text(encoding="utf-8"))
STOPS: list[str] = list(_TEXT["stops"])  # in the order a course teaches them
LANGUAGES = ("en", "zh-CN")


@dataclass
class Question:
    """One stop: its words, its question, the model's answer and the view that explains it."""

    key: str
    number: int  # 1-based place in the lesson
    tab: str  # the app's tab where this view lives, with all its controls
    title: str
    text: str
    prompt: str
    choices: list[str] | None  # None: the answer is a number
    answer: str | float
    why: str  # the explanation of the right answer, computed
    view: object = None  # a plotly figure or a pandas table
    before: object = None  # a figure the question needs (the digit the ViT reads)
    tolerance: float = 0.0  # for a number: how far from the answer still counts
    notes: dict = field(default_factory=dict)  # per choice: what the model gave it (a wrong answer is explained)
    link: str = ""  # the query that opens this view in its own tab, at these settings


@dataclass
class Verdict:
    correct: bool
    message: str  # right or not, and why, in the asked language
    answer: str | float


def _words(key: str, lang: str) -> dict:
    return _TEXT["stops"][key]["zh-CN" if lang == "zh-CN" else "en"]


def _word(name: str, lang: str) -> str:
    return _TEXT["words"]["zh-CN" if lang == "zh-CN" else "en"][name]


def _percent(p: float) -> str:
    return f"{100 * float(p):.0f}%"


def _loaded(name: str, kind: str = "translator"):
    from . import loaded

    return loaded(name, kind)


# ---- each stop's computation: the fields of its words, the choices, the answer and the view ---------------------
def _data(lang):
    from .data.vocab import next_step_targets

    translator = _loaded("attention-char-en-fr")
    source, target = "I am cold.", "J'ai froid."
    vocab = translator.target_vocab
    inputs = np.array([vocab.encode(target, add_start_end=True)[:-1]])
    targets = next_step_targets(np.array([vocab.encode(target, add_start_end=True)]))[0][: inputs.shape[1]]
    import pandas as pd

    table = pd.DataFrame(
        {
            "step": range(inputs.shape[1]),
            "decoder reads": [viz.show_token(vocab.token(int(i))) for i in inputs[0]],
            "must write": [viz.show_token(vocab.token(int(i))) for i in targets],
        }
    )
    answer = viz.show_token(vocab.token(int(targets[0])))
    choices = sorted({"<s>", "</s>", answer, viz.show_token(target[1])})
    return dict(source=source, target=target, answer=answer), choices, answer, table, None, {}


def _states(lang):
    name = "lstm-char-en-fr"
    translator = _loaded(name)
    trace = translator.trace("I am cold.")
    layers = len(trace.encoder_states)
    units = int(trace.encoder_states[0]["h"].shape[-1])
    answer = sum(int(np.size(value)) for layer in trace.encoder_states for value in layer.values())
    view = viz.handover_heatmap(trace.encoder_states[-1])
    return dict(model=name, layers=layers, units=units, answer=answer), None, answer, view, None, {}


def _forcing(lang):
    name, source, reference = "attention-char-en-fr", "Tom is wise.", "Tom est raisonnable."
    comparison = _loaded(name).compare_forcing(source, reference)
    step = comparison.first_divergence
    row = comparison.steps[step]
    fields = dict(
        model=name,
        source=source,
        reference=reference,
        free=comparison.free_text,
        answer=step,
        wrote=viz.show_token(row.free_prediction),
        expected=viz.show_token(row.reference),
    )
    return fields, None, step, viz.forcing_figure(comparison), None, {}


def _greedy(lang):
    name, source, step = "attention-char-en-fr", "I am cold.", 1
    result = _loaded(name).translate(source)
    top = result.steps[step].top
    answer = viz.show_token(top[0][0])
    alike = {"'": "’‘`´", '"': "“”«»"}.get(top[0][0], "")  # a choice that looks like the answer is no choice
    notes = {viz.show_token(token): _percent(p) for token, p in top if token not in alike}
    notes = dict(list(notes.items())[:4])
    fields = dict(
        model=name,
        source=source,
        prefix="".join(s.token for s in result.steps[:step]),
        step=step,
        answer=answer,
        p=_percent(top[0][1]),
        second=viz.show_token(top[1][0]),
        p2=_percent(top[1][1]),
    )
    return fields, sorted(notes), answer, viz.highlight_row(viz.steps_table(result.steps), step), None, notes


def _beam(lang):
    name, source = "lstm-char-en-fr", "I am cold."
    translator = _loaded(name)
    greedy, beam = translator.translate(source), translator.translate(source, strategy="beam", beam_width=4)
    answer = _word("yes" if beam.text == greedy.text else "no", lang)
    fields = dict(model=name, source=source, greedy=greedy.text, beam=beam.text)
    return fields, [_word("yes", lang), _word("no", lang)], answer, viz.beam_table(beam.hypotheses), None, {}


def _attention_at(name: str, source: str, step: int):
    """A translation's attention row at ``step``: the four choices (the most attended source position and the
    three after it), the answer, each choice's weight, and the heatmap with that row marked."""
    result = _loaded(name).translate(source)
    row = result.attention[step]
    labels = [f"{j}:{viz.show_token(token)}" for j, token in enumerate(result.source_tokens)]
    order = list(np.argsort(-row, kind="stable"))
    picked = sorted(order[:4], key=int)
    notes = {labels[j]: _percent(row[j]) for j in picked}
    answer = labels[order[0]]
    targets = [s.token for s in result.steps]
    view = viz.attention_heatmap(result.attention, result.source_tokens, targets, title=result.text, highlight_row=step)
    others = ", ".join(f"`{label}` {weight}" for label, weight in notes.items())
    return result, [labels[j] for j in picked], answer, notes, view, others


def _attention(lang):
    name, source = "attention-char-en-fr", "I am cold."
    output = _loaded(name).translate(source).text
    step = output.index("f") if "f" in output else len(output) // 2
    result, choices, answer, notes, view, others = _attention_at(name, source, step)
    fields = dict(model=name, output=result.text, char=viz.show_token(output[step]), step=step, answer=answer)
    return {**fields, "weight": notes[answer], "others": others}, choices, answer, view, None, notes


def _dates(lang):
    name, source = "attention-dates", "3 May 1999"
    output = _loaded(name).translate(source).text
    step = len(output) - 1  # the day's last digit: YYYY-MM-DD ends with the day
    result, choices, answer, notes, view, others = _attention_at(name, source, step)
    position = int(answer.split(":", 1)[0])
    fields = dict(model=name, source=source, output=result.text, char=output[step], step=step, position=position)
    return {**fields, "answer": answer, "weight": notes[answer], "others": others}, choices, answer, view, None, notes


def _mha_parts():
    from . import explain

    return explain.mha_walkthrough("attention", 2, 8, 0, False, None)


def _mha_shape(lang):
    parts = _mha_parts()
    heads, n, _ = parts["raw_scores"].shape
    d_k = parts["Q"].shape[-1]
    answer = " × ".join(str(size) for size in parts["raw_scores"].shape)
    choices = sorted({answer, f"{n} × {n}", f"{heads} × {n} × {d_k}", f"{n} × {heads * d_k}"})
    view = viz.mha_figures(parts, 0, False)[0]
    fields = dict(text="attention", n=n, heads=heads, d_k=d_k, answer=answer)
    return fields, choices, answer, view, None, {}


def _mha_keras(lang):
    parts = _mha_parts()
    agree = parts["max_output_difference"] < 1e-5
    answer = _word("yes" if agree else "no", lang)
    fields = dict(
        text="attention",
        heads=parts["raw_scores"].shape[0],
        difference=f"{parts['max_output_difference']:.1e}",
        probability_difference=f"{parts['max_probability_difference']:.1e}",
    )
    view = viz.mha_figures(parts, 0, False)[2]
    return fields, [_word("yes", lang), _word("no", lang)], answer, view, None, {}


def _causal(lang):
    name, source = "transformer-char-en-fr", "I am cold."
    result = _loaded(name).translate(source)
    weights, queries, keys = result.attention_map("decoder_self", 0, 0)
    answer = round(float(weights[0, 3]), 3)
    view = viz.attention_heatmap(weights, keys, queries, title="decoder self-attention, layer 1, head 1")
    return dict(model=name, source=source, answer=answer), None, answer, view, None, {}


BLANK_SENTENCES = ("I like my cat.", "Tom is here.", "We won the game.", "She has a dog.", "It is cold.")


def _blank(lang):
    forward, both = _loaded("blank-forward-en", "blank"), _loaded("blank-bi-en", "blank")
    hidden = truth = after = None
    for sentence in BLANK_SENTENCES:  # the first hidden character the two models guess differently
        for position in range(len(sentence) - 1, 0, -1):
            hidden = sentence[:position] + "_" + sentence[position + 1 :]
            ahead, guesses = forward.fill(hidden), both.fill(hidden)
            if ahead[0].char != guesses[0].char:
                truth, after, found = sentence[position], sentence[position + 1 :], (sentence, position)
                break
        if truth is not None:
            break
    answer = ahead[0].char
    # the forward model's guess, the bidirectional one's, then the forward model's next likeliest: four in all
    choices = sorted(list(dict.fromkeys([answer, guesses[0].char, *(g.char for g in ahead[1:])]))[:4])
    notes = {g.char: _percent(g.probability) for g in ahead if g.char in choices}
    shown = {c: viz.show_token(c) for c in choices}
    fields = dict(
        hidden=hidden,
        model=forward.name,
        answer=shown[answer],
        p=_percent(ahead[0].probability),
        after=after,
        bi=viz.show_token(guesses[0].char),
        pb=_percent(guesses[0].probability),
        truth=viz.show_token(truth),
        link={"sentence": found[0], "hidden": found[1]},  # the Bi-RNN tab's blank at this sentence and place
    )
    view = viz.blank_guesses({"forward only": ahead, "bidirectional": guesses}, truth, f"guesses for `{hidden}`")
    notes = {shown[c]: p for c, p in notes.items()}
    return fields, [shown[c] for c in choices], shown[answer], view, None, notes


def _test_image(index: int = 0):
    from .data.digits import test_digits

    images, labels, _ = test_digits()
    return images[index], int(labels[index])


def _birnn(lang):
    name = "birnn-mnist"
    classifier = _loaded(name, "digits")
    image, label = _test_image(0)
    probabilities = classifier.classify(image)
    rows = int(classifier.prepare(image).shape[1])
    digit = int(np.argmax(probabilities))
    fields = dict(model=name, answer=rows, label=label, digit=digit, p=_percent(probabilities[digit]))
    view = viz.probability_bars(probabilities, title=viz.digit_verdict(probabilities))
    return fields, None, rows, view, None, {}


def _vit(lang):
    name = "vit-mnist"
    classifier = _loaded(name, "digits")
    image, _ = _test_image(0)
    maps = classifier.attention(image)
    grid = np.asarray(maps["class_token_mean"][0])  # the first block: the sharpest of the mean maps
    size, patch = grid.shape[0], int(maps["patch_size"])
    order = list(np.argsort(-grid.ravel(), kind="stable"))

    def label(index) -> str:
        return _word("row", lang).format(row=int(index) // size, column=int(index) % size)

    picked = [order[0], *order[3:6]]  # the most attended and three of the next (not its nearest rivals)
    notes = {label(i): _percent(grid.ravel()[i]) for i in sorted(picked, key=int)}
    probabilities = classifier.classify(image)
    digit = int(np.argmax(probabilities))
    answer = label(order[0])
    others = ", ".join(f"`{k}` {v}" for k, v in notes.items())
    fields = dict(model=name, grid=size, patch=patch, answer=answer, weight=notes[answer], others=others)
    fields.update(digit=digit, p=_percent(probabilities[digit]))
    before = viz.digit_overlay(image, None, patch, "the digit, in patches")
    view = viz.digit_overlay(image, grid, patch, "class-token attention, block 0, mean of heads")
    return fields, list(notes), answer, view, before, notes


_COMPUTE = {
    "data": _data,
    "states": _states,
    "forcing": _forcing,
    "greedy": _greedy,
    "beam": _beam,
    "attention": _attention,
    "dates": _dates,
    "mha_shape": _mha_shape,
    "mha_keras": _mha_keras,
    "causal": _causal,
    "blank": _blank,
    "birnn": _birnn,
    "vit": _vit,
}
TOLERANCE = {"causal": 0.01}

# each stop's view in its own tab, at the stop's settings (the names and values of that tab's link)
_EN_FR = {"model": "attention-char-en-fr", "text": "I am cold."}
LINKS = {
    "data": {"model": "attention-char-en-fr", "source": "I am cold.", "target": "J'ai froid."},
    "states": {"model": "lstm-char-en-fr", "text": "I am cold."},
    "forcing": {"model": "attention-char-en-fr", "source": "Tom is wise.", "reference": "Tom est raisonnable."},
    "greedy": _EN_FR,
    "beam": {"model": "lstm-char-en-fr", "text": "I am cold.", "strategy": "beam", "beam": 4},
    "attention": _EN_FR,
    "dates": {"model": "attention-dates", "text": "3 May 1999"},
    "mha_shape": {"text": "attention", "heads": 2, "d_k": 8},
    "mha_keras": {"text": "attention", "heads": 2, "d_k": 8},
    "causal": {"model": "transformer-char-en-fr", "text": "I am cold.", "kind": "decoder self-attention (causal)"},
    "blank": {},  # set from the sentence the stop found (``ask``)
    "birnn": {"model": "birnn-mnist", "input": "test image", "index": 0},
    "vit": {"model": "vit-mnist", "input": "test image", "index": 0},
}


def stop_key(stop) -> str:
    """A stop's key from its key or its 1-based number (a link may carry either). Raises ``InputError``."""
    if isinstance(stop, str) and stop in _COMPUTE:
        return stop
    try:
        number = float(stop)
    except (TypeError, ValueError):
        number = math.nan
    if number.is_integer() and 1 <= number <= len(STOPS):
        return STOPS[int(number) - 1]
    raise InputError(f"no such stop {str(stop)[:40]!r}: the lesson has stops 1..{len(STOPS)} ({', '.join(STOPS)})")


@functools.lru_cache(maxsize=2 * len(STOPS) * len(LANGUAGES))
def ask(stop, lang: str = "en") -> Question:
    """Stop ``stop`` (its key or number) in ``lang``: the words, the question and the model's answer, computed."""
    key = stop_key(stop)
    lang = "zh-CN" if lang == "zh-CN" else "en"
    fields, choices, answer, view, before, notes = _COMPUTE[key](lang)
    words = _words(key, lang)
    settings = LINKS[key] or fields.get("link", {})
    link = urlencode({"tab": _TEXT["stops"][key]["tab"], **settings})
    return Question(
        key=key,
        number=STOPS.index(key) + 1,
        tab=_TEXT["stops"][key]["tab"],
        title=words["title"],
        text=words["text"],
        prompt=words["prompt"].format(**fields),
        choices=choices,
        answer=answer,
        why=words["why"].format(**{**fields, "answer": answer}),
        view=view,
        before=before,
        tolerance=TOLERANCE.get(key, 0.0),
        notes=notes,
        link=link,
    )


def check(stop, given, lang: str = "en") -> Verdict:
    """Whether ``given`` is the model's answer to ``stop``, with the explanation; a wrong answer also says what the
    model gave the chosen option where that is known. Raises ``InputError`` for an answer that is no answer."""
    question = ask(stop, lang)
    if question.choices is None:
        try:
            number = float(given)
        except (TypeError, ValueError):
            raise InputError("type a number as the answer") from None
        if not math.isfinite(number):
            raise InputError("type a number as the answer")
        correct = abs(number - float(question.answer)) <= question.tolerance + 1e-9
        shown = f"{number:g}"
    else:
        if given not in question.choices:
            raise InputError(f"choose one of: {', '.join(question.choices)}")
        correct, shown = given == question.answer, str(given)
    if correct:
        message = f"{_word('right', lang)} {question.why}"
    else:
        message = _word("wrong", lang).format(given=shown)
        if shown in question.notes:
            message += f" ({question.notes[shown]})"
        message += f" {question.why}"
    return Verdict(correct, message, question.answer)
