"""Greedy search (steered or not), sampling and teacher-forced scoring on TensorFlow: one loop over the model's step,
compiled whole (``tf.while_loop`` in one ``tf.function``, XLA where the model asks for it).

The three differ only in how the next input is chosen: the most likely token (greedy), a sample (temperature
sampling) or the reference's next token (teacher-forced scoring, which also reads the probability the model gave
each reference token). A fourth mode, ``TOKENS``, keeps only the chosen tokens (batch translation). XLA needs fixed
shapes: the batch, the source length and the step capacity are padded up to a few sizes ("buckets") and the results
cut back, and each bucket is compiled once (about two seconds).

Shapes: B sentences, S source positions, V target tokens, T steps.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from . import outputs as out
from .outputs import DecodeOutput, bucket, lengths_of, padded_rows_and_columns

NEVER = -1e9


def forbid(logits, forbidden_ids):
    """Padding and the start symbol are never outputs."""
    vocab = tf.shape(logits)[-1]
    penalty = tf.reduce_sum(tf.one_hot(forbidden_ids, vocab), axis=0) * NEVER  # (V,)
    return logits + penalty


def batch_major(x):
    """(L, B, ...) -> (B, L, ...)"""
    return tf.transpose(x, [1, 0, *range(2, x.shape.rank)])


class LoopEngine:
    """``run``: greedy, sampling, forced or tokens-only decoding of a batch (part of ``StepDecoder``)."""

    # ---- greedy, sampling and forced decoding: one compiled loop -------------------------------------
    def _build_loops(self) -> None:
        options = {"jit_compile": True, "reduce_retracing": True} if self.xla else {"reduce_retracing": True}
        modes = (out.GREEDY, out.SAMPLE, out.FORCED, out.TOKENS, out.STEERED)
        self._loops = {mode: tf.function(self._make_loop(mode), autograph=False, **options) for mode in modes}

    def _make_loop(self, mode: str):
        model, end_id = self.model, self.end_id

        def loop(source_ids, reference_ids, max_steps, temperature, seed, capacity=None):
            # capacity: a fixed number of result rows for XLA (a Python int); otherwise max_steps
            memory, states = model.encode(source_ids)
            batch = tf.shape(source_ids)[0]
            tokens = tf.fill([batch], self.start_id)
            finished = tf.zeros([batch], tf.bool)
            dtypes = (
                (tf.int32,)
                if mode == out.TOKENS
                else (tf.int32, tf.int32, tf.float32, tf.float32, tf.float32, tf.float32)
            )
            arrays = [tf.TensorArray(dtype, size=capacity or max_steps) for dtype in dtypes]

            def body(t, tokens, states, finished, arrays):
                logits, states, alpha = model.decode_step(tokens, states, memory)  # (B, V), (B, S)
                alpha = tf.cast(alpha, tf.float32)  # a model trained in bfloat16 attends in bfloat16 while it trains
                logits = forbid(logits, self._forbidden)
                if mode == out.TOKENS:  # no softmax, top-k or attention arrays: the word model 1.9x faster at batch 512
                    chosen = tf.where(finished, 0, tf.argmax(logits, axis=-1, output_type=tf.int32))
                    arrays = [arrays[0].write(t, chosen)]
                    finished = finished | tf.equal(chosen, end_id) | tf.equal(chosen, 0)
                    return t + 1, chosen, states, finished, arrays
                probs = tf.nn.softmax(logits, axis=-1)  # (B, V)
                if mode == out.GREEDY:
                    chosen = tf.argmax(logits, axis=-1, output_type=tf.int32)
                elif mode == out.SAMPLE:
                    chosen = tf.random.stateless_categorical(logits / temperature, 1, seed=tf.stack([seed, t]))[:, 0]
                    chosen = tf.cast(chosen, tf.int32)
                elif mode == out.STEERED:  # the given token where there is one, the most likely elsewhere
                    given = reference_ids[:, t]
                    chosen = tf.where(given > 0, given, tf.argmax(logits, axis=-1, output_type=tf.int32))
                else:
                    chosen = reference_ids[:, t]
                chosen = tf.where(finished, 0, chosen)
                top = tf.math.top_k(probs, k=out.TOP_K)
                values = (
                    chosen,
                    top.indices,
                    top.values,
                    tf.gather(probs, chosen, batch_dims=1),
                    tf.gather(probs, reference_ids[:, t], batch_dims=1),
                    alpha,
                )
                arrays = [array.write(t, value) for array, value in zip(arrays, values)]
                finished = finished | tf.equal(chosen, end_id) | tf.equal(chosen, 0)
                return t + 1, chosen, states, finished, arrays

            def cond(t, tokens, states, finished, arrays):
                return tf.logical_and(t < max_steps, tf.logical_not(tf.reduce_all(finished)))

            steps, _, _, _, arrays = tf.while_loop(cond, body, (tf.constant(0), tokens, states, finished, arrays))
            return steps, [batch_major(array.stack()) for array in arrays]

        return loop

    def run(
        self,
        source_ids: np.ndarray,
        max_steps: int,
        mode: str = out.GREEDY,
        reference_ids: np.ndarray | None = None,
        temperature: float = 1.0,
        seed: int = 0,
        capacity: int | None = None,
    ) -> DecodeOutput:
        """Decode a batch. ``reference_ids`` ``(B, >= max_steps)`` are the next tokens to score (and, in forced
        mode, to feed). ``capacity``: room for this many steps (at least ``max_steps``): calls that share it share
        one compiled program, whatever their ``max_steps``."""
        source_ids = np.asarray(source_ids, dtype=np.int32)
        batch, length = source_ids.shape
        if reference_ids is None:
            reference_ids = np.zeros((batch, max_steps), dtype=np.int32)
        capacity = bucket(max(capacity or 0, max_steps), 16) if self.xla else max_steps
        reference = np.zeros((batch, capacity), dtype=np.int32)
        width = min(max_steps, reference_ids.shape[1])
        reference[:, :width] = reference_ids[:, :width]
        if self.xla:  # fixed shapes: rows padded with copies of the first, columns with padding (masked)
            source_ids = self._padded(source_ids)
            reference = np.concatenate([reference, np.repeat(reference[:1], len(source_ids) - batch, 0)])
        arguments = (
            tf.constant(source_ids),
            tf.constant(reference),
            tf.constant(max_steps, tf.int32),
            tf.constant(max(temperature, 1e-4), tf.float32),
            tf.constant(seed, tf.int32),
        )
        try:
            steps, arrays = self._loops[mode](*arguments, capacity) if self.xla else self._loops[mode](*arguments)
        except (tf.errors.UnimplementedError, tf.errors.InternalError, tf.errors.NotFoundError):
            if not self.xla:
                raise
            self.xla = False  # no XLA on this machine: the plain graph loop gives the same results, slower
            self._build_loops()
            return self.run(source_ids[:batch, :length], max_steps, mode, reference_ids, temperature, seed)
        tokens, top_ids, top_probs, chosen_probs, reference_probs, attention = (
            *(array.numpy()[:batch, :max_steps] for array in arrays),  # numpy slicing: an eager op each costs more
            *[None] * (6 - len(arrays)),
        )
        if attention is not None:
            attention = attention[:, :, :length]
        lengths = lengths_of(tokens, self.end_id, steps)
        return DecodeOutput(tokens, top_ids, top_probs, chosen_probs, reference_probs, attention, lengths)

    def _padded(self, source_ids: np.ndarray) -> np.ndarray:
        """XLA's fixed shapes (``padded_rows_and_columns``)."""
        return padded_rows_and_columns(source_ids, getattr(self.model, "max_source_positions", None))
