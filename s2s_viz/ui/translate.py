"""Translate: type a sentence, pick a model and a strategy, and watch it decoded one character at a time."""

from __future__ import annotations

import gradio as gr
import pandas as pd

import s2s_viz
from s2s_viz import default_translator, viz
from s2s_viz.translation import InputError

from . import hidden_states
from .common import alive, check_text, examples, get_model, model_names, model_picker, refuse
from .export import exporter
from .i18n import t
from .links import shareable
from .notes import fixes
from .page import page_call

INTRO = """**A character-level translator writes its output one character at a time.** At each step it turns
everything it has read into a probability for every character and picks one (greedy), keeps the k best
partial sentences (beam), or draws one at random (sampling). With attention, the heatmap shows which source
characters each output step read. *Try this:* translate `I am cold.`, then drag the step slider."""

LIVE = """*Live:* the strategy, beam width, temperature, seed and the replay slider redraw at once; a new sentence or
model waits for *Translate* (or Enter in the sentence's field)."""

EXAMPLES = ["I am cold.", "Go away!", "I love you.", "We won.", "Where is the station?", "Tom is happy."]


def translate(
    model_name: str,
    text: str,
    strategy: str = "greedy",
    beam_width: float = 4,
    temperature: float = 1.0,
    seed: float = 0,
):
    """Translate ``text``; returns the text, a notice, the attention heatmap, the step table, the attention table,
    the replay's state and slider, and (beam search) the candidates."""
    text = check_text(text)
    translator = get_model(model_name)
    try:
        result = translator.translate(
            text, strategy=strategy, beam_width=int(beam_width), temperature=float(temperature), seed=int(seed)
        )
    except InputError as error:
        raise refuse(str(error)) from error
    targets = [s.token for s in result.steps]
    title = heatmap_title(result, translator.source_vocab.level)
    if result.attention is not None:
        figure = viz.attention_heatmap(result.attention, result.source_tokens, targets, title=title)
        table = viz.attention_table(result.attention, result.source_tokens, targets)
    else:
        figure, table = None, None
    notice = result.notice or (
        attention_note(translator)
        if result.attention is not None
        else "This model has no attention: it reads the source only through the encoder's final state."
    )
    steps = viz.steps_table(result.steps)
    state = {
        "attention": result.attention,
        "source": result.source_tokens,
        "targets": targets,
        "steps": steps,
        "title": title,
        "top": [[(token, p) for token, p in s.top] for s in result.steps],  # the what-if's choices per step
    }
    return (
        result.text,
        notice,
        figure,
        steps,
        table,
        state,
        gr.update(maximum=max(len(targets) - 1, 1), value=0),
        viz.beam_table(result.hypotheses),
    )


def translate_in_page(*arguments):
    """``translate``'s values and what the page replays by itself: the output so far at each step, and each step's
    choices for the what-if."""
    values = translate(*arguments)
    state = values[5]
    choices = [candidates(state, step)["choices"] for step in range(len(state["targets"]))]
    return (*values, {"written": written_so_far(state["targets"]), "choices": choices})


def translate_for_page(*arguments):
    """``translate_in_page``'s values as the page's own call takes them (``window.s2s.translate``): the heatmap first
    (the page draws it into the figure it shows), then the fields the page's event fills; no state (the page
    replays, and offers the what-if's choices, from the numbers it is sent)."""
    text, notice, figure, steps, table, _, slider, beam, replayed = translate_in_page(*arguments)
    return figure, text, notice, steps, table, slider, beam, replayed


def written_so_far(targets: list[str]) -> list[str]:
    """The output as it stands after each step (the start and end symbols are not written)."""
    written, text = [], ""
    for token in targets:
        text += "" if token in ("\n", "\t") else token
        written.append(text)
    return written


SOURCE_ONLY = {
    "learned": "a Dense layer scores each source position from its own encoder vector, e_j = w·h_j + b",
    "positional": "a Dense layer across positions scores every position and channel from the whole source",
}


LUONG_ORDER = (
    "This model attends after its decoder step (Luong's order): e_ij = a(s_i, h_j) scores each source position with"
    " the state s_i just computed, not s_(i-1) as in Bahdanau's order, and the output layer reads [s_i; c_i]."
)


def attention_note(translator) -> str:
    """What this model's attention reads where it is not Bahdanau's e_ij = a(s_(i-1), h_j): scores that never read
    the decoder's state (the SE-block-like kinds), or Luong's order, which reads the state of the step being written."""
    spec = getattr(translator.model, "spec", None)
    kind = getattr(spec, "attention", None)
    if kind not in SOURCE_ONLY:
        return LUONG_ORDER if getattr(spec, "attention_order", None) == "luong" else ""
    return (
        f"This model's attention is `{kind}`: {SOURCE_ONLY[kind]}. It never reads the decoder's state, so every "
        "output step reads the same weights: every row of the heatmap is the same."
    )


LONG_SENTENCES = """**An LSTM eases long-range dependencies; it does not remove them.** Without attention, the encoder
must pack the whole source into the states it hands over, and the decoder has nothing else to read: the longer the
sentence, the more is lost. With attention the decoder reads every encoder position at every step. Each model's
chrF on the test split's sentences grouped by the source's length, computed with its card (`s2s-viz evaluate
--all --update-card`)."""


def quality_by_length():
    """chrF per source length for every shipped English -> French translator whose card has the figures, and a
    sentence comparing the plain LSTM with the attention model."""
    rows = {
        info.name: info.card["metrics"]["by_source_length"]
        for info in s2s_viz.list_models(kind="translator")
        if not info.broken
        and info.card.get("direction") == "en-fr"
        and (info.card.get("metrics") or {}).get("by_source_length")
    }
    if not rows:
        raise refuse("no model card here has the figures by source length: run s2s-viz evaluate --all --update-card")
    said = []
    for name, words in (("lstm-char-en-fr", "the plain LSTM"), ("attention-char-en-fr", "with attention")):
        if name in rows:
            first, last = rows[name][0], rows[name][-1]
            said.append(
                f"{words} (`{name}`): chrF {first['chrf']:.1f} for {first['characters']} characters, "
                f"{max(r['chrf'] for r in rows[name]):.1f} at best, {last['chrf']:.1f} for {last['characters']}"
            )
    summary = "; ".join(said) + "." if said else ""
    return viz.quality_by_length(rows), summary


def heatmap_title(result, level: str = "char") -> str:
    """What the heatmap shows; a Transformer has one map per layer and head, and this is one summary of them."""
    if result.attention_maps is not None:
        return "Last layer's cross-attention, mean of its heads: which source characters each step reads"
    if level == "word":
        return "Attention: which source words each output step reads"
    return "Attention: which source characters each output step reads"


def replay(state: dict, step: float):
    """The output so far at ``step``, the heatmap with that step's row highlighted, and the step table with that
    step's row marked: the API's replay (the page replays by itself, from the numbers ``translate`` sent it, at
    every change of the slider: drag, arrow keys, a typed number)."""
    if not state or state.get("targets") is None:
        return "", None, None
    step = min(max(int(step), 0), len(state["targets"]) - 1)
    written = written_so_far(state["targets"])[step]
    figure = None
    if state.get("attention") is not None:
        figure = viz.attention_heatmap(
            state["attention"], state["source"], state["targets"], title=state.get("title"), highlight_row=step
        )
    steps = viz.highlight_row(state["steps"], step) if state.get("steps") is not None else None
    return written, figure, steps


WHAT_IF = """**What if it had written something else?** Choose a step (the replay slider above sets it), then a
character it nearly wrote there (or type one) and press *Force*: the decoder writes it at that step, reads it back
as its next input and goes on by itself. Below: the new output, its attention beside the original's, and its steps."""


def candidates(state: dict, step: float):
    """A step's most likely tokens, to force one of them (the runner-up chosen: the one it nearly wrote)."""
    top = (state or {}).get("top") or []
    try:
        step = int(step)
    except (TypeError, ValueError, OverflowError):
        step = 0
    if not top or not 0 <= step < len(top):
        return gr.update(choices=[], value=None)
    choices = [(f"{viz.show_token(token)}   {p:.2f}", viz.show_token(token)) for token, p in top[step]]
    return gr.update(choices=choices, value=choices[min(1, len(choices) - 1)][1])


def force(model_name: str, text: str, strategy: str, beam_width: float, step: float, token: str):
    """The translation with ``token`` written at ``step`` and the decoder left to go on by itself: its text, what
    changed, the original's attention and the forced one's (the forced step highlighted), and its step table."""
    text = check_text(text)
    if strategy == "sample":
        raise refuse("forcing a step works with greedy and beam search: choose one of them")
    if not isinstance(token, str) or not token:
        raise refuse("choose or type what the decoder should write at this step")
    translator = get_model(model_name)
    try:
        step = int(float(step))
        found = translator.what_if(text, step, token, strategy=strategy, beam_width=int(beam_width))
    except (TypeError, ValueError, OverflowError) as error:
        message = str(error) if isinstance(error, InputError) else f"the step must be a whole number, not {step!r}"
        raise refuse(message) from error
    original, forced = found.original, found.forced
    was = viz.show_token(original.steps[step].token)
    if found.first_difference is None:
        notice = f"At step {step} the decoder already writes `{was}`: nothing changes."
    else:
        notice = (
            f"At step {step} it wrote `{viz.show_token(found.token)}` instead of `{was}`, read it back and went on by "
            f"itself: `{forced.text}` instead of `{original.text}` "
            f"(they first differ at step {found.first_difference})."
        )
    figures = []
    for which, result in (("original", original), ("forced", forced)):
        if result.attention is None:
            figures.append(viz.no_attention("this model has no attention (it reads the encoder's final state only)"))
            continue
        targets = [s.token for s in result.steps]
        title = f"{which}: {result.text}"
        figures.append(
            viz.attention_heatmap(result.attention, result.source_tokens, targets, title=title, highlight_row=step)
        )
    return forced.text, notice, *figures, viz.highlight_row(viz.steps_table(forced.steps), step)


MAX_COMPARED = 3


def compare(
    model_names_chosen: list[str],
    text: str,
    strategy: str = "greedy",
    beam_width: float = 4,
    temperature: float = 1.0,
    seed: float = 0,
):
    """The same input through up to three models, side by side, with the chosen decoding strategy: a table of
    their outputs and each model's attention heatmap (a Transformer's: the last layer's cross-attention, the mean
    of its heads)."""
    text = check_text(text)
    if not model_names_chosen:
        raise refuse("pick at least one model to compare")
    if len(model_names_chosen) > MAX_COMPARED:
        raise refuse(f"compare at most {MAX_COMPARED} models at once; {len(model_names_chosen)} are ticked")
    rows, figures = [], []
    for name in model_names_chosen:
        translator = get_model(name)
        try:
            result = translator.translate(
                text, strategy=strategy, beam_width=int(beam_width), temperature=float(temperature), seed=int(seed)
            )
        except InputError as error:
            rows.append({"model": name, "translation": "", "steps": 0, "notice": str(error)})
            figures.append(None)
            continue
        rows.append({"model": name, "translation": result.text, "steps": len(result.steps), "notice": result.notice})
        figures.append(_attention_of(name, result))
    figures += [None] * (MAX_COMPARED - len(figures))
    return pd.DataFrame(rows), *figures


def _attention_of(name: str, result):
    """One model's attention for the comparison, titled by the model (and, for a Transformer, what is shown)."""
    targets = [step.token for step in result.steps]
    if result.attention is None:
        return viz.no_attention(f"{name}: no attention (reads the encoder's final state only)")
    title = name + (": last layer's cross-attention, mean of heads" if result.attention_maps is not None else "")
    return viz.attention_heatmap(result.attention, result.source_tokens, targets, title=title)


def same_direction(names: list[str], reference: str | None) -> list[str]:
    """The models that translate the way ``reference`` does (the same direction of the same data), up to three."""
    directions = {
        info.name: ((info.card or {}).get("direction"), ((info.card or {}).get("data") or {}).get("source"))
        for info in s2s_viz.list_models(kind="translator")
    }
    return [name for name in names if directions.get(name) == directions.get(reference)][:MAX_COMPARED]


def build() -> list:
    gr.Markdown(t("translate.intro", INTRO))
    gr.Markdown(t("translate.live", LIVE))
    fixes("translate")
    names = model_names()
    with gr.Row():
        model = model_picker(value=default_translator(), label=t("label.model", "model"), elem_id="translate-model")
        strategy = gr.Radio(
            [(t(f"choice.{name}", name), name) for name in ("greedy", "beam", "sample")],
            value="greedy",
            label=t("label.strategy", "strategy"),
        )
        beam_width = gr.Slider(1, 16, value=4, step=1, label=t("label.beam_width", "beam width"))
        temperature = gr.Slider(0.05, 3.0, value=1.0, step=0.05, label=t("label.temperature", "temperature"))
        seed = gr.Number(value=0, precision=0, label=t("label.seed", "seed"), minimum=0, maximum=2**31 - 1)
    text = gr.Textbox(
        label=t("label.source_sentence", "source sentence"),
        value=EXAMPLES[0],
        max_length=5000,
        elem_id="translate-input",
    )
    examples(EXAMPLES, [text])
    button = gr.Button(t("translate.button", "Translate"), variant="primary", elem_id="translate-button")
    output = gr.Textbox(label=t("label.translation", "translation"), interactive=False, elem_id="translate-output")
    notice = gr.Markdown(elem_id="translate-notice")
    step = gr.Slider(
        0, 1, value=0, step=1, label=t("label.replay_decoding_step", "replay: decoding step"), elem_id="translate-step"
    )
    written = gr.Textbox(
        label=t("label.written_so_far", "written so far"), interactive=False, elem_id="translate-written"
    )
    heatmap = gr.Plot(label=t("label.attention", "attention"), show_label=False, elem_id="translate-heatmap")
    steps = gr.Dataframe(
        label=t("label.steps_chosen_character_and_top_5", "steps: chosen character and top 5"),
        interactive=False,
        elem_id="translate-steps",
    )
    beam = gr.Dataframe(
        label=t("label.beam_candidates", "beam search: the candidates, best first (beam only)"),
        interactive=False,
        elem_id="translate-beam",
    )
    with gr.Accordion(t("label.attention_table", "attention as a table"), open=False):
        attention_table = gr.Dataframe(interactive=False, elem_id="translate-attention-table")
    state = gr.State({})
    replayed = gr.JSON(visible=False, elem_id="translate-replay-data")  # what the page replays by itself
    with gr.Accordion(t("label.what_if", "what if it had written something else?"), open=False):
        gr.Markdown(t("translate.what_if", WHAT_IF))
        with gr.Row():
            at_step = gr.Number(
                value=0, precision=0, minimum=0, label=t("label.at_step", "at step"), elem_id="whatif-step"
            )
            instead = gr.Dropdown(
                [],
                allow_custom_value=True,
                label=t("label.write_instead", "write instead"),
                elem_id="whatif-token",
            )
            force_button = gr.Button(t("button.force", "Force"), elem_id="whatif-button")
        forced_output = gr.Textbox(
            label=t("label.forced_translation", "forced translation"), interactive=False, elem_id="whatif-output"
        )
        forced_notice = gr.Markdown(elem_id="whatif-notice")
        with gr.Row():
            original_map = gr.Plot(label=t("label.original", "original"), show_label=False, elem_id="whatif-original")
            forced_map = gr.Plot(label=t("label.forced", "forced"), show_label=False, elem_id="whatif-forced")
        forced_steps = gr.Dataframe(interactive=False, elem_id="whatif-steps")
    force_button.click(
        force,
        [model, text, strategy, beam_width, at_step, instead],
        [forced_output, forced_notice, original_map, forced_map, forced_steps],
        api_name="force",
    )
    settings = [model, text, strategy, beam_width, temperature, seed]
    translated = [output, notice, heatmap, steps, attention_table, state, step, beam]
    # the button, or Enter in the sentence's field: the page calls /translate_for_page itself and draws the heatmap
    # into the one it shows (``window.s2s.translate``); a refusal asks through Gradio's event (``asked`` changes),
    # which says why
    fields = [output, notice, steps, attention_table, step, beam, replayed]
    for_page = gr.Button(visible=False)
    for_page.click(
        translate_for_page, settings, [heatmap, *fields], api_name="translate_for_page", api_visibility="undocumented"
    )
    asked = gr.Number(value=0, visible=False, elem_id="translate-asked")
    gr.on([button.click, text.submit], None, settings, [heatmap, *fields, asked], js=page_call("translate"))
    asked.change(translate_in_page, settings, [*translated, replayed], api_visibility="private")
    # the try-this is computed once the page is up, and a new strategy or its settings re-decode at once
    alive(translate_in_page, settings, [*translated, replayed], live=(strategy, beam_width, temperature, seed))
    # the API's /translate answers what it always has (the page's own event adds the replay's numbers)
    api = gr.Button(visible=False)
    api.click(translate, settings, translated, api_name="translate")
    # the replay moves in the page, from the numbers each translation sent (a new one starts at step 0: the slider
    # may already stand there, and the new numbers replay it), and the step to force follows it with its choices;
    # the API's /replay computes the same on the server
    script = page_call("replay", "translate-heatmap", "translate-steps")
    gr.on(
        [step.change, replayed.change],
        None,
        [replayed, step],
        [written, instead, at_step],
        js=script,
        api_visibility="private",
    )
    api.click(replay, [state, step], [written, heatmap, steps], api_name="replay")
    # the what-if's step typed in: its choices from the numbers the page holds
    at_step.input(None, [replayed, at_step], instead, js=page_call("choices"), api_visibility="private")
    hidden_states.build(model, text)
    with gr.Accordion(t("label.compare_models", "compare models side by side"), open=False):
        # a model trained after the page loaded is a valid choice too (get_model checks every name)
        chosen = gr.Dropdown(
            names,
            value=same_direction(names, model.value),
            multiselect=True,
            max_choices=MAX_COMPARED,
            allow_custom_value=True,
            label=t("label.models_up_to_3", "models (up to 3)"),
            elem_id="compare-models",
        )
        compare_button = gr.Button(t("button.compare", "Compare"), elem_id="compare-button")
        comparison = gr.Dataframe(interactive=False, elem_id="compare-table")
        with gr.Row():
            compared = [gr.Plot(show_label=False, elem_id=f"compare-heatmap-{index}") for index in range(MAX_COMPARED)]
        compare_button.click(
            compare,
            [chosen, text, strategy, beam_width, temperature, seed],
            [comparison, *compared],
            api_name="compare",
        )
    with gr.Accordion(
        t("label.long_sentences", "long sentences: does quality hold as the source grows?"), open=False
    ) as long:
        gr.Markdown(t("translate.long_sentences", LONG_SENTENCES))
        lengths_summary = gr.Markdown(elem_id="lengths-summary")
        lengths = gr.Plot(show_label=False, elem_id="lengths-figure")
        long.expand(quality_by_length, None, [lengths, lengths_summary], api_name="quality_by_length")
    shareable(
        "translate", model=model, text=text, strategy=strategy, beam=beam_width, temperature=temperature, seed=seed
    )
    exporter(
        "translate",
        attention=heatmap,
        steps=steps,
        beam_candidates=beam,
        attention_table=attention_table,
        comparison=comparison,
        **{f"compared_{index}": plot for index, plot in enumerate(compared)},
    )
    return [(model, "translator", None), (chosen, "translator", None)]
