"""Decoding on TensorFlow: every engine compiled by ``tf.function`` (and XLA), the default backend's fastest path.

Greedy search, sampling and teacher-forced scoring are one loop over that step, compiled with ``tf.function``
into a single graph (``tf.while_loop``) so that a sentence costs one call rather than one ``predict`` per
character; they differ only in how the next input is chosen (the most likely token, a sample, or the
reference's next token). A model that sets ``decode_with_xla`` (every translator here: a step is dozens of
small ops) has the whole loop compiled by XLA into one fused program, 2-5x faster on a CPU; XLA needs fixed
shapes, so the batch, the source length and the step capacity are padded up to a few sizes ("buckets") and the
results cut back, and each bucket is compiled once (about two seconds).

Beam search keeps ``k`` hypotheses as a batch of ``k`` and runs, whole, in one compiled loop too: each step
scores the ``k + 1`` best continuations of every live hypothesis, sorts them, keeps the ``k`` best that do not end
and sets aside, ranked by length-normalised score, those that end (``beam``). ``beam_stepwise`` is the same search
written as a Python loop around the compiled step: the reference the compiled one is tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from .outputs import (
    FORCED,
    GREEDY,
    HISTORIES,
    SAMPLE,
    TOKENS,
    TOP_K,
    BeamOutput,
    DecodeOutput,
    Hypothesis,
    bucket,
    lengths_of,
    padded_rows_and_columns,
)

SEGMENT = 8  # batched greedy decoding: steps between two looks at which rows are still writing
ENCODE_ROWS = 128  # batched greedy decoding: rows encoded at once by a model that can join parts (``pad_memory``)
_NEVER = -1e9


def _forbid(logits, forbidden_ids):
    """Padding and the start symbol are never outputs."""
    vocab = tf.shape(logits)[-1]
    penalty = tf.reduce_sum(tf.one_hot(forbidden_ids, vocab), axis=0) * _NEVER  # (V,)
    return logits + penalty


def _batch_major(x):
    """(L, B, ...) -> (B, L, ...)"""
    return tf.transpose(x, [1, 0, *range(2, x.shape.rank)])


class StepDecoder:
    """Compiled decoding loops over one model's ``decode_step``."""

    def __init__(self, model, start_id: int, end_id: int, xla: bool | None = None):
        self.model = model
        self.start_id = int(start_id)
        self.end_id = int(end_id)
        self._forbidden = tf.constant([0, self.start_id], dtype=tf.int32)
        self.xla = bool(getattr(model, "decode_with_xla", False)) if xla is None else xla
        self._build_loops()
        self._beam_loops: dict = {}  # one compiled beam search per width
        self._segment = self._encode_batch = None  # run_tokens's compiled programs, built on first use
        self._encode = tf.function(self.model.encode, reduce_retracing=True)
        self._step = tf.function(self._log_probs_step, reduce_retracing=True)

    # ---- greedy, sampling and forced decoding: one compiled loop -------------------------------------
    def _build_loops(self) -> None:
        options = {"jit_compile": True, "reduce_retracing": True} if self.xla else {"reduce_retracing": True}
        modes = (GREEDY, SAMPLE, FORCED, TOKENS)
        self._loops = {mode: tf.function(self._make_loop(mode), **options) for mode in modes}

    def _make_loop(self, mode: str):
        model, end_id = self.model, self.end_id

        def loop(source_ids, reference_ids, max_steps, temperature, seed, capacity=None):
            # capacity: a fixed number of result rows for XLA (a Python int); otherwise max_steps
            memory, states = model.encode(source_ids)
            batch = tf.shape(source_ids)[0]
            tokens = tf.fill([batch], self.start_id)
            finished = tf.zeros([batch], tf.bool)
            dtypes = (
                (tf.int32,) if mode == TOKENS else (tf.int32, tf.int32, tf.float32, tf.float32, tf.float32, tf.float32)
            )
            arrays = [tf.TensorArray(dtype, size=capacity or max_steps) for dtype in dtypes]

            def body(t, tokens, states, finished, arrays):
                logits, states, alpha = model.decode_step(tokens, states, memory)  # (B, V), (B, S)
                alpha = tf.cast(alpha, tf.float32)  # a model trained in bfloat16 attends in bfloat16 while it trains
                logits = _forbid(logits, self._forbidden)
                if mode == TOKENS:  # no softmax, top-k or attention arrays: the word model 1.9x faster at batch 512
                    chosen = tf.where(finished, 0, tf.argmax(logits, axis=-1, output_type=tf.int32))
                    arrays = [arrays[0].write(t, chosen)]
                    finished = finished | tf.equal(chosen, end_id) | tf.equal(chosen, 0)
                    return t + 1, chosen, states, finished, arrays
                probs = tf.nn.softmax(logits, axis=-1)  # (B, V)
                if mode == GREEDY:
                    chosen = tf.argmax(logits, axis=-1, output_type=tf.int32)
                elif mode == SAMPLE:
                    chosen = tf.random.stateless_categorical(logits / temperature, 1, seed=tf.stack([seed, t]))[:, 0]
                    chosen = tf.cast(chosen, tf.int32)
                else:
                    chosen = reference_ids[:, t]
                chosen = tf.where(finished, 0, chosen)
                top = tf.math.top_k(probs, k=TOP_K)
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
            return steps, [_batch_major(array.stack()) for array in arrays]

        return loop

    def run(
        self,
        source_ids: np.ndarray,
        max_steps: int,
        mode: str = GREEDY,
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

    # ---- batched greedy decoding that drops the rows that ended ------------------------------------------
    def _make_segment(self):
        """Up to ``SEGMENT`` greedy steps from given tokens, states and finished flags (token ids only)."""
        model, end_id = self.model, self.end_id

        def segment(tokens, states, finished, memory, steps):
            arrays = tf.TensorArray(tf.int32, size=SEGMENT)

            def body(t, tokens, states, finished, arrays):
                logits, states, _ = model.decode_step(tokens, states, memory)
                logits = _forbid(logits, self._forbidden)
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
            self._segment = tf.function(self._make_segment(), reduce_retracing=True, **options)
            self._encode_batch = tf.function(self.model.encode, reduce_retracing=True, **options)
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

    # ---- beam search, compiled: the whole search is one loop -----------------------------------------
    def _make_beam_loop(self, k: int):
        model, end_id = self.model, self.end_id
        width = k + 1  # continuations scored per hypothesis, as in beam_stepwise

        def loop(source_ids, max_steps, length_penalty, capacity):
            memory, states = model.encode(source_ids)  # (1, ...): one source
            memory = tf.nest.map_structure(lambda x: tf.repeat(x, k, axis=0), memory)
            states = tf.nest.map_structure(lambda x: tf.repeat(x, k, axis=0), states)
            source_length = tf.shape(memory["mask"])[1]
            rows = tf.range(k)
            never = tf.constant(-np.inf, tf.float64)  # scores are summed in float64, as beam_stepwise does

            def history(dtype, *shape):
                return tf.zeros([k, capacity, *shape], dtype)

            # per step of each hypothesis: its token, the log-probability it had, the TOP_K most likely tokens then
            # (all a step table shows: carrying the whole distribution, a word model's 5,000 words, made every step
            # copy k x capacity x V numbers) and the attention
            alive = {
                "tokens": history(tf.int32),
                "chosen": history(tf.float32),
                "top_ids": history(tf.int32, TOP_K),
                "top_log_probs": history(tf.float32, TOP_K),
                "attention": history(tf.float32, source_length),
                "score": tf.where(
                    rows == 0, tf.constant(0.0, tf.float64), never
                ),  # one hypothesis to start from: the start symbol
                "count": tf.constant(1),
                "last": tf.fill([k], self.start_id),
            }
            ended = {  # the k best ended hypotheses so far, best first (earlier ones first among equals)
                "tokens": history(tf.int32),
                "chosen": history(tf.float32),
                "top_ids": history(tf.int32, TOP_K),
                "top_log_probs": history(tf.float32, TOP_K),
                "attention": history(tf.float32, source_length),
                "score": tf.fill([k], never),
                "normalised": tf.fill([k], never),
                "length": tf.zeros([k], tf.int32),
                "count": tf.constant(0),
            }

            def extend(alive, t, parents, tokens, log_probs, top, alpha):
                """The live histories of ``parents`` with step t's token, its log-probability, the step's most likely
                tokens and attention."""
                at_t = tf.equal(tf.range(capacity), t)
                chosen = tf.gather_nd(log_probs, tf.stack([parents, tokens], axis=1))  # (k,)

                def put(name, value):  # value (k, ...) at step t of each parent's history
                    where = tf.reshape(at_t, [1, -1] + [1] * (value.shape.rank - 1))
                    return tf.where(where, tf.expand_dims(value, 1), tf.gather(alive[name], parents))

                return {
                    "tokens": put("tokens", tokens),
                    "chosen": put("chosen", chosen),
                    "top_ids": put("top_ids", tf.gather(top.indices, parents)),
                    "top_log_probs": put("top_log_probs", tf.gather(top.values, parents)),
                    "attention": put("attention", tf.gather(alpha, parents)),
                }

            def body(t, alive, ended, states, done):
                logits, new_states, alpha = model.decode_step(alive["last"], states, memory)
                alpha = tf.cast(alpha, tf.float32)
                log_probs = tf.nn.log_softmax(_forbid(logits, self._forbidden), axis=-1)  # (k, V)
                shown = tf.math.top_k(log_probs, k=TOP_K)  # what the step table shows
                top = tf.math.top_k(log_probs, k=width)
                continued = alive["score"][:, None] + tf.cast(top.values, tf.float64)
                scores = tf.where((rows < alive["count"])[:, None], continued, never)
                # every continuation, in beam_stepwise's order (hypothesis, then rank), sorted by score, ties kept
                order = tf.argsort(tf.reshape(scores, [-1]), direction="DESCENDING", stable=True)
                score = tf.gather(tf.reshape(scores, [-1]), order)
                token = tf.gather(tf.reshape(top.indices, [-1]), order)
                parent = tf.gather(tf.repeat(rows, width), order)
                valid = tf.math.is_finite(score)
                ends = tf.equal(token, end_id)
                going = valid & ~ends
                before = tf.cumsum(tf.cast(going, tf.int32), exclusive=True)  # live ones kept ahead of each
                keep = going & (before < k)  # walking the sorted list, stop at the k-th live one
                finish = valid & ends & (before < k)  # ended ones met on that walk
                # the kept live continuations, in order, into slots 0..count-1 (the rest of the slots: nothing)
                slot = tf.where(keep, before, k)[:, None]
                kept = tf.scatter_nd(slot, tf.ones_like(token), [k + 1])[:k] > 0
                new_parent = tf.where(kept, tf.scatter_nd(slot, parent, [k + 1])[:k], 0)
                new_token = tf.where(kept, tf.scatter_nd(slot, token, [k + 1])[:k], self.start_id)
                new_score = tf.where(kept, tf.scatter_nd(slot, score, [k + 1])[:k], never)
                count = tf.reduce_sum(tf.cast(keep, tf.int32))
                # the ended ones join the k best ended, ranked by score / length ** length_penalty
                normalised = tf.where(finish, score / tf.pow(tf.cast(t + 1, tf.float64), length_penalty), never)
                ranked = tf.argsort(
                    tf.concat([ended["normalised"], normalised], 0), direction="DESCENDING", stable=True
                )[:k]
                from_ended = ranked < k
                candidate = tf.maximum(ranked - k, 0)
                finished = extend(
                    alive, t, tf.gather(parent, candidate), tf.gather(token, candidate), log_probs, shown, alpha
                )
                previous = tf.minimum(ranked, k - 1)

                def pick(old, new):
                    where = tf.reshape(from_ended, [k] + [1] * (new.shape.rank - 1))
                    return tf.where(where, tf.gather(old, previous), new)

                ended = {
                    **{name: pick(ended[name], value) for name, value in finished.items()},
                    "score": pick(ended["score"], tf.gather(score, candidate)),
                    "normalised": pick(ended["normalised"], tf.gather(normalised, candidate)),
                    "length": pick(ended["length"], tf.fill([k], t + 1)),
                    "count": ended["count"] + tf.reduce_sum(tf.cast(finish, tf.int32)),
                }
                done = (ended["count"] >= k) | tf.equal(count, 0)
                alive = {
                    **extend(alive, t, new_parent, new_token, log_probs, shown, alpha),
                    "score": new_score,
                    "count": count,
                    "last": new_token,
                }
                states = tf.nest.map_structure(lambda x: tf.gather(x, new_parent), new_states)
                return t + 1, alive, ended, states, done

            def cond(t, alive, ended, states, done):
                return (t < max_steps) & ~done

            steps, alive, ended, _, _ = tf.while_loop(
                cond, body, (tf.constant(0), alive, ended, states, tf.constant(False))
            )
            return steps, alive, ended

        return loop

    def beam(self, source_ids: np.ndarray, max_steps: int, beam_width: int = 4, length_penalty: float = 1.0):
        """Beam search for one source ``(1, S)``, compiled whole: the same search as ``beam_stepwise``.

        Returns the best hypothesis: ``(token ids, each token's log-probability, attention)``; ``beam_search``
        also returns the step's most likely tokens and the other hypotheses.
        """
        result = self.beam_search(source_ids, max_steps, beam_width, length_penalty)
        return result.tokens, result.chosen_log_probs, result.attention

    def beam_search(
        self, source_ids: np.ndarray, max_steps: int, beam_width: int = 4, length_penalty: float = 1.0
    ) -> BeamOutput:
        """Beam search for one source ``(1, S)``: the best hypothesis and the ``beam_width`` candidates it was
        chosen from (the ended ones by length-normalised score; the live ones if none ended)."""
        k = int(beam_width)
        source_ids = np.asarray(source_ids, dtype=np.int32)
        length = source_ids.shape[1]
        capacity = bucket(max_steps, 16)
        if self.xla:
            source_ids = self._padded(source_ids)  # one source: one row
        if k not in self._beam_loops:
            options = {"jit_compile": True} if self.xla else {}
            self._beam_loops[k] = tf.function(self._make_beam_loop(k), reduce_retracing=True, **options)
        try:
            steps, alive, ended = self._beam_loops[k](
                tf.constant(source_ids),
                tf.constant(max_steps),
                tf.constant(float(length_penalty), tf.float64),
                capacity,
            )
        except (tf.errors.UnimplementedError, tf.errors.InternalError, tf.errors.NotFoundError):
            if not self.xla:
                raise
            self.xla = False
            self._build_loops()
            self._beam_loops = {}
            return self.beam_search(source_ids[:, :length], max_steps, beam_width, length_penalty)
        steps = int(steps)
        if int(ended["count"]) > 0:
            count = min(int(ended["count"]), k)
            pool = {name: np.asarray(ended[name])[:count] for name in HISTORIES}
            lengths = np.asarray(ended["length"])[:count]
            normalised = np.asarray(ended["normalised"])[:count]
            finished = [True] * count
        else:  # the step limit came first: the live hypotheses, all of the same length
            count = int(alive["count"])
            pool = {name: np.asarray(alive[name])[:count] for name in HISTORIES}
            lengths = np.full(count, steps)
            normalised = pool["score"] / max(steps, 1) ** length_penalty
            ranked = np.argsort(-normalised, kind="stable")
            pool = {name: value[ranked] for name, value in pool.items()}
            lengths, normalised, finished = lengths[ranked], normalised[ranked], [False] * count
        hypotheses = [
            Hypothesis(pool["tokens"][i, : lengths[i]], float(pool["score"][i]), float(normalised[i]), finished[i])
            for i in range(count)
        ]
        best = int(lengths[0])
        return BeamOutput(
            tokens=pool["tokens"][0, :best],
            chosen_log_probs=pool["chosen"][0, :best],
            top_ids=pool["top_ids"][0, :best],
            top_log_probs=pool["top_log_probs"][0, :best],
            attention=pool["attention"][0, :best, :length],
            hypotheses=hypotheses,
        )

    # ---- beam search, step by step: the same step, k hypotheses as a batch, the bookkeeping in Python -----
    def _log_probs_step(self, tokens, states, memory):
        logits, states, alpha = self.model.decode_step(tokens, states, memory)
        logits = _forbid(logits, self._forbidden)
        return tf.nn.log_softmax(logits, axis=-1), states, alpha

    def beam_stepwise(self, source_ids: np.ndarray, max_steps: int, beam_width: int = 4, length_penalty: float = 1.0):
        """Beam search for one source ``(1, S)``, the bookkeeping in Python around the compiled step.

        Keeps the ``beam_width`` best partial hypotheses by summed log-probability; a hypothesis that emits the
        end symbol is set aside, and the search stops once ``beam_width`` have ended. Ended hypotheses are
        ranked by ``score / length**length_penalty`` (length normalisation), so a long sentence is not beaten by
        a short one just for having fewer factors. With ``beam_width=1`` this is greedy search.

        Returns the best hypothesis: ``(token ids, per-step log-probabilities over the vocabulary, attention)``.
        """
        k = beam_width
        memory, states = self._encode(tf.constant(np.asarray(source_ids, dtype=np.int32)))
        memory = tf.nest.map_structure(lambda x: tf.repeat(x, k, axis=0), memory)
        states = tf.nest.map_structure(lambda x: tf.repeat(x, k, axis=0), states)
        alive = [_Hypothesis(0.0, [], [], [])]
        finished: list[_Hypothesis] = []
        for _ in range(max_steps):
            last = [h.tokens[-1] if h.tokens else self.start_id for h in alive]
            tokens = np.array(last + [last[0]] * (k - len(alive)), dtype=np.int32)
            log_probs, states, alpha = self._step(tf.constant(tokens), states, memory)
            log_probs, alpha = log_probs.numpy(), alpha.numpy()  # (k, V), (k, S)
            candidates = []
            for index, hypothesis in enumerate(alive):
                for token in np.argsort(-log_probs[index])[: k + 1]:
                    candidates.append((hypothesis.score + float(log_probs[index, token]), index, int(token)))
            candidates.sort(key=lambda c: -c[0])
            next_alive, parents = [], []
            for score, index, token in candidates:
                parent = alive[index]
                extended = _Hypothesis(
                    score,
                    [*parent.tokens, token],
                    [*parent.log_probs, log_probs[index]],
                    [*parent.attention, alpha[index]],
                )
                if token == self.end_id:
                    finished.append(extended)
                elif len(next_alive) < k:
                    next_alive.append(extended)
                    parents.append(index)
                if len(next_alive) == k:
                    break
            if len(finished) >= k or not next_alive:
                break
            alive = next_alive
            order = np.array(parents + [parents[0]] * (k - len(parents)), dtype=np.int32)
            states = tf.nest.map_structure(lambda x, order=order: tf.gather(x, order), states)
        best = max(finished or alive, key=lambda h: h.score / max(len(h.tokens), 1) ** length_penalty)
        return np.array(best.tokens, dtype=np.int32), np.stack(best.log_probs), np.stack(best.attention)


@dataclass
class _Hypothesis:
    score: float
    tokens: list
    log_probs: list
    attention: list
