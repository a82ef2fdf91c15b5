"""Attention for RNN encoder-decoders: at decoding step i, which source positions j should the decoder read?

For each decoding step i, with the previous decoder state ``s_{i-1}`` and the encoder outputs ``h_j``:

    e_ij     = a(s_{i-1}, h_j)          a score: how well does source position j fit what the decoder needs now
    alpha_ij = softmax_j(e_ij)          the scores made into weights that sum to 1 over the source
    c_i      = sum_j alpha_ij h_j       the context vector: a weighted average of the encoder outputs

Five scores ``a``:

* ``additive`` (Bahdanau et al. 2015): ``e_ij = v . tanh(W s_{i-1} + U h_j)``
* ``dot`` (Luong et al. 2015): ``e_ij = s_{i-1} . h_j`` (decoder and encoder sizes must agree)
* ``general`` (Luong et al. 2015): ``e_ij = s_{i-1} W h_j``
* ``learned``: ``e_ij = w . h_j + b``, a Dense layer that scores each encoder position from the encoder
  output alone, like a squeeze-and-excitation block over time. It does not look at ``s_{i-1}``, so every
  decoding step gets the same weights: compare its heatmap (identical rows) with the others'.
* ``positional``: the "learnable attention, like an SE block" often drawn in tutorials: a Dense layer *across time
  steps* (``W`` of shape positions x positions) maps, for every channel ``k`` of the encoder output separately, the
  column ``h_{.k}`` to one score per position, ``e_{jk} = sum_l W_jl h_lk + b_j``; a softmax over positions
  gives a weight per position *and channel*, and ``c_ik = sum_j alpha_jk h_jk``. Like ``learned`` it ignores
  ``s_{i-1}`` (the same context at every step); the heatmap shows ``alpha`` averaged over channels. It needs a
  fixed number of positions (``positions``: the longest source).

How they differ from a real squeeze-and-excitation block (Hu et al. 2018): an SE block *squeezes* each channel
to one number by pooling over all positions, passes that descriptor through a small bottleneck MLP and *gates*
each channel with a sigmoid (weights over channels, not positions, and not summing to 1). ``learned`` instead
scores positions from their own vectors and normalises over positions; ``positional`` mixes positions with a
learned matrix per channel and normalises over positions. Neither pools, and neither gates channels.

Where the decoder reads the context (``order`` in ``RNNSeq2Seq``): in Bahdanau's order, the one written above,
the score uses the *previous* state ``s_{i-1}`` and the context enters the decoder's input, so the decoder must
run one step at a time even in training. In Luong's order the decoder runs first (``s_i`` from the previous
character alone), then attends with its *current* state, ``e_ij = a(s_i, h_j)``, and the output layer reads
``[s_i; c_i]``. Under teacher forcing every ``s_i`` is then known at once: the decoder runs over all steps as one
layer call and the attention over all steps as one tensor product (``attend_all``), which trains much faster.

Source padding is masked: its score is set to a large negative number before the softmax and its weight is
then exactly 0.
"""

from __future__ import annotations

import keras
from keras import ops

KINDS = ("additive", "dot", "general", "learned", "positional")
_MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="s2s_viz")
class SeqAttention(keras.layers.Layer):
    """Attention of a decoder state over encoder outputs.

    Args:
        kind: ``"additive"``, ``"dot"``, ``"general"`` or ``"learned"`` (see the module docstring).
        units: size of the additive score's hidden layer (``W``, ``U`` and ``v``).

    Call arguments:
        query: the previous decoder state ``s_{i-1}``, ``(B, d_s)``.
        values: the encoder outputs ``h``, ``(B, S, d_h)``.
        keys: ``prepare(values)``, computed once per source sentence rather than at every step.
        mask: ``(B, S)``, true at real source positions.

    Returns:
        ``(context, alpha)``: ``c_i`` of shape ``(B, d_h)`` and ``alpha_i`` of shape ``(B, S)``.
    """

    def __init__(self, kind: str = "additive", units: int = 128, positions: int = 0, **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(f"unknown attention {kind!r}; choose one of {', '.join(KINDS)}")
        if kind == "positional" and positions < 1:
            raise ValueError("positional attention needs the number of source positions (the longest source)")
        self.kind = kind
        self.units = units
        self.positions = positions

    def build(self, query_dim: int, value_dim: int):
        if self.kind == "additive":
            self.W = self.add_weight(shape=(query_dim, self.units), name="W")
            self.U = self.add_weight(shape=(value_dim, self.units), name="U")
            self.v = self.add_weight(shape=(self.units,), name="v")
        elif self.kind == "general":
            self.W = self.add_weight(shape=(query_dim, value_dim), name="W")
        elif self.kind == "learned":
            self.w = self.add_weight(shape=(value_dim,), name="w")
            self.b = self.add_weight(shape=(), initializer="zeros", name="b")
        elif self.kind == "positional":
            self.W = self.add_weight(shape=(self.positions, self.positions), name="W")  # position l -> position j
            self.b = self.add_weight(shape=(self.positions,), initializer="zeros", name="b")
        elif query_dim != value_dim:
            raise ValueError(f"dot attention needs equal decoder and encoder sizes, got {query_dim} and {value_dim}")
        self.built = True

    def prepare(self, values):
        """The part of the score that depends on the source only, computed once: ``U h``, ``w . h + b``, or
        (positional) the scores of every position and channel ``(B, S, d_h)``."""
        if self.kind == "additive":
            return ops.matmul(values, self.U)  # (B, S, units)
        if self.kind == "learned":
            return ops.sum(values * self.w, axis=-1) + self.b  # (B, S)
        if self.kind == "positional":
            return self._positional_scores(values)
        return values  # (B, S, d_h)

    def _positional_scores(self, values):
        """``e_{jk} = sum_l W_jl h_lk + b_j`` over the first ``positions`` positions (the source is padded or cut
        to them: beyond the longest source there is only padding, which the mask removes)."""
        length = ops.shape(values)[1]
        fitted = values[:, : self.positions]
        fitted = ops.pad(fitted, [[0, 0], [0, self.positions - ops.shape(fitted)[1]], [0, 0]])  # (B, P, d_h)
        scores = ops.einsum("jl,blk->bjk", self.W, fitted) + self.b[None, :, None]  # (B, P, d_h)
        scores = scores[:, :length]
        return ops.pad(scores, [[0, 0], [0, length - ops.shape(scores)[1]], [0, 0]])  # (B, S, d_h)

    def _positional_attend(self, keys, values, mask):
        """Softmax over positions for every channel; the context and the weights averaged over channels."""
        mask = ops.cast(ops.expand_dims(mask, -1), keys.dtype)  # (B, S, 1)
        alpha = ops.softmax(ops.where(mask > 0, keys, _MASKED_SCORE), axis=1) * mask  # (B, S, d_h)
        return ops.sum(alpha * values, axis=1), ops.mean(alpha, axis=-1)  # (B, d_h), (B, S)

    def scores(self, query, keys):
        """``e_i``: one score per source position, ``(B, S)``."""
        if self.kind == "additive":
            hidden = ops.tanh(ops.expand_dims(ops.matmul(query, self.W), 1) + keys)  # (B, S, units)
            return ops.sum(hidden * self.v, axis=-1)  # (B, S)
        if self.kind == "learned":
            return keys  # (B, S): the same at every step
        if self.kind == "general":
            query = ops.matmul(query, self.W)  # (B, d_h)
        return ops.sum(ops.expand_dims(query, 1) * keys, axis=-1)  # (B, S)

    def scores_all(self, queries, keys):  # not for "positional": its weights are per channel (attend_all)
        """``e`` for every decoder step at once: queries ``(B, T, d_s)`` -> ``(B, T, S)`` (Luong's order)."""
        if self.kind == "additive":
            projected = ops.expand_dims(ops.matmul(queries, self.W), 2)  # (B, T, 1, units)
            hidden = ops.tanh(projected + ops.expand_dims(keys, 1))  # (B, T, S, units)
            return ops.sum(hidden * self.v, axis=-1)
        if self.kind == "learned":
            return ops.expand_dims(keys, 1) + ops.zeros_like(queries[..., :1])  # (B, T, S): the same every step
        if self.kind == "general":
            queries = ops.matmul(queries, self.W)  # (B, T, d_h)
        return ops.matmul(queries, ops.transpose(keys, (0, 2, 1)))  # (B, T, S)

    def attend_all(self, queries, values, keys, mask):
        """``(context (B, T, d_h), alpha (B, T, S))`` for every decoder step at once."""
        if self.kind == "positional":  # the same context at every step
            context, alpha = self._positional_attend(keys, values, mask)
            steps = ops.shape(queries)[1]
            return (
                ops.repeat(ops.expand_dims(context, 1), steps, axis=1),
                ops.repeat(ops.expand_dims(alpha, 1), steps, axis=1),
            )
        e = self.scores_all(queries, keys)
        mask = ops.cast(ops.expand_dims(mask, 1), e.dtype)  # (B, 1, S)
        alpha = ops.softmax(ops.where(mask > 0, e, _MASKED_SCORE), axis=-1) * mask
        return ops.matmul(alpha, values), alpha

    def call(self, query, values, keys, mask):
        if self.kind == "positional":
            return self._positional_attend(keys, values, mask)
        e = self.scores(query, keys)  # (B, S)
        mask = ops.cast(mask, e.dtype)
        e = ops.where(mask > 0, e, _MASKED_SCORE)
        alpha = ops.softmax(e, axis=-1) * mask  # (B, S), exactly 0 on padding
        context = ops.sum(ops.expand_dims(alpha, -1) * values, axis=1)  # (B, d_h)
        return context, alpha

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "units": self.units, "positions": self.positions}
