"""Batched greedy decoding on TensorFlow, token ids only (batch translation): its compiled segment of steps; the
loop that drops the rows that ended and encodes a long batch in parts is ``batched``'s, shared with every backend."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from . import batched
from .batched import SEGMENT
from .outputs import DecodeOutput
from .tf_loop import forbid


class BatchedEngine:
    """``run_tokens`` (part of ``StepDecoder``)."""

    # ---- batched greedy decoding that drops the rows that ended ------------------------------------------
    def _make_segment(self):
        """Up to ``SEGMENT`` greedy steps from given tokens, states and finished flags (token ids only)."""
        model, end_id = self.model, self.end_id

        def segment(tokens, states, finished, memory, steps):
            arrays = tf.TensorArray(tf.int32, size=SEGMENT)

            def body(t, tokens, states, finished, arrays):
                logits, states, _ = model.decode_step(tokens, states, memory)
                logits = forbid(logits, self._forbidden)
                chosen = tf.where(finished, 0, tf.argmax(logits, axis=-1, output_type=tf.int32))
                finished = finished | tf.equal(chosen, end_id) | tf.equal(chosen, 0)
                return t + 1, chosen, states, finished, arrays.write(t, chosen)

            def cond(t, tokens, states, finished, arrays):
                return tf.logical_and(t < steps, tf.logical_not(tf.reduce_all(finished)))

            t, tokens, states, finished, arrays = tf.while_loop(
                cond, body, (tf.constant(0), tokens, states, finished, arrays)
            )
            return t, tf.transpose(arrays.stack()), tokens, states, finished

        return segment

    def run_tokens(self, source_ids: np.ndarray, max_steps: int) -> DecodeOutput:
        """Greedy decoding of a batch, token ids only (batch translation): the same tokens as
        ``run(..., mode=TOKENS)``, faster on a large batch of mixed lengths (``batched.run_tokens``)."""
        source_ids = np.asarray(source_ids, dtype=np.int32)
        batch, length = source_ids.shape
        if self.xla:  # fixed shapes, as in run(): rows and columns padded to a few sizes
            source_ids = self._padded(source_ids)
        if self._segment is None:
            options = {"jit_compile": True} if self.xla else {}
            self._segment = tf.function(self._make_segment(), reduce_retracing=True, autograph=False, **options)
            self._encode_batch = tf.function(self.model.encode, reduce_retracing=True, autograph=False, **options)
        try:
            pieces = (self._encode_batch, self._segment, tf.constant, tf.gather)
            return batched.run_tokens(self, source_ids, batch, max_steps, *pieces, shrink=self.xla)
        except (tf.errors.UnimplementedError, tf.errors.InternalError, tf.errors.NotFoundError):
            if not self.xla:
                raise
            self.xla = False
            self._build_loops()
            self._segment = None
            return self.run_tokens(source_ids[:batch, :length], max_steps)
