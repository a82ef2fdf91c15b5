"""Token ids to vectors, shared by every translator: the seed's one-hot input or a learned embedding."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="s2s_viz")
class TokenEmbedding(keras.layers.Layer):
    """Ids -> vectors: one-hot (``dim == 0``, the seed's char input) or a learned embedding (``dim > 0``).

    ``soft(probs)`` embeds a probability distribution instead of an id: the expected vector, which is how
    reinjection feeds the decoder's own prediction back with a gradient.
    """

    def __init__(self, vocab_size: int, dim: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.dim = dim

    @property
    def output_dim(self) -> int:
        return self.dim or self.vocab_size

    def build(self, input_shape=None):
        if self.dim:
            self.embeddings = self.add_weight(shape=(self.vocab_size, self.dim), name="embeddings")
        self.built = True

    def call(self, ids):
        if self.dim:
            return ops.take(self.embeddings, ops.cast(ids, "int32"), axis=0)
        return ops.one_hot(ids, self.vocab_size)

    def soft(self, probs):
        return ops.matmul(probs, self.embeddings) if self.dim else probs

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "dim": self.dim}
