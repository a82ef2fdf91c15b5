"""Batched greedy decoding on TensorFlow, token ids only (batch translation): rows that have ended are dropped
as the loop goes, and a long batch is encoded in parts as wide as their own sources."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .outputs import DecodeOutput, bucket, lengths_of
from .tf_loop import forbid

SEGMENT = 8  # steps between two looks at which rows are still writing
ENCODE_ROWS = 128  # rows encoded at once by a model that can join parts (``pad_memory``)


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
        ``run(..., mode=TOKENS)``, faster on a large batch of mixed lengths.

        One loop over the whole batch runs until its longest output ends, though most rows end far sooner (at batch
        512 of the test sentences: 19 characters on average, the longest 39 to 62). Here the loop runs
        ``SEGMENT`` steps at a time; whenever at most half the rows are still writing, those rows (their states,
        the encoder's memory) are gathered into a batch half the size or less, and the others are done with.
        """
        source_ids = np.asarray(source_ids, dtype=np.int32)
        batch, length = source_ids.shape
        if self.xla:  # fixed shapes, as in run(): rows and columns padded to a few sizes
            source_ids = self._padded(source_ids)
        rows = len(source_ids)
        fit_cache = getattr(self.model, "fit_cache", None)
        if self._segment is None:
            options = {"jit_compile": True} if self.xla else {}
            self._segment = tf.function(self._make_segment(), reduce_retracing=True, autograph=False, **options)
            self._encode_batch = tf.function(self.model.encode, reduce_retracing=True, autograph=False, **options)
        try:
            memory, states = self._encode_rows(source_ids)
            owner = np.concatenate([np.arange(batch), np.full(rows - batch, -1)])  # the sentence each row holds
            tokens = tf.fill([rows], self.start_id)
            finished = tf.constant(owner < 0)  # padding rows write nothing
            out = np.zeros((batch, max_steps), dtype=np.int32)
            done, cache = 0, None
            while done < max_steps:
                if fit_cache is not None:  # a cache as long as this segment's last step needs, in a few lengths
                    needed = min(bucket(done + SEGMENT, 16), self.model.spec.max_length)
                    if needed != cache:
                        states, cache = fit_cache(states, needed), needed
                steps, written, tokens, states, finished = self._segment(
                    tokens, states, finished, memory, tf.constant(min(SEGMENT, max_steps - done))
                )
                steps, written, ended = int(steps), written.numpy(), finished.numpy()
                mine = owner >= 0
                out[owner[mine], done : done + steps] = written[mine, :steps]
                done += steps
                alive = np.flatnonzero(mine & ~ended)
                if alive.size == 0:
                    break
                if self.xla and alive.size <= rows // 2:  # a smaller batch: a program of its own, compiled once
                    rows = 1 << (alive.size - 1).bit_length()
                    pick = tf.constant(np.concatenate([alive, np.repeat(alive[:1], rows - alive.size)]))
                    memory, states, tokens = tf.nest.map_structure(
                        lambda x, pick=pick: tf.gather(x, pick), (memory, states, tokens)
                    )
                    owner = np.concatenate([owner[alive], np.full(rows - alive.size, -1)])
                    finished = tf.constant(owner < 0)
        except (tf.errors.UnimplementedError, tf.errors.InternalError, tf.errors.NotFoundError):
            if not self.xla:
                raise
            self.xla = False
            self._build_loops()
            self._segment = None
            return self.run_tokens(source_ids[:batch, :length], max_steps)
        return DecodeOutput(out, None, None, None, None, None, lengths_of(out, self.end_id, done))

    def _encode_rows(self, source_ids: np.ndarray):
        """``model.encode`` of a batch; for a model that can join parts (``pad_memory``), in parts of ``ENCODE_ROWS``
        rows, each as wide as its longest source (a multiple of 8). ``translate_batch`` sends rows sorted by length:
        at batch 512 of the test sentences, half the positions of the whole batch's width are padding, and the
        encoder is half a Transformer's work there (A/B at batch 512 on a 2-core CPU: 1.2x the sentences per second
        for an attention LSTM; 1.3x for the Transformer with its cache fitted too)."""
        rows, width = source_ids.shape
        pad_memory = getattr(self.model, "pad_memory", None)
        if pad_memory is None or rows <= ENCODE_ROWS:
            return self._encode_batch(tf.constant(source_ids))
        parts = []
        for start in range(0, rows, ENCODE_ROWS):
            part = source_ids[start : start + ENCODE_ROWS]
            used = min(bucket(max(int(np.count_nonzero(part, axis=1).max()), 1), 8), width)
            memory, states = self._encode_batch(tf.constant(part[:, :used]))
            parts.append((pad_memory(memory, width), states))
        return tf.nest.map_structure(lambda *pieces: tf.concat(pieces, 0), *parts)
