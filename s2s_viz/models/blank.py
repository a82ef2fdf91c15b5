"""Fill in the blank: the notes' first reason for a bidirectional RNN.

"句子填空，既需要结合上文，又需要参考下文，单向的RNN不能胜任": to fill a blank in a sentence one needs the words before
it *and* after it; a forward RNN has read only what came before. This model reads a sentence of characters in
which one is replaced by the blank mark, runs an RNN over it (forward only, or both directions), and predicts the
hidden character from the RNN's output *at the blank*: for the forward RNN that output has seen the characters up
to the blank, for the bidirectional one also every character after it.

``ids`` are a ``CharVocab``'s ids (0 = padding, masked), with exactly one ``blank_id`` per row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from . import require


@dataclass
class BlankConfig:
    vocab_size: int
    blank_id: int
    units: int = 128  # per direction
    bidirectional: bool = True
    embedding_dim: int = 32
    cell: str = "lstm"

    def validate(self) -> None:
        require(
            [
                (self.vocab_size >= 3, "vocab_size must be at least 3"),
                (1 <= self.blank_id < self.vocab_size, "blank_id must be a vocabulary id other than padding"),
                (1 <= self.units <= 2048, "units must be in 1..2048"),
                (1 <= self.embedding_dim <= 1024, "embedding_dim must be in 1..1024"),
                (self.cell in ("lstm", "gru"), "cell must be lstm or gru"),
            ]
        )

    @property
    def feature_size(self) -> int:
        return 2 * self.units if self.bidirectional else self.units


@keras.saving.register_keras_serializable(package="s2s_viz")
class BlankFiller(keras.Model):
    """Characters (one of them the blank) -> (bi)RNN -> its output at the blank -> logits over the characters."""

    def __init__(self, config: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.spec = BlankConfig(**(config or {}))
        self.spec.validate()
        spec = self.spec
        self.embedding = keras.layers.Embedding(spec.vocab_size, spec.embedding_dim, name="embedding")
        layer = keras.layers.LSTM if spec.cell == "lstm" else keras.layers.GRU
        rnn = layer(spec.units, return_sequences=True, name="forward")
        self.rnn = (
            keras.layers.Bidirectional(rnn, merge_mode="concat", name="bidirectional") if spec.bidirectional else rnn
        )
        self.head = keras.layers.Dense(spec.vocab_size, name="head")
        self.build()

    def build(self, input_shape=None):
        if self.built:
            return
        self.embedding.build((None, None))
        self.rnn.build((None, None, self.spec.embedding_dim))
        self.head.build((None, self.spec.feature_size))
        self.built = True

    def outputs_at_every_step(self, ids, training=False):
        """The RNN's output at every position, ``(B, T, feature_size)``; padding (id 0) is masked."""
        ids = ops.cast(ids, "int32")
        return self.rnn(self.embedding(ids), mask=ops.not_equal(ids, 0), training=training)

    def call(self, ids, training=False):
        outputs = self.outputs_at_every_step(ids, training)
        at_blank = ops.cast(ops.equal(ops.cast(ids, "int32"), self.spec.blank_id), outputs.dtype)
        return self.head(ops.sum(outputs * at_blank[..., None], axis=1))  # (B, vocab_size)

    def get_config(self):
        return {"config": asdict(self.spec), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
