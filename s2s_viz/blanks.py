"""A trained fill-in-the-blank model: a sentence with one ``_`` in, the likely characters for it out.

What ``s2s_viz.load`` returns for a ``blank`` model (``models/blank.py``). Two are shipped, trained alike on the
English side of ``fra.txt``: ``blank-forward-en`` (a forward LSTM: it has read only what comes before the blank)
and ``blank-bi-en`` (a bidirectional LSTM: before and after), with about the same number of weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import backend
from .data.vocab import CharVocab
from .translation import InputError

BLANK = "_"


@dataclass
class Guess:
    char: str
    probability: float


@dataclass
class PositionScore:
    """One character of a sentence, hidden in turn: how likely the model found it, and what it guessed."""

    position: int
    char: str
    probability: float  # of the right character
    guess: str
    guess_probability: float


class BlankFill:
    def __init__(self, model, vocab: CharVocab, card: dict):
        self.model = model
        self.vocab = vocab
        self.card = card
        self.max_length = int(card.get("training", {}).get("config", {}).get("max_length", 30))
        self._logits = backend.compile_function(lambda ids: model(ids, training=False), model)

    @property
    def name(self) -> str:
        return self.card.get("name", "unnamed")

    @property
    def bidirectional(self) -> bool:
        return bool(self.model.spec.bidirectional)

    def _check(self, text: str) -> str:
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            raise InputError("type a sentence first")
        if len(text) > self.max_length:
            raise InputError(f"at most {self.max_length} characters (the model was trained on such sentences)")
        unknown = sorted({char for char in text if char != BLANK and self.vocab.id_of(char) is None})
        if unknown:
            raise InputError(f"characters this model never saw: {' '.join(repr(c) for c in unknown)}")
        return text

    def _probabilities(self, rows: list[str]) -> np.ndarray:
        ids = self.vocab.encode_batch(rows, max_len=self.max_length)
        logits = np.asarray(backend.to_numpy(self._logits(ids)), dtype=np.float64)
        logits[:, [0, self.vocab.id_of(BLANK)]] = -np.inf  # neither padding nor the blank is an answer
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def fill(self, text: str, top: int = 5) -> list[Guess]:
        """The ``top`` likeliest characters for the one ``_`` in ``text``."""
        text = self._check(text)
        if text.count(BLANK) != 1:
            raise InputError(f"put exactly one {BLANK} where a character is missing (found {text.count(BLANK)})")
        probabilities = self._probabilities([text])[0]
        order = np.argsort(-probabilities, kind="stable")[:top]
        return [Guess(self.vocab.token(int(i)), float(probabilities[i])) for i in order]

    def every_position(self, text: str) -> list[PositionScore]:
        """Each character of ``text`` hidden in turn (one batch): the probability of the right one, and the guess."""
        text = self._check(text)
        if BLANK in text:
            raise InputError(f"give the whole sentence (no {BLANK}): each character is hidden in turn")
        rows = [text[:i] + BLANK + text[i + 1 :] for i in range(len(text))]
        probabilities = self._probabilities(rows)
        scores = []
        for position, (char, row) in enumerate(zip(text, probabilities)):
            best = int(row.argmax())
            scores.append(
                PositionScore(
                    position, char, float(row[self.vocab.id_of(char)]), self.vocab.token(best), float(row[best])
                )
            )
        return scores


def blank_vocab(sentences) -> CharVocab:
    """The characters of ``sentences`` (space included), with the blank mark first (id 1)."""
    chars = set(" ")
    for sentence in sentences:
        chars.update(sentence)
    chars.discard(BLANK)
    return CharVocab([BLANK, *sorted(chars)])


def blank_rows(sentences: list[str], vocab: CharVocab, max_length: int, copies: int, seed: int):
    """``copies`` rows per sentence, each with one character (chosen at random) replaced by the blank:
    ids ``(N, max_length)`` and the hidden characters' ids ``(N,)``."""
    rng = np.random.default_rng(seed)
    ids = vocab.encode_batch(sentences, max_len=max_length)
    lengths = (ids != 0).sum(axis=1)
    rows = np.repeat(ids, copies, axis=0)
    positions = (rng.random(len(rows)) * np.repeat(lengths, copies)).astype(np.int64)
    targets = rows[np.arange(len(rows)), positions].copy()
    rows[np.arange(len(rows)), positions] = vocab.id_of(BLANK)
    return rows, targets
