"""Multi-head attention from scratch, every intermediate exposed, equal to ``keras.layers.MultiHeadAttention``.

The three steps of the seed's notes, for ``h`` heads of size ``d_k``:

1. **Project** the queries, keys and values once per head:
   ``Q = x_q W_Q``, ``K = x_k W_K``, ``V = x_v W_V``, each ``(B, h, T, d_k)``.
2. **Attend**, per head: raw scores ``Q K^T`` ``(B, h, T, S)``, scaled by ``1 / sqrt(d_k)`` so their size does
   not grow with ``d_k``, masked (positions that may not be read get a large negative score), turned into
   probabilities with a softmax over the keys, dropped out while training, and used to average the values:
   ``softmax(Q K^T / sqrt(d_k)) V`` ``(B, h, T, d_k)``.
3. **Combine**: the heads side by side ``(B, T, h * d_k)`` and an output projection ``W_O`` back to
   ``d_model``.

The weights have exactly the shapes of Keras's layer (``query/kernel (d_model, h, d_k)`` and so on), so the
weights of one can be copied into the other and the outputs compared: ``copy_weights_from``.
"""

from __future__ import annotations

import math

import keras
from keras import ops

_MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="s2s_viz")
class ScratchMultiHeadAttention(keras.layers.Layer):
    """Multi-head attention written out step by step.

    Args:
        num_heads: ``h``.
        key_dim: ``d_k``, the size of each head's queries and keys (and values, ``d_v = d_k``).
        dropout: dropout rate on the attention probabilities.
        output_dim: size of the output; defaults to the query's last dimension.

    Call arguments:
        query: ``(B, T, d_q)``; value: ``(B, S, d_v_in)``; key: ``(B, S, d_k_in)``, defaults to ``value``.
        attention_mask: boolean ``(B, T, S)`` (or broadcastable), true where a query may read a key.
        use_causal_mask: also hide every key after the query's own position (for decoders).
        return_intermediates: return a dict of every intermediate tensor as well.

    Returns:
        ``(output, probabilities)``: ``(B, T, d_out)`` and ``(B, h, T, S)``; plus the intermediates dict when
        asked.
    """

    def __init__(self, num_heads: int, key_dim: int, dropout: float = 0.0, output_dim: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if num_heads < 1 or key_dim < 1:
            raise ValueError(f"num_heads and key_dim must be at least 1, got {num_heads} and {key_dim}")
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.dropout_rate = dropout
        self.output_dim = output_dim
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = value_shape or query_shape
        key_shape = key_shape or value_shape
        heads = (self.num_heads, self.key_dim)
        self.W_Q = self.add_weight(shape=(query_shape[-1], *heads), name="query_kernel")
        self.b_Q = self.add_weight(shape=heads, initializer="zeros", name="query_bias")
        self.W_K = self.add_weight(shape=(key_shape[-1], *heads), name="key_kernel")
        self.b_K = self.add_weight(shape=heads, initializer="zeros", name="key_bias")
        self.W_V = self.add_weight(shape=(value_shape[-1], *heads), name="value_kernel")
        self.b_V = self.add_weight(shape=heads, initializer="zeros", name="value_bias")
        out = self.output_dim or query_shape[-1]
        self.W_O = self.add_weight(shape=(*heads, out), name="output_kernel")
        self.b_O = self.add_weight(shape=(out,), initializer="zeros", name="output_bias")
        self.built = True

    # -- step 1 -----------------------------------------------------------------------------------------
    def project(self, x, kernel, bias):
        """``x W + b`` for every head at once: ``(B, T, d) -> (B, h, T, d_k)``."""
        projected = ops.einsum("btd,dhk->bhtk", x, kernel)  # (B, h, T, d_k)
        return projected + ops.expand_dims(bias, 1)  # bias (h, 1, d_k) broadcast over T

    # -- step 2 -----------------------------------------------------------------------------------------
    def attend(self, Q, K, V, mask=None, training=False):
        """Scaled dot-product attention per head; returns the output and every intermediate."""
        raw_scores = ops.einsum("bhtk,bhsk->bhts", Q, K)  # (B, h, T, S): Q K^T
        scaled = raw_scores / math.sqrt(self.key_dim)  # (B, h, T, S)
        masked = scaled if mask is None else ops.where(ops.expand_dims(mask, 1), scaled, _MASKED_SCORE)
        probabilities = ops.softmax(masked, axis=-1)  # (B, h, T, S), each row sums to 1
        dropped = self.dropout(probabilities, training=training)
        weighted = ops.einsum("bhts,bhsk->bhtk", dropped, V)  # (B, h, T, d_k)
        return weighted, {"raw_scores": raw_scores, "scaled": scaled, "masked": masked, "probabilities": probabilities, "weighted": weighted}

    # -- step 3 -----------------------------------------------------------------------------------------
    def combine(self, weighted):
        """Heads side by side, then ``W_O``: ``(B, h, T, d_k) -> (B, T, d_out)``."""
        return ops.einsum("bhtk,hko->bto", weighted, self.W_O) + self.b_O

    def call(self, query, value, key=None, attention_mask=None, use_causal_mask=False, return_intermediates=False, training=False):
        key = value if key is None else key
        Q = self.project(query, self.W_Q, self.b_Q)  # (B, h, T, d_k)
        K = self.project(key, self.W_K, self.b_K)  # (B, h, S, d_k)
        V = self.project(value, self.W_V, self.b_V)  # (B, h, S, d_k)
        mask = self.make_mask(query, value, attention_mask, use_causal_mask)
        weighted, intermediates = self.attend(Q, K, V, mask, training)
        concatenated = ops.reshape(ops.transpose(weighted, (0, 2, 1, 3)), (ops.shape(query)[0], ops.shape(query)[1], self.num_heads * self.key_dim))  # (B, T, h*d_k)
        output = self.combine(weighted)  # (B, T, d_out)
        if return_intermediates:
            intermediates.update(Q=Q, K=K, V=V, concatenated=concatenated, output=output, mask=mask)
            return output, intermediates["probabilities"], intermediates
        return output, intermediates["probabilities"]

    @staticmethod
    def make_mask(query, value, attention_mask=None, use_causal_mask=False):
        """Boolean ``(B, T, S)`` or None: the given mask, and-ed with the causal (lower-triangular) one."""
        mask = None if attention_mask is None else ops.cast(attention_mask, "bool")
        if use_causal_mask:
            steps, length = ops.shape(query)[1], ops.shape(value)[1]
            causal = ops.greater_equal(ops.expand_dims(ops.arange(steps), 1), ops.expand_dims(ops.arange(length), 0))  # (T, S)
            causal = ops.expand_dims(causal, 0)
            mask = causal if mask is None else ops.logical_and(mask, causal)
        return mask

    def copy_weights_from(self, keras_mha: keras.layers.MultiHeadAttention) -> None:
        """Take the weights of a built ``keras.layers.MultiHeadAttention`` (same sizes)."""
        weights = {w.path.split("/", 1)[1]: w for w in keras_mha.weights}
        pairs = [
            (self.W_Q, "query/kernel"), (self.b_Q, "query/bias"), (self.W_K, "key/kernel"), (self.b_K, "key/bias"),
            (self.W_V, "value/kernel"), (self.b_V, "value/bias"), (self.W_O, "attention_output/kernel"), (self.b_O, "attention_output/bias"),
        ]
        for mine, name in pairs:
            mine.assign(weights[name])

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim, "dropout": self.dropout_rate, "output_dim": self.output_dim}
