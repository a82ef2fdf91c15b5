"""Multi-head attention from scratch, every intermediate exposed, equal to ``keras.layers.MultiHeadAttention``.

The three steps of the seed's notes, for ``h`` heads with queries and keys of size ``d_k`` and values of size
``d_v`` (``value_dim``; ``d_v = d_k`` unless set):

1. **Project** the queries, keys and values once per head:
   ``Q = x_q W_Q``, ``K = x_k W_K`` ``(B, h, T or S, d_k)`` and ``V = x_v W_V`` ``(B, h, S, d_v)``.
2. **Attend**, per head: raw scores ``Q K^T`` ``(B, h, T, S)``, scaled by ``1 / sqrt(d_k)`` so their size does
   not grow with ``d_k``, masked (positions that may not be read get a large negative score), turned into
   probabilities with a softmax over the keys, dropped out while training, and used to average the values:
   ``softmax(Q K^T / sqrt(d_k)) V`` ``(B, h, T, d_v)``.
3. **Combine**: the heads side by side ``(B, T, h * d_v)`` and an output projection ``W_O`` back to
   ``d_model`` (or to ``output_shape``).

Masks follow Keras exactly: an ``attention_mask`` of shape ``(B, T, S)``, ``(T, S)``, ``(B, h, T, S)`` or anything
that broadcasts, given a head axis (and a batch axis) in front when it has fewer than four; the Keras masks
carried by the inputs (``Embedding(mask_zero=True)``) hide padded queries and keys; ``use_causal_mask`` hides
later keys. A query whose every key is masked gets all-zero probabilities (and so the output bias alone), as
Keras's score path gives.

The weights have exactly the shapes of Keras's layer (``query/kernel (d_model, h, d_k)`` and so on), so the
weights of one can be copied into the other and the outputs compared: ``copy_weights_from``.
"""

from __future__ import annotations

import math

import keras
from keras import ops

_MASKED_SCORE = -1e9  # Keras's large negative number for float32


@keras.saving.register_keras_serializable(package="s2s_viz")
class ScratchMultiHeadAttention(keras.layers.Layer):
    """Multi-head attention written out step by step.

    Args:
        num_heads: ``h``.
        key_dim: ``d_k``, the size of each head's queries and keys.
        value_dim: ``d_v``, the size of each head's values; defaults to ``key_dim``.
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the four projections have biases.
        output_shape: the output's last dimensions: an int or a tuple (Keras's ``output_shape``); defaults to
            the query's last dimension. ``output_dim`` is the same thing under its older name.
        attention_axes: only ``None`` (attend over the sequence axis, as the Transformer does) is supported.

    Call arguments:
        query: ``(B, T, d_q)``; value: ``(B, S, d_v_in)``; key: ``(B, S, d_k_in)``, defaults to ``value``.
        attention_mask: boolean, broadcastable to ``(B, h, T, S)`` as described above; true where a query may
            read a key.
        use_causal_mask: also hide every key after the query's own position (for decoders).
        query_mask, value_mask, key_mask: ``(B, T)`` / ``(B, S)``; filled in by Keras from the inputs' own masks.
        return_intermediates: return a dict of every intermediate tensor as well.

    Returns:
        ``(output, probabilities)``: ``(B, T, *output_shape)`` and ``(B, h, T, S)``; plus the intermediates dict
        when asked.
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        dropout: float = 0.0,
        output_dim: int | None = None,
        value_dim: int | None = None,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_heads < 1 or key_dim < 1 or (value_dim is not None and value_dim < 1):
            raise ValueError(
                f"num_heads, key_dim and value_dim must be at least 1, got {num_heads}, {key_dim}, {value_dim}"
            )
        if attention_axes is not None and tuple(_as_tuple(attention_axes)) not in ((1,), (-2,)):
            raise ValueError(
                f"attention_axes={attention_axes!r} is not supported: this layer attends over the sequence axis "
                "only (attention_axes=None); use keras.layers.MultiHeadAttention for other axes"
            )
        if output_dim is not None and output_shape is not None:
            raise ValueError("give output_shape or its older name output_dim, not both")
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim or key_dim
        self.dropout_rate = dropout
        self.use_bias = use_bias
        self.output_shape_ = _as_tuple(output_shape if output_shape is not None else output_dim)
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = value_shape or query_shape
        key_shape = key_shape or value_shape
        key_heads, value_heads = (self.num_heads, self.key_dim), (self.num_heads, self.value_dim)
        out = self.output_shape_ or (query_shape[-1],)
        # Created in this order (kernel, bias for Q, K, V, O) so that checkpoints keep their variable order.
        self.W_Q, self.b_Q = self._projection(query_shape[-1], key_heads, "query")
        self.W_K, self.b_K = self._projection(key_shape[-1], key_heads, "key")
        self.W_V, self.b_V = self._projection(value_shape[-1], value_heads, "value")
        self.W_O = self.add_weight(shape=(*value_heads, *out), name="output_kernel")
        self.b_O = self.add_weight(shape=out, initializer="zeros", name="output_bias") if self.use_bias else None
        self.built = True

    def _projection(self, input_dim, heads, name):
        kernel = self.add_weight(shape=(input_dim, *heads), name=f"{name}_kernel")
        bias = self.add_weight(shape=heads, initializer="zeros", name=f"{name}_bias") if self.use_bias else None
        return kernel, bias

    # -- step 1 -----------------------------------------------------------------------------------------
    def project(self, x, kernel, bias):
        """``x W + b`` for every head at once: ``(B, T, d) -> (B, h, T, d_head)``."""
        projected = ops.einsum("btd,dhk->bhtk", x, kernel)  # (B, h, T, d_head)
        return projected if bias is None else projected + ops.expand_dims(bias, 1)  # bias (h, 1, d_head)

    def project_keys_values(self, memory):
        """The keys and values of a sequence read by many queries (the encoder output, in a decoder)."""
        return self.project(memory, self.W_K, self.b_K), self.project(
            memory, self.W_V, self.b_V
        )  # (B, h, S, d_k), (B, h, S, d_v)

    # -- step 2 -----------------------------------------------------------------------------------------
    def attend(self, Q, K, V, mask=None, training=False):
        """Scaled dot-product attention per head; ``mask`` broadcasts to ``(B, h, T, S)``.

        Returns the weighted values ``(B, h, T, d_v)`` and every intermediate.
        """
        raw_scores = ops.einsum("bhtk,bhsk->bhts", Q, K)  # (B, h, T, S): Q K^T
        scaled = raw_scores / math.sqrt(self.key_dim)  # (B, h, T, S)
        masked = scaled if mask is None else ops.where(mask, scaled, _MASKED_SCORE)
        probabilities = ops.softmax(masked, axis=-1)  # (B, h, T, S), each row sums to 1 ...
        if mask is not None:
            probabilities = ops.where(mask, probabilities, 0.0)  # ... or to 0 where every key is masked
        dropped = self.dropout(probabilities, training=training)
        weighted = ops.einsum("bhts,bhsk->bhtk", dropped, V)  # (B, h, T, d_v)
        return weighted, {
            "raw_scores": raw_scores,
            "scaled": scaled,
            "masked": masked,
            "probabilities": probabilities,
            "weighted": weighted,
        }

    # -- step 3 -----------------------------------------------------------------------------------------
    def combine(self, weighted):
        """Heads side by side, then ``W_O``: ``(B, h, T, d_v) -> (B, T, *output_shape)``."""
        out_axes = "opqr"[: len(self.W_O.shape) - 2]
        output = ops.einsum(f"bhtk,hk{out_axes}->bt{out_axes}", weighted, self.W_O)
        return output if self.b_O is None else output + self.b_O

    def call(
        self,
        query,
        value,
        key=None,
        attention_mask=None,
        use_causal_mask=False,
        return_intermediates=False,
        training=False,
        query_mask=None,
        value_mask=None,
        key_mask=None,
    ):
        key = value if key is None else key
        Q = self.project(query, self.W_Q, self.b_Q)  # (B, h, T, d_k)
        K = self.project(key, self.W_K, self.b_K)  # (B, h, S, d_k)
        V = self.project(value, self.W_V, self.b_V)  # (B, h, S, d_v)
        mask = self.make_mask(query, value, attention_mask, use_causal_mask, query_mask, value_mask, key_mask)
        weighted, intermediates = self.attend(Q, K, V, mask, training)
        batch, steps = ops.shape(query)[0], ops.shape(query)[1]
        concatenated = ops.reshape(
            ops.transpose(weighted, (0, 2, 1, 3)), (batch, steps, self.num_heads * self.value_dim)
        )  # (B, T, h*d_v)
        output = self.combine(weighted)  # (B, T, *output_shape)
        if return_intermediates:
            intermediates.update(Q=Q, K=K, V=V, concatenated=concatenated, output=output, mask=mask)
            return output, intermediates["probabilities"], intermediates
        return output, intermediates["probabilities"]

    def attend_step(self, x, cache_keys, cache_values, position):
        """Causal self-attention for one new position, with the keys and values of the earlier ones cached.

        ``x`` ``(B, 1, d)`` is the input at ``position`` ``(B,)``, the same for every row (decoding advances a
        batch one step for all its rows); the caches ``(B, h, L, d_head)`` get its key and value written at that
        position, in place (a slice update, not arithmetic over the whole cache).
        Returns ``(output (B, 1, d_out), cache_keys, cache_values)``.
        """
        length = ops.shape(cache_keys)[2]
        start = [0, 0, ops.cast(position[0], "int32"), 0]
        cache_keys = ops.slice_update(cache_keys, start, self.project(x, self.W_K, self.b_K))
        cache_values = ops.slice_update(cache_values, start, self.project(x, self.W_V, self.b_V))
        visible = ops.less_equal(ops.arange(length)[None, :], position[:, None])  # (B, L): written so far
        query = self.project(x, self.W_Q, self.b_Q)  # (B, h, 1, d_k)
        weighted, _ = self.attend(query, cache_keys, cache_values, visible[:, None, None, :])
        return self.combine(weighted), cache_keys, cache_values

    def attend_memory(self, x, memory_keys, memory_values, memory_mask):
        """Cross-attention of queries ``x`` ``(B, T, d)`` over projected memory (:meth:`project_keys_values`),
        ``memory_mask`` ``(B, S)`` true at real positions. Returns ``(output, probabilities (B, h, T, S))``."""
        query = self.project(x, self.W_Q, self.b_Q)  # (B, h, T, d_k)
        weighted, parts = self.attend(query, memory_keys, memory_values, memory_mask[:, None, None, :])
        return self.combine(weighted), parts["probabilities"]

    def make_mask(
        self, query, value, attention_mask=None, use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None
    ):
        """The boolean mask, broadcastable to ``(B, h, T, S)``, or None; Keras's rules (see the module's text)."""
        mask = None
        for part, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if part is not None:
                part = ops.expand_dims(ops.cast(part, "bool"), axis)  # (B, T, 1) or (B, 1, S)
                mask = part if mask is None else ops.logical_and(mask, part)
        if use_causal_mask:
            steps, length = ops.shape(query)[1], ops.shape(value)[1]
            causal = ops.greater_equal(
                ops.expand_dims(ops.arange(steps), 1), ops.expand_dims(ops.arange(length), 0)
            )  # (T, S)
            causal = ops.expand_dims(causal, 0)  # (1, T, S)
            mask = causal if mask is None else ops.logical_and(mask, causal)
        if attention_mask is not None:
            if len(attention_mask.shape) > 4:
                raise ValueError(f"attention_mask has {len(attention_mask.shape)} dimensions; at most 4 (B, h, T, S)")
            given = _with_head_axis(ops.cast(attention_mask, "bool"))
            _check_broadcastable(given, (query.shape[0], self.num_heads, query.shape[1], value.shape[1]))
            mask = given if mask is None else ops.logical_and(given, _with_head_axis(mask))
        return None if mask is None else _with_head_axis(mask)

    def compute_mask(self, query, previous_mask=None):
        return previous_mask  # the output keeps the query's mask, as Keras's layer does

    def copy_weights_from(self, keras_mha: keras.layers.MultiHeadAttention) -> None:
        """Take the weights of a built ``keras.layers.MultiHeadAttention`` with the same settings.

        Refused, with the reason: another kind of layer, a layer with a gate (``use_gate=True``), or different
        heads, sizes, biases or output shape. The source may sit inside a model: its weights are read from the
        layer itself.
        """
        if not isinstance(keras_mha, keras.layers.MultiHeadAttention):
            raise TypeError(
                f"copy_weights_from needs a keras.layers.MultiHeadAttention, got {type(keras_mha).__name__}"
            )
        if not keras_mha.built or not self.built:
            raise ValueError("both layers must be built (called once) before their weights can be copied")
        source = keras_mha.get_config()
        if source.get("use_gate"):
            raise ValueError(
                "the Keras layer has use_gate=True: its gate has no counterpart here; copy from a layer without it"
            )
        pairs = [
            ("query", self.W_Q, self.b_Q, keras_mha.query_dense),
            ("key", self.W_K, self.b_K, keras_mha.key_dense),
            ("value", self.W_V, self.b_V, keras_mha.value_dense),
            ("attention_output", self.W_O, self.b_O, keras_mha.output_dense),
        ]
        for name, kernel, bias, dense in pairs:
            if tuple(dense.kernel.shape) != tuple(kernel.shape):
                raise ValueError(
                    f"{name} kernels differ in shape: Keras's {tuple(dense.kernel.shape)}, ours {tuple(kernel.shape)}; "
                    "use the same num_heads, key_dim, value_dim and output_shape"
                )
            if (dense.bias is None) != (bias is None):
                raise ValueError(
                    f"one layer has biases and the other not "
                    f"(use_bias={self.use_bias} here, {source['use_bias']} in Keras's)"
                )
            kernel.assign(dense.kernel)
            if bias is not None:
                bias.assign(dense.bias)

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout_rate,
            "use_bias": self.use_bias,
            "output_shape": list(self.output_shape_) if self.output_shape_ else None,
        }


def _as_tuple(shape) -> tuple | None:
    if shape is None:
        return None
    return (int(shape),) if isinstance(shape, int) else tuple(int(size) for size in shape)


def _with_head_axis(mask):
    """Keras's rule: a mask of fewer than four axes gets new axes at -3 (the head's, then the batch's)."""
    while len(mask.shape) < 4:
        mask = ops.expand_dims(mask, -3)  # (T, S) -> (1, T, S) -> (1, 1, T, S); (B, T, S) -> (B, 1, T, S)
    return mask


def _check_broadcastable(mask, scores_shape) -> None:
    """Refuse, as Keras does, a mask of more than four dimensions or one whose sizes cannot broadcast."""
    for mask_size, size in zip(reversed(mask.shape), reversed(scores_shape)):
        if mask_size not in (None, 1) and size is not None and mask_size != size:
            raise ValueError(
                f"attention_mask of shape {tuple(mask.shape)} does not broadcast to the scores (B, h, T, S) = "
                f"{tuple(scores_shape)}"
            )
