"""What every decoding engine returns, and the names of its modes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GREEDY, SAMPLE, FORCED = "greedy", "sample", "forced"
TOKENS = "tokens"  # greedy, keeping only the chosen tokens: batch translation, where nothing else is shown
# greedy, except at the steps whose reference id is not 0: there that token is written and fed on (what-if decoding)
STEERED = "steered"
HISTORIES = ("tokens", "chosen", "top_ids", "top_log_probs", "attention", "score")  # a beam's arrays per hypothesis
TOP_K = 5


@dataclass
class DecodeOutput:
    """Arrays of one decoding run over a batch (numpy)."""

    tokens: np.ndarray  # (B, L) ids, 0 after the end symbol
    top_ids: np.ndarray | None  # (B, L, k) the k most likely ids at each step (None in TOKENS mode)
    top_probs: np.ndarray | None  # (B, L, k) their probabilities
    chosen_probs: np.ndarray | None  # (B, L) probability of the chosen (or fed) token
    reference_probs: np.ndarray | None  # (B, L) probability given to the reference's token at each step
    attention: np.ndarray | None  # (B, L, S)
    lengths: np.ndarray  # (B,) steps taken, the end symbol included


@dataclass
class Hypothesis:
    """One candidate of a beam search: its tokens (the end symbol included if it ended) and scores."""

    tokens: np.ndarray
    score: float  # summed log-probability
    normalised: float  # score / length ** length_penalty: what the candidates are ranked by
    ended: bool


@dataclass
class BeamOutput:
    """The best hypothesis's arrays (numpy) and every candidate it was chosen from, best first."""

    tokens: np.ndarray  # (L,)
    chosen_log_probs: np.ndarray  # (L,) the log-probability of each token when it was chosen
    top_ids: np.ndarray  # (L, TOP_K) the most likely tokens at each step, most likely first
    top_log_probs: np.ndarray  # (L, TOP_K) their log-probabilities
    attention: np.ndarray  # (L, S)
    hypotheses: list[Hypothesis]


def beam_output(steps: int, alive: dict, ended: dict, k: int, length: int, length_penalty: float) -> BeamOutput:
    """What a compiled beam search left (its live and ended hypotheses' arrays after ``steps`` steps) as the best
    hypothesis and its candidates: the ended ones by length-normalised score, or the live ones if none ended.
    ``length``: the source's own length (its attention's columns)."""
    if int(ended["count"]) > 0:
        count = min(int(ended["count"]), k)
        pool = {name: np.asarray(ended[name])[:count] for name in HISTORIES}
        lengths = np.asarray(ended["length"])[:count]
        normalised = np.asarray(ended["normalised"])[:count]
        finished = [True] * count
    else:  # the step limit came first: the live hypotheses, all of the same length
        count = int(alive["count"])
        pool = {name: np.asarray(alive[name])[:count] for name in HISTORIES}
        lengths = np.full(count, steps)
        normalised = pool["score"] / max(steps, 1) ** length_penalty
        ranked = np.argsort(-normalised, kind="stable")
        pool = {name: value[ranked] for name, value in pool.items()}
        lengths, normalised, finished = lengths[ranked], normalised[ranked], [False] * count
    hypotheses = [
        Hypothesis(pool["tokens"][i, : lengths[i]], float(pool["score"][i]), float(normalised[i]), finished[i])
        for i in range(count)
    ]
    best = int(lengths[0])
    return BeamOutput(
        tokens=pool["tokens"][0, :best],
        chosen_log_probs=pool["chosen"][0, :best],
        top_ids=pool["top_ids"][0, :best],
        top_log_probs=pool["top_log_probs"][0, :best],
        attention=pool["attention"][0, :best, :length],
        hypotheses=hypotheses,
    )


def lengths_of(tokens: np.ndarray, end_id: int, steps: int) -> np.ndarray:
    """Steps each row took, its end symbol (or first padding) included, at most ``steps``."""
    is_end = (tokens == end_id) | (tokens == 0)
    lengths = np.where(is_end.any(axis=1), is_end.argmax(axis=1) + 1, tokens.shape[1])
    return np.minimum(lengths, int(steps))


def bucket(n: int, size: int) -> int:
    """``n`` rounded up to a multiple of ``size``."""
    return -(-n // size) * size


# One sentence of up to 32 tokens has one shape (one compiled program per model and search: a fresh server compiles
# each model once for the sentences people type, not once for 16 tokens and again for 32); longer ones, and batches
# (whose cost grows with every padded column: batched greedy of the attention model 1,507 -> 1,213 sentences/s
# padded to 32), are padded to a multiple of 16.
FIRST_COLUMNS = 32


def padded_columns(ids: np.ndarray, position_limit: int | None) -> np.ndarray:
    """``ids`` ``(B, L)`` padded with 0 to a multiple of 16 columns (one sentence: at least ``FIRST_COLUMNS``),
    within a Transformer's position table."""
    length = ids.shape[1]
    wanted = bucket(length, 16) if ids.shape[0] > 1 else max(FIRST_COLUMNS, bucket(length, 16))
    columns = max(length, wanted if position_limit is None else min(wanted, position_limit))
    return np.pad(ids, ((0, 0), (0, columns - length)))


def padded_rows_and_columns(source_ids: np.ndarray, position_limit: int | None) -> np.ndarray:
    """Fixed shapes for a compiler (XLA): the rows padded to a power of two with copies of the first, the columns
    to ``padded_columns``'s widths (within a Transformer's position table) with padding, which the encoder masks."""
    batch = source_ids.shape[0]
    rows = np.repeat(source_ids[:1], (1 << (batch - 1).bit_length()) - batch, 0)
    return padded_columns(np.concatenate([source_ids, rows]), position_limit)
