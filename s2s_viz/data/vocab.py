"""Character and word vocabularies, and the two ways of turning text into tensors.

The character vocabulary is the one of the keras-io ``lstm_seq2seq`` example: every character seen in
training (letters, digits, space, punctuation), and on the decoder side ``\\t`` as the start symbol and
``\\n`` as the end symbol. A target sentence ``Va !`` becomes the decoder sequence ``\\tVa !\\n``; the decoder
*input* is that sequence and the decoder *target* is the same sequence shifted one step to the left, so that
``target[:, t] == input[:, t + 1]``: at every step the decoder is asked for the next character.

Two encodings:

* ``one_hot`` is the seed's layout, ``[batch, max_len, vocab]``, where padding positions hold the one-hot of
  the space character. It is what the example feeds its LSTM, and what the app shows to teach.
* ``encode_batch`` gives compact integer ids ``[batch, max_len]`` with id 0 reserved for padding. The models
  turn ids into one-hot vectors (or embeddings) inside the graph, which is mathematically the same input but
  takes 4 bytes per character instead of ``4 * vocab``: the whole of ``fra.txt`` fits in a few MB this way,
  where the dense one-hot arrays would need tens of GB.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

START = "\t"
END = "\n"
PAD_ID = 0


@dataclass
class Unknown:
    """A character (or word) of the input that the vocabulary does not hold, and where it was."""

    token: str
    position: int


class CharVocab:
    """Characters <-> ids. Id 0 is padding; ids 1..n are ``self.tokens`` in order."""

    level = "char"

    def __init__(self, tokens: Sequence[str]):
        if len(set(tokens)) != len(tokens):
            raise ValueError("vocabulary tokens must be distinct")
        self.tokens = list(tokens)
        self._ids = {token: index + 1 for index, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: Iterable[str], with_start_end: bool = False) -> CharVocab:
        chars = set()
        for text in texts:
            chars.update(text)
        chars.add(" ")
        chars -= {START, END}
        tokens = sorted(chars)
        if with_start_end:
            tokens = [START, END, *tokens]
        return cls(tokens)

    @property
    def size(self) -> int:
        """Number of ids, padding included (the width of the model's input and output)."""
        return len(self.tokens) + 1

    @property
    def has_start_end(self) -> bool:
        return START in self._ids

    @property
    def start_id(self) -> int:
        return self._ids[START]

    @property
    def end_id(self) -> int:
        return self._ids[END]

    def id_of(self, token: str) -> int | None:
        return self._ids.get(token)

    def split(self, text: str) -> list[str]:
        return list(text)

    def join(self, tokens: Sequence[str]) -> str:
        return "".join(tokens)

    def find_unknown(self, text: str) -> list[Unknown]:
        return [Unknown(token, position) for position, token in enumerate(self.split(text)) if token not in self._ids]

    def encode(self, text: str, add_start_end: bool = False) -> list[int]:
        """Ids of the known tokens of ``text`` (unknown ones are left out; ``find_unknown`` says which)."""
        ids = [self._ids[token] for token in self.split(text) if token in self._ids]
        if add_start_end:
            ids = [self.start_id, *ids, self.end_id]
        return ids

    def encode_batch(self, texts: Sequence[str], max_len: int | None = None, add_start_end: bool = False) -> np.ndarray:
        """Integer ids ``[batch, max_len]``, padded with id 0 (and cut at ``max_len``)."""
        encoded = [self.encode(text, add_start_end) for text in texts]
        width = max_len if max_len is not None else max((len(ids) for ids in encoded), default=1)
        array = np.zeros((len(encoded), max(width, 1)), dtype=np.int32)
        for row, ids in enumerate(encoded):
            ids = ids[:width]
            array[row, : len(ids)] = ids
        return array

    def decode(self, ids: Iterable[int], stop_at_end: bool = True) -> str:
        tokens = []
        for index in ids:
            index = int(index)
            if index == PAD_ID:
                continue
            token = self.tokens[index - 1]
            if stop_at_end and token == END:
                break
            if token == START:
                continue
            tokens.append(token)
        return self.join(tokens)

    def token(self, index: int) -> str:
        return "<pad>" if index == PAD_ID else self.tokens[index - 1]

    def one_hot(self, texts: Sequence[str], max_len: int | None = None, add_start_end: bool = False) -> np.ndarray:
        """The seed's layout: ``[batch, max_len, len(tokens)]`` float32, padding = the one-hot of space."""
        ids = self.encode_batch(texts, max_len, add_start_end)
        columns = np.where(ids == PAD_ID, self._ids[" "], ids) - 1
        return np.eye(len(self.tokens), dtype=np.float32)[columns]

    def to_json(self) -> dict:
        return {"level": self.level, "tokens": self.tokens}


_WORD_PATTERN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)


def split_words(text: str) -> list[str]:
    """The words (and punctuation marks) a word-level vocabulary is built from."""
    return _WORD_PATTERN.findall(text)


class WordVocab(CharVocab):
    """Words <-> ids, for the seed's word-level variant (the model reads them through an Embedding layer).

    Tokens are words and single punctuation marks; words outside the ``max_size`` most frequent become
    ``<unk>``. Writing tokens back as text needs to know where spaces go, which differs by language (French puts
    one before ``?`` and ``!``, English does not; both write ``est-ce`` and ``well-known`` without): ``build``
    learns it from the training texts, as the marks usually written with no space before them (``glued_left``)
    and with none after them (``glued_right``).
    """

    level = "word"
    UNKNOWN = "<unk>"
    # what a vocabulary saved without learned spacing assumes (English punctuation)
    DEFAULT_GLUED_LEFT = (".", ",", "!", "?", ";", ":", ")", "»")
    DEFAULT_GLUED_RIGHT = ("(",)

    def __init__(self, tokens: Sequence[str], glued_left: Iterable[str] | None = None, glued_right=None):
        super().__init__(tokens)
        self.glued_left = set(self.DEFAULT_GLUED_LEFT if glued_left is None else glued_left)
        self.glued_right = set(self.DEFAULT_GLUED_RIGHT if glued_right is None else glued_right)

    @classmethod
    def build(cls, texts: Iterable[str], with_start_end: bool = False, max_size: int = 20000) -> WordVocab:
        counts = Counter()
        spaced = {"before": Counter(), "after": Counter()}
        marks = Counter()
        for text in texts:
            for match in _WORD_PATTERN.finditer(text):
                token = match.group()
                counts[token] += 1
                if not (token[0].isalnum() or token[0] == "_"):  # a punctuation mark
                    marks[token] += 1
                    start, end = match.span()
                    spaced["before"][token] += start == 0 or text[start - 1].isspace()
                    spaced["after"][token] += end == len(text) or text[end].isspace()
        tokens = [cls.UNKNOWN] + [word for word, _ in counts.most_common(max_size)]
        if with_start_end:
            tokens = [START, END, *tokens]
        kept = set(tokens)
        glued = {side: sorted(m for m in marks if m in kept and 2 * spaced[side][m] < marks[m]) for side in spaced}
        return cls(tokens, glued["before"], glued["after"])

    def split(self, text: str) -> list[str]:
        return _WORD_PATTERN.findall(text)

    def join(self, tokens: Sequence[str]) -> str:
        pieces = []
        for index, token in enumerate(tokens):
            if index and token not in self.glued_left and tokens[index - 1] not in self.glued_right:
                pieces.append(" ")
            pieces.append(token)
        return "".join(pieces)

    def encode(self, text: str, add_start_end: bool = False) -> list[int]:
        unknown = self._ids[self.UNKNOWN]
        ids = [self._ids.get(token, unknown) for token in self.split(text)]
        if add_start_end:
            ids = [self.start_id, *ids, self.end_id]
        return ids

    def to_json(self) -> dict:
        return {**super().to_json(), "glued_left": sorted(self.glued_left), "glued_right": sorted(self.glued_right)}


def vocab_from_json(data: dict) -> CharVocab:
    kinds = {"char": CharVocab, "word": WordVocab}
    if data.get("level") not in kinds or not isinstance(data.get("tokens"), list):
        raise ValueError("vocabulary must be {'level': 'char'|'word', 'tokens': [...]}")
    if data["level"] == "word":
        return WordVocab(data["tokens"], data.get("glued_left"), data.get("glued_right"))
    return CharVocab(data["tokens"])


def next_step_targets(decoder_input: np.ndarray) -> np.ndarray:
    """The decoder target: its input shifted one step left, ``target[:, t] == input[:, t+1]``.

    The target has no start symbol and ends with the end symbol; its last position is always padding (0).
    """
    decoder_target = np.zeros_like(decoder_input)
    decoder_target[:, :-1] = decoder_input[:, 1:]
    return decoder_target


def decoder_arrays(
    vocab: CharVocab, targets: Sequence[str], max_len: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Decoder input ``\\t text \\n`` and its target (:func:`next_step_targets`), integer ids padded with 0."""
    decoder_input = vocab.encode_batch(targets, max_len, add_start_end=True)
    return decoder_input, next_step_targets(decoder_input)
