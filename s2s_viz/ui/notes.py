"""Common claims about these models that are wrong or out of date (in tutorials, course notes, older Keras code), each
said once in the tab where it matters, with what is true ("often said ...; in fact ..."). Each claim here is checked
by a test (tests/test_notes_fixes.py)."""

from __future__ import annotations

import gradio as gr

from .i18n import t

# The Keras 2 line of the notes, and the Keras 3 way (both run by the tests).
KERAS2_STATEFUL = "keras.layers.LSTM(32, return_sequences=True, stateful=True, batch_input_shape=(16, 10, 8))"
KERAS3_STATEFUL = (
    "keras.Sequential([keras.Input(shape=(10, 8), batch_size=16), "
    "keras.layers.LSTM(32, return_sequences=True, stateful=True)])"
)
KERAS3_SEQUENTIAL = "keras.Sequential([keras.Input(shape=(10, 8)), keras.layers.LSTM(32)])"

FIXES = {
    "translate": [
        (
            "a translator's data file fixes its direction: the first column is always what it reads",
            "either column can be the source; the app ships both directions: the `*-en-fr` models read English,"
            " `attention-char-fr-en` reads French",
        ),
        (
            "attention is a learned weighting *like an SE (squeeze-and-excitation) block*",
            "the shipped attention is additive (Bahdanau): e_ij = vᵀ tanh(W s_(i-1) + U h_j) reads the decoder's state"
            " and chooses among source positions; an SE block gates *channels* with sigmoids computed from a pooled"
            " descriptor, and never chooses among positions. The SE-like kinds can be trained here too (Train tab,"
            " `--attention`): `learned` (e_j = w·h_j + b) and `positional` (a Dense across positions per channel,"
            " then a softmax over positions); neither reads the decoder's state, so every output step reads the same"
            " weights",
        ),
    ],
    "data": [
        (
            "all three tensors are `[batch_size, max_sentence_length, num_eng_characters]`",
            "the decoder's two tensors use the *target* vocabulary (with `\\t` and `\\n`) and the target's own maximum"
            " length: compare the shapes above",
        ),
        (
            f"a stateful LSTM is `{KERAS2_STATEFUL}` (and a Sequential model takes `input_shape=`)",
            f"that is Keras 2: Keras 3 refuses `batch_input_shape` (and warns against `input_shape`). Write"
            f" `{KERAS3_STATEFUL}`, and `{KERAS3_SEQUENTIAL}` for a Sequential model",
        ),
    ],
    "mha": [
        (
            "the scores are scaled by the hidden size d",
            "by 1/√d_k, the key size of one head (the second panel's title says by how much)",
        ),
        (
            "the softmax gives `[B, N, 1]` and the layer's output is `[B, N, dv]`",
            "the probabilities are `[B, h, N, N]` (every query reads every key, in each head) and the output, after"
            " `W_O`, is `[B, N, d_model]`: see the shapes table",
        ),
        (
            "the trainable weights are Wq, Wk, Wv",
            "there is a fourth, `W_O`: the final dense that mixes the concatenated heads",
        ),
        (
            "dropout can go anywhere, as it drops whole feature dimensions",
            "Keras drops attention *probabilities* (before they weight V), and a Transformer block drops each"
            " sub-layer's output before the residual add; elsewhere it is another model",
        ),
    ],
}


def fixes(tab: str) -> None:
    """The tab's "often said ...; in fact ..." lines, in a closed accordion (not a wall of text)."""
    lines = FIXES.get(tab)
    if not lines:
        return
    text = "\n".join(f"- *Often said:* {says}. *In fact:* {fact}." for says, fact in lines)
    with gr.Accordion(t("label.notes_fixes", "common mistakes about this, corrected"), open=False):
        gr.Markdown(t(f"notes.{tab}", text), elem_id=f"{tab}-notes-fixes")
