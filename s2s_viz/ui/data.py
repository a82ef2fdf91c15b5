"""Data: a sentence pair in the classic one-hot layout (three one-hot tensors), the integer ids the models are really
fed, a padded and masked batch, the vocabularies, and what each layout costs for the whole of fra.txt."""

from __future__ import annotations

import functools

import gradio as gr
import pandas as pd

from s2s_viz import default_translator, viz
from s2s_viz.data import layouts
from s2s_viz.data.sources import DataUnavailable

from .common import alive, check_text, get_model, model_picker, refuse
from .export import exporter
from .i18n import t
from .links import shareable
from .notes import fixes

INTRO = """**What a character-level translator is fed.** The classic layout puts a pair in three one-hot tensors of
shape `[batch, max_length, vocabulary]`: `encoder_input_data` (the source), `decoder_input_data` (the target,
starting with the start symbol `\\t`, shown as `<s>`, and ending with the end symbol `\\n`, shown as `</s>`) and
`decoder_target_data`, the same one step ahead (no `\\t`): `decoder_target_data[:, t, :] = decoder_input_data[:,
t+1, :]`. Positions past the sentence hold the one-hot of the space (the rows labelled padding). The models here are
fed the same data as integer ids (id 0 = padding) and make the one-hot vectors inside the graph: below, both forms
and what each costs; each one-hot column is labelled with its character's id. *Try this:* type a longer target and
watch the two decoder tensors shift against each other.

The data file, `fra.txt`, holds one pair a line: the English sentence, a tab, its French translation (and, after
another tab, an attribution the models ignore): `Go.` *tab* `Va !`."""

LIVE = """*Live:* the padding slider redraws at once; a new pair or model waits for *Lay out*."""

BATCH = ["Go.", "I am cold.", "Where is the station?"]


def lay_out(model_name: str, source: str, target: str, padding: float = 3):
    """The pair's three one-hot tensors as heatmaps, its ids, a padded batch with its mask, and the vocabularies."""
    source, target = check_text(source, "source"), check_text(target, "target")
    if not source.strip() or not target.strip():
        raise refuse("type a source sentence and its translation")
    if len(source) > 200 or len(target) > 200:
        raise refuse("the data view draws one row per character: keep each sentence under 200 characters")
    translator = get_model(model_name)
    source_vocab, target_vocab = translator.source_vocab, translator.target_vocab
    if source_vocab.level != "char":
        raise refuse(f"{model_name} reads words: the data view shows a character-level model's tensors")
    tensors = layouts.pair_tensors(source, target, source_vocab, target_vocab, int(padding))
    figures = [
        _one_hot(tensors["encoder_input_data"], tensors["source_rows"], source_vocab, "encoder_input_data"),
        _one_hot(tensors["decoder_input_data"], tensors["decoder_input_rows"], target_vocab, "decoder_input_data"),
        _one_hot(
            tensors["decoder_target_data"],
            tensors["decoder_target_rows"],
            target_vocab,
            "decoder_target_data: row t = decoder_input_data row t+1",
        ),
    ]
    ids = pd.DataFrame(
        {
            "tensor": ["encoder input", "decoder input", "decoder target"],
            "ids (0 = padding)": [
                " ".join(str(i) for i in tensors[key][0])
                for key in ("encoder_ids", "decoder_input_ids", "decoder_target_ids")
            ],
        }
    )
    batch_texts = [source, *[text for text in BATCH if text != source]]
    batch_ids, mask = layouts.padded_batch(batch_texts, source_vocab)
    batch = pd.DataFrame(
        [
            [text, *[str(int(i)) if m else "·" for i, m in zip(row, row_mask)]]
            for text, row, row_mask in zip(batch_texts, batch_ids, mask)
        ],
        columns=["sentence", *[str(position) for position in range(batch_ids.shape[1])]],
    )
    shape = {
        key: list(tensors[key].shape) for key in ("encoder_input_data", "decoder_input_data", "decoder_target_data")
    }
    padded = tensors["padding_rows"]
    shapes = (
        f"`encoder_input_data` `{shape['encoder_input_data']}`, `decoder_input_data` `{shape['decoder_input_data']}`, "
        f"`decoder_target_data` `{shape['decoder_target_data']}` (batch, max_length, vocabulary); padding rows: "
        f"{padded['encoder']} (encoder), {padded['decoder']} (decoder). Checked on these tensors: "
        f"decoder_target_data[:, t, :] == decoder_input_data[:, t+1, :] for every t: **{tensors['shifted']}**."
    )
    vocabularies = (
        f"Source vocabulary of `{model_name}`: {len(source_vocab.tokens)} characters: "
        f"`{_listing(source_vocab.tokens)}`. Target vocabulary: {len(target_vocab.tokens)} characters, with the "
        f"start and end symbols: `{_listing(target_vocab.tokens)}`. The encoder reads the source vocabulary, the "
        "decoder writes the target one, each with its own maximum length. The ids are 1 to the vocabulary's size "
        f"and 0 is padding, so the models' inputs are one wider ({len(source_vocab.tokens) + 1} and "
        f"{len(target_vocab.tokens) + 1}) than the one-hot layout above, which pads with the space's column."
    )
    return (*figures, ids, batch, shapes + "\n\n" + vocabularies)


def _listing(tokens: list[str]) -> str:
    return " ".join(viz.show_token(token) for token in tokens)


def _one_hot(tensor, rows: list[str], vocab, title: str):
    labels = ["(padding)" if token == "<pad>" else token for token in rows]
    figure = viz.matrix_heatmap(
        tensor[0],
        title,
        "vocabulary: one column per character, labelled with its id",
        "time step",
        None,
        labels,
        colorscale=[[0, "#f4f4f4"], [1, "#1f4e9c"]],
    )
    # a column is labelled with the id the models are fed for that character (the one-hot's column index + 1: id 0
    # is padding, which has no column of its own in this layout)
    figure.data[0].update(x=[f"{index + 1}:{viz.axis_text(token)}" for index, token in enumerate(vocab.tokens)])
    # every time step named (the padding rows among them), one row a line
    figure.update_yaxes(dtick=1)
    figure.update_layout(height=max(300, 24 * len(rows) + 150))
    return figure


@functools.lru_cache(maxsize=1)
def _corpus(direction: str) -> dict:
    from s2s_viz.data.sources import fra_path

    return layouts.corpus_layouts(str(fra_path()), direction)


def corpus_cost(model_name: str):
    """The two layouts' memory for every pair of fra.txt, and one-hot words against one-hot characters."""
    translator = get_model(model_name)
    direction = (translator.card or {}).get("direction", "en-fr")
    if direction not in ("en-fr", "fr-en"):  # a toy task's or an imported model: the corpus is fra.txt's still
        direction = "en-fr"
    try:
        stats = _corpus(direction)
    except DataUnavailable as error:
        raise refuse(f"fra.txt is not available here: {error}") from error
    gib = 1024**3
    return pd.DataFrame(
        [
            {"what": "pairs (all splits)", "value": f"{stats['pairs']:,}"},
            {
                "what": "longest source, longest target (with \\t and \\n)",
                "value": f"{stats['max_source_length']}, {stats['max_target_length_with_start_end']}",
            },
            {
                "what": "one-hot layout, float32: encoder input + decoder input + decoder target",
                "value": f"{stats['one_hot_bytes'] / gib:,.1f} GiB",
            },
            {"what": "integer ids, int32, the same three", "value": f"{stats['ids_bytes'] / 2**20:,.0f} MiB"},
            {
                "what": "source characters vs source words (vocabulary)",
                "value": f"{stats['source_characters']:,} vs {stats['source_words']:,}",
            },
            {
                "what": "one-hot bytes per source sentence: characters vs words",
                "value": f"{stats['one_hot_bytes_per_sentence_chars']:,} vs "
                f"{stats['one_hot_bytes_per_sentence_words']:,}",
            },
        ]
    )


def build() -> list:
    gr.Markdown(t("data.intro", INTRO))
    gr.Markdown(t("data.live", LIVE))
    fixes("data")
    with gr.Row():
        model = model_picker(value=default_translator(), label=t("label.model", "model"), elem_id="data-model")
        padding = gr.Slider(0, 20, value=3, step=1, label=t("label.padding", "padding positions past the sentence"))
    with gr.Row():
        source = gr.Textbox(value="Go away!", label=t("label.source", "source"), max_length=200, elem_id="data-source")
        target = gr.Textbox(value="Va-t'en !", label=t("label.target", "target"), max_length=200, elem_id="data-target")
    button = gr.Button(t("button.lay_out", "Lay out"), variant="primary", elem_id="data-button")
    shapes = gr.Markdown(elem_id="data-shapes")
    encoder = gr.Plot(show_label=False, elem_id="data-encoder")
    with gr.Row():
        decoder_input, decoder_target = (
            gr.Plot(show_label=False, elem_id="data-decoder-input"),
            gr.Plot(show_label=False, elem_id="data-decoder-target"),
        )
    ids = gr.Dataframe(label=t("label.ids", "the same pair as integer ids"), interactive=False, elem_id="data-ids")
    batch = gr.Dataframe(
        label=t("label.batch", "a batch of source sentences, padded with 0 (· = masked out)"),
        interactive=False,
        elem_id="data-batch",
    )
    outputs = [encoder, decoder_input, decoder_target, ids, batch, shapes]
    button.click(lay_out, [model, source, target, padding], outputs, api_name="lay_out")
    alive(lay_out, [model, source, target, padding], outputs, live=(padding,))
    with gr.Accordion(t("label.corpus", "the whole of fra.txt in each layout"), open=False):
        corpus_button = gr.Button(
            t("button.corpus", "Count (reads fra.txt: a few seconds, once)"), elem_id="data-corpus-button"
        )
        corpus = gr.Dataframe(interactive=False, elem_id="data-corpus")
        corpus_button.click(corpus_cost, model, corpus, api_name="corpus_cost")
    shareable("data", model=model, source=source, target=target, padding=padding)
    exporter(
        "data",
        encoder_input_data=encoder,
        decoder_input_data=decoder_input,
        decoder_target_data=decoder_target,
        ids=ids,
        batch=batch,
        corpus=corpus,
    )
    return [(model, "translator", None)]
