"""What a translation gives back: the result with its steps and beam hypotheses, the teacher-forcing comparison,
the hidden states of the inference loop, and ``InputError`` for a text the model cannot take."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data.vocab import Unknown
from .decoding.outputs import GREEDY


class InputError(ValueError):
    """Input the model cannot take, with a message that says what to change."""


@dataclass
class Step:
    """One decoding step: the token chosen, how likely it was, and the runners-up."""

    index: int
    token: str
    probability: float
    top: list[tuple[str, float]]


@dataclass
class BeamHypothesis:
    """One candidate of a beam search, as text."""

    text: str
    log_probability: float  # summed over its characters
    normalised: float  # log_probability / length ** length_penalty: what beam search ranks by
    ended: bool  # it wrote the end symbol (otherwise the step limit stopped it)


@dataclass
class TranslationResult:
    text: str
    steps: list[Step]
    attention: np.ndarray | None  # (target_steps, source_length); each row sums to 1
    unknown_chars: list[Unknown]
    source_tokens: list[str] = field(default_factory=list)  # what the model actually read
    notice: str = ""  # truncation and unknown-character warnings, for people
    strategy: str = GREEDY
    # Transformers only: {"encoder_self", "decoder_self", "cross"} -> one (heads, rows, columns) array per layer
    attention_maps: dict | None = None
    # beam search only: the candidates the translation was chosen from, best first
    hypotheses: list[BeamHypothesis] = field(default_factory=list)

    def attention_map(self, kind: str, layer: int, head: int) -> tuple[np.ndarray, list[str], list[str]]:
        """One Transformer attention map ``(queries, keys)`` with the tokens along each axis.

        ``kind``: ``cross`` (decoder positions read the source), ``decoder_self`` (causal) or ``encoder_self``.
        The decoder's queries are its inputs: the start symbol, then each character it wrote but the last.
        Out-of-range layers and heads are refused with the valid range, never clamped.
        """
        if not self.attention_maps:
            raise InputError("this model has no attention maps per layer and head (only a Transformer has)")
        if kind not in self.attention_maps:
            raise InputError(f"unknown attention kind {kind!r}; choose one of {', '.join(self.attention_maps)}")
        layers = self.attention_maps[kind]
        if not 0 <= layer < len(layers):
            raise InputError(f"layer must be in 0..{len(layers) - 1} for this model, got {layer}")
        heads = layers[layer].shape[0]
        if not 0 <= head < heads:
            raise InputError(f"head must be in 0..{heads - 1} for this model, got {head}")
        decoder_inputs = ["\t", *[step.token for step in self.steps[:-1]]]
        queries, keys = {
            "cross": (decoder_inputs, self.source_tokens),
            "decoder_self": (decoder_inputs, decoder_inputs),
            "encoder_self": (self.source_tokens, self.source_tokens),
        }[kind]
        return layers[layer][head], queries, keys


@dataclass
class WhatIf:
    """A translation beside the same translation with one step forced (``Translator.what_if``)."""

    original: TranslationResult
    forced: TranslationResult
    step: int  # the forced step
    token: str  # the token written there
    first_difference: int | None  # the first step where the two outputs differ; None if they are the same


@dataclass
class ForcingStep:
    index: int
    reference: str  # the reference token expected at this step
    forced_prediction: str  # the model's best guess when fed the reference prefix
    forced_reference_probability: float
    free_prediction: str  # what the model wrote when fed its own output
    free_reference_probability: float


@dataclass
class ForcingComparison:
    """Teacher forcing vs reinjection for one source and reference, step by step."""

    source: str
    reference: str
    free_text: str  # the free-running (greedy) output, whole, however long the reference
    steps: list[ForcingStep]
    first_divergence: int | None  # first step where the free-running output leaves the reference


def describe_unknown(unknown: list[Unknown], level: str = "char") -> str:
    shown = unknown[:10]
    chars = ", ".join(repr(u.token) for u in shown)
    positions = ", ".join(str(u.position) for u in shown)
    more = f" (and {len(unknown) - len(shown)} more)" if len(unknown) > len(shown) else ""
    if level == "word":  # a word-level model reads every word it does not know as one and the same <unk>
        return (
            f"out-of-vocabulary words {chars} at word positions {positions}{more}: this model never saw them in "
            "training and reads each as `<unk>`, so it cannot translate them"
        )
    return (
        f"unknown characters {chars} at positions {positions}{more}; "
        "they are not in this model's vocabulary and were skipped"
    )


@dataclass
class StateTrace:
    """The inference loop of the notes, written out: the encoder hands its final states to the decoder as its
    initial state, and the decoder's states are passed back in by hand at every step (greedy).

    ``encoder_states[layer]`` is ``{"h": (units,), "c": (units,)}`` (no ``c`` for a GRU): what the encoder ends
    with (for a bidirectional encoder, after the bridge that maps both directions to the decoder's size);
    ``initial_states`` the decoder's state before its first step (the same arrays: the hand-over);
    ``decoder_states[layer]["h"]`` is ``(steps, units)``, the state after each output step (and ``"c"``).
    """

    text: str
    tokens: list[str]  # what each step wrote
    source_tokens: list[str]
    encoder_states: list[dict]
    initial_states: list[dict]
    decoder_states: list[dict]
    # with attention: the encoder's outputs h_j (source positions, d_h), each step's weights alpha_i over them
    # (steps, source positions; averaged over channels for attention per channel) and its context vector
    # c_i = sum_j alpha_ij h_j (steps, d_h), the weighted sum the decoder reads at step i
    encoder_outputs: np.ndarray | None = None
    attention: np.ndarray | None = None
    contexts: np.ndarray | None = None
