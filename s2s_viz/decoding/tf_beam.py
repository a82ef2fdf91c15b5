"""Beam search on TensorFlow.

``beam_search`` keeps ``k`` hypotheses as a batch of ``k`` and runs, whole, in one compiled loop: each step scores
the ``k + 1`` best continuations of every live hypothesis, sorts them, keeps the ``k`` best that do not end and
sets aside, ranked by length-normalised score, those that end. ``beam_stepwise`` is the same search written as a
Python loop around a compiled step (``portable_beam``'s, run on TensorFlow): the reference the compiled one is
tested against.

Shapes: k hypotheses, S source positions, V target tokens, C step capacity.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .outputs import TOP_K, BeamOutput, beam_output, bucket
from .tf_loop import forbid


class BeamEngine:
    """``beam``, ``beam_search`` and ``beam_stepwise`` (part of ``StepDecoder``)."""

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
                log_probs = tf.nn.log_softmax(forbid(logits, self._forbidden), axis=-1)  # (k, V)
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
            self._beam_loops[k] = tf.function(
                self._make_beam_loop(k), reduce_retracing=True, autograph=False, **options
            )
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
        return beam_output(int(steps), alive, ended, k, length, length_penalty)

    # ---- beam search, step by step: the bookkeeping in Python, its reference ------------------------------
    def beam_stepwise(self, source_ids: np.ndarray, max_steps: int, beam_width: int = 4, length_penalty: float = 1.0):
        """Beam search for one source ``(1, S)``, the bookkeeping in Python around one compiled step: the search of
        ``portable_beam`` (the one JAX's and PyTorch's what-if decoding run), here on TensorFlow, against which the
        compiled search is tested.

        Keeps the ``beam_width`` best partial hypotheses by summed log-probability; a hypothesis that emits the
        end symbol is set aside, and the search stops once ``beam_width`` have ended. Ended hypotheses are
        ranked by ``score / length**length_penalty`` (length normalisation), so a long sentence is not beaten by
        a short one just for having fewer factors. With ``beam_width=1`` this is greedy search.

        Returns the best hypothesis: ``(token ids, per-step log-probabilities over the vocabulary, attention)``.
        """
        if self._stepwise is None:
            from .portable import PortableStepDecoder

            self._stepwise = PortableStepDecoder(self.model, self.start_id, self.end_id)
        return self._stepwise.beam_stepwise(source_ids, max_steps, beam_width, length_penalty)
