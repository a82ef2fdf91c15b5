"""Beam search written with ``keras.ops``: one search, two ways to run it, on every backend.

``k`` hypotheses are kept as a batch of ``k``. ``beam_loop`` is the whole search as one loop, compiled whole on
TensorFlow (``tf_beam``, by ``tf.function`` and XLA, scores summed in float64) and on JAX (``jax.jit``, in float32:
JAX computes in 32 bits unless told otherwise for the whole process). On PyTorch, for what-if decoding (a token
forced at some steps) and for ``beam_stepwise``, the bookkeeping is done in Python around one compiled step that
reorders the states to their parents and returns each hypothesis's ``k + 1`` best continuations: the reference the
compiled search is tested against.

Shapes: k hypotheses, S source positions, V target tokens, C step capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

from .. import backend
from .outputs import TOP_K, BeamOutput, Hypothesis, beam_output, bucket, padded_rows_and_columns


def take_rows(x, rows):
    return ops.take(x, rows, axis=0)


def beam_loop(model, k: int, start_id: int, end_id: int, forbid, gather=take_rows, score_dtype: str = "float32"):
    """The whole beam search of ``k`` hypotheses as one loop over the model's step, for a backend to compile (the
    same search as ``PortableBeamEngine._search``'s Python bookkeeping). ``forbid(logits)``: the logits with the
    tokens never written (padding, the start symbol) ruled out. ``gather(x, rows)``: rows of a tensor (TensorFlow
    passes its own ``tf.gather``: ``keras.ops.take`` checks its indices first). ``score_dtype``: the dtype the
    summed log-probabilities are kept in (TensorFlow sums in float64, as the Python search does; JAX in float32,
    its default).

    ``loop(source_ids (1, S), max_steps, length_penalty, slots)``: ``slots``' length is the step capacity of the
    histories. Returns the steps taken and the live and ended hypotheses (``outputs.beam_output`` reads them)."""
    width = k + 1  # continuations scored per hypothesis, as in _search

    def loop(source_ids, max_steps, length_penalty, slots):
        source_ids = ops.convert_to_tensor(source_ids)
        memory, states = model.encode(source_ids)  # (1, ...): one source
        memory = keras.tree.map_structure(lambda x: ops.repeat(x, k, axis=0), memory)
        states = keras.tree.map_structure(lambda x: ops.repeat(x, k, axis=0), states)
        capacity, source_length = ops.shape(slots)[0], ops.shape(source_ids)[1]
        rows = ops.arange(k, dtype="int32")
        never = ops.convert_to_tensor(float("-inf"), score_dtype)

        def history(dtype, *shape):
            return ops.zeros((k, capacity, *shape), dtype)

        def histories():  # per step of each hypothesis: what a step table shows of it
            return {
                "tokens": history("int32"),
                "chosen": history("float32"),
                "top_ids": history("int32", TOP_K),
                "top_log_probs": history("float32", TOP_K),
                "attention": history("float32", source_length),
            }

        alive = {
            **histories(),
            # one hypothesis to start from: the start symbol
            "score": ops.where(rows == 0, ops.convert_to_tensor(0.0, score_dtype), never),
            "count": ops.convert_to_tensor(1, "int32"),
            "last": ops.full((k,), start_id, dtype="int32"),
        }
        ended = {  # the k best ended hypotheses so far, best first (earlier ones first among equals)
            **histories(),
            "score": ops.full((k,), never, score_dtype),
            "normalised": ops.full((k,), never, score_dtype),
            "length": ops.zeros((k,), "int32"),
            "count": ops.convert_to_tensor(0, "int32"),
        }

        def extend(alive, t, parents, tokens, log_probs, shown_ids, shown, alpha):
            """The live histories of ``parents`` with step t's token, its log-probability, the step's most likely
            tokens and attention."""
            at_t = ops.equal(ops.arange(capacity, dtype="int32"), t)
            vocabulary = ops.shape(log_probs)[1]
            chosen = gather(ops.reshape(log_probs, [-1]), parents * vocabulary + tokens)  # (k,)
            values = {
                "tokens": tokens,
                "chosen": chosen,
                "top_ids": gather(shown_ids, parents),
                "top_log_probs": gather(shown, parents),
                "attention": gather(alpha, parents),
            }
            found = {}
            for name, value in values.items():  # value (k, ...) at step t of each parent's history
                where = ops.reshape(at_t, [1, -1] + [1] * (len(value.shape) - 1))
                found[name] = ops.where(where, ops.expand_dims(value, 1), gather(alive[name], parents))
            return found

        def body(t, alive, ended, states, done):
            logits, new_states, alpha = model.decode_step(alive["last"], states, memory)
            alpha = ops.cast(alpha, "float32")
            log_probs = ops.log_softmax(forbid(ops.cast(logits, "float32")), axis=-1)  # (k, V)
            shown, shown_ids = ops.top_k(log_probs, k=TOP_K)  # what the step table shows
            best, best_ids = ops.top_k(log_probs, k=width)  # ties to the lower id
            continued = ops.expand_dims(alive["score"], 1) + ops.cast(best, score_dtype)
            scores = ops.reshape(ops.where(ops.expand_dims(rows < alive["count"], 1), continued, never), [-1])
            # every continuation, in _search's order (hypothesis, then rank), sorted by score, ties kept in order
            order = ops.top_k(scores, k=k * width)[1]  # ties to the lower index: a stable sort
            score = gather(scores, order)
            token = gather(ops.reshape(best_ids, [-1]), order)
            parent = gather(ops.repeat(rows, width), order)
            valid = ops.isfinite(score)
            ends = ops.equal(token, end_id)
            going = ops.logical_and(valid, ops.logical_not(ends))
            before = ops.cumsum(ops.cast(going, "int32")) - ops.cast(going, "int32")  # live ones ahead of each
            keep = ops.logical_and(going, before < k)  # walking the sorted list, stop at the k-th live one
            finish = ops.logical_and(ops.logical_and(valid, ends), before < k)  # ended ones met on that walk
            # the kept live continuations, in order, into slots 0..count-1 (the rest of the slots: nothing)
            count = ops.sum(ops.cast(keep, "int32"))
            everyone = ops.arange(k * width, dtype="int32")
            position = ops.top_k(ops.where(keep, k * width - everyone, 0), k=k)[1]
            kept = rows < count
            new_parent = ops.where(kept, gather(parent, position), 0)
            new_token = ops.where(kept, gather(token, position), start_id)
            new_score = ops.where(kept, gather(score, position), never)
            # the ended ones join the k best ended, ranked by score / length ** length_penalty
            steps = ops.cast(t + 1, score_dtype)
            normalised = ops.where(finish, score / ops.power(steps, ops.cast(length_penalty, score_dtype)), never)
            ranked = ops.top_k(ops.concatenate([ended["normalised"], normalised], 0), k=k)[1]
            from_ended = ranked < k
            candidate = ops.maximum(ranked - k, 0)
            step = (log_probs, shown_ids, shown, alpha)
            finished = extend(alive, t, gather(parent, candidate), gather(token, candidate), *step)
            previous = ops.minimum(ranked, k - 1)

            def pick(old, new):
                where = ops.reshape(from_ended, [k] + [1] * (len(new.shape) - 1))
                return ops.where(where, gather(old, previous), new)

            ended = {
                **{name: pick(ended[name], value) for name, value in finished.items()},
                "score": pick(ended["score"], gather(score, candidate)),
                "normalised": pick(ended["normalised"], gather(normalised, candidate)),
                "length": pick(ended["length"], ops.full((k,), t + 1, dtype="int32")),
                "count": ended["count"] + ops.sum(ops.cast(finish, "int32")),
            }
            done = ops.logical_or(ended["count"] >= k, ops.equal(count, 0))
            alive = {
                **extend(alive, t, new_parent, new_token, *step),
                "score": new_score,
                "count": count,
                "last": new_token,
            }
            states = keras.tree.map_structure(lambda x: gather(x, new_parent), new_states)
            return t + 1, alive, ended, states, done

        def cond(t, alive, ended, states, done):
            return ops.logical_and(t < max_steps, ops.logical_not(done))

        start = (ops.convert_to_tensor(0, "int32"), alive, ended, states, ops.convert_to_tensor(False))
        steps, alive, ended, _, _ = ops.while_loop(cond, body, start)
        return steps, alive, ended

    return loop


class PortableBeamEngine:
    """``beam``, ``beam_search`` and ``beam_stepwise`` (part of ``PortableStepDecoder``)."""

    def _compiled_beam(self, source_ids, max_steps: int, k: int, length_penalty: float) -> BeamOutput:
        length = source_ids.shape[1]
        source = padded_rows_and_columns(source_ids, getattr(self.model, "max_source_positions", None))[:1]
        if k not in self._beam_loops:
            loop = beam_loop(self.model, k, self.start_id, self.end_id, self._forbid)
            self._beam_loops[k] = backend.compile_function(loop, self.model)
        slots = np.zeros(bucket(max_steps, 16), dtype=np.int8)  # its shape is the histories' step capacity
        steps, alive, ended = self._beam_loops[k](source, np.int32(max_steps), np.float32(length_penalty), slots)
        return beam_output(int(steps), alive, ended, k, length, length_penalty)

    # ---- beam search: the bookkeeping in Python around the compiled step ------------------------------
    def _make_beam_step(self, k: int):
        """One step of ``k`` hypotheses: the states reordered to their parents, the decoder step, and what the search
        and the step table read (the ``k + 1`` best continuations of each, its ``TOP_K`` most likely tokens)."""

        def step(tokens, parents, states, memory):
            states = keras.tree.map_structure(lambda x: take_rows(x, ops.convert_to_tensor(parents)), states)
            logits, states, alpha = self.model.decode_step(ops.convert_to_tensor(tokens), states, memory)
            log_probs = ops.log_softmax(self._forbid(ops.cast(logits, "float32")), axis=-1)  # (k, V)
            best, best_ids = ops.top_k(log_probs, k=k + 1)  # (k, k + 1): ties to the lower id, as argsort's
            shown, shown_ids = ops.top_k(log_probs, k=TOP_K)  # (k, TOP_K)
            return best, best_ids, shown, shown_ids, log_probs, states, ops.cast(alpha, "float32")

        return step

    def beam(self, source_ids: np.ndarray, max_steps: int, beam_width: int = 4, length_penalty: float = 1.0):
        """Beam search for one source ``(1, S)``: ``(token ids, each token's log-probability, attention)``."""
        result = self.beam_search(source_ids, max_steps, beam_width, length_penalty)
        return result.tokens, result.chosen_log_probs, result.attention

    def beam_stepwise(self, source_ids: np.ndarray, max_steps: int, beam_width: int = 4, length_penalty: float = 1.0):
        """Beam search: ``(token ids, per-step log-probabilities over the vocabulary, attention)``."""
        best = self._search(source_ids, max_steps, int(beam_width), length_penalty, whole_rows=True)[0]
        return np.array(best.tokens, dtype=np.int32), np.stack(best.log_probs), np.stack(best.attention)

    def beam_search(
        self,
        source_ids: np.ndarray,
        max_steps: int,
        beam_width: int = 4,
        length_penalty: float = 1.0,
        forced: dict[int, int] | None = None,
    ) -> BeamOutput:
        """Beam search for one source ``(1, S)``: the best hypothesis and the candidates it was chosen from.
        ``forced`` ``{step: token id}``: at those steps every hypothesis writes that token (what-if decoding)."""
        source_ids = np.asarray(source_ids, dtype=np.int32)
        if self.xla and not forced:
            return self._compiled_beam(source_ids, max_steps, int(beam_width), length_penalty)
        found = self._search(source_ids, max_steps, int(beam_width), length_penalty, forced=forced)
        best = found[0]
        shown = np.stack(best.shown)  # (L, 2, TOP_K): ids, then log-probabilities
        return BeamOutput(
            tokens=np.array(best.tokens, dtype=np.int32),
            chosen_log_probs=np.array(best.log_probs, dtype=np.float32),
            top_ids=shown[:, 0].astype(np.int32),
            top_log_probs=shown[:, 1].astype(np.float32),
            attention=np.stack(best.attention),
            hypotheses=[Hypothesis(np.array(h.tokens, dtype=np.int32), h.score, h.normalised, h.ended) for h in found],
        )

    def _search(
        self,
        source_ids,
        max_steps: int,
        k: int,
        length_penalty: float,
        whole_rows: bool = False,
        forced: dict[int, int] | None = None,
    ):
        """Keeps the ``k`` best partial hypotheses by summed log-probability; one that writes the end symbol is set
        aside, and the search stops once ``k`` have ended. Returns the candidates best first: the ``k`` best ended by
        ``score / length ** length_penalty`` (earlier ones first among equals), or the live ones if none ended.
        Each keeps, per step, its token's log-probability (``whole_rows``: the whole distribution), the step's most
        likely tokens and the attention. At a step of ``forced`` each hypothesis has one continuation: that token."""
        forced = forced or {}
        source_ids = np.asarray(source_ids, dtype=np.int32)
        length = source_ids.shape[1]
        source = padded_rows_and_columns(source_ids, getattr(self.model, "max_source_positions", None))[:1]
        if k not in self._beam_steps:
            self._beam_steps[k] = backend.compile_function(self._make_beam_step(k), self.model)
        step = self._beam_steps[k]
        memory, states = self._encode(source)
        memory = keras.tree.map_structure(lambda x: ops.repeat(x, k, axis=0), memory)
        states = keras.tree.map_structure(lambda x: ops.repeat(x, k, axis=0), states)
        alive = [_Hypothesis(0.0, [], [], [], [])]
        finished: list[_Hypothesis] = []
        parents = np.zeros(k, dtype=np.int32)
        steps = 0
        for steps in range(1, max_steps + 1):
            last = [h.tokens[-1] if h.tokens else self.start_id for h in alive]
            tokens = np.array(last + [last[0]] * (k - len(alive)), dtype=np.int32)
            best, best_ids, shown, shown_ids, log_probs, states, alpha = step(tokens, parents, states, memory)
            best, best_ids = ops.convert_to_numpy(best), ops.convert_to_numpy(best_ids)
            shown = np.stack([ops.convert_to_numpy(shown_ids), ops.convert_to_numpy(shown)], axis=1)  # (k, 2, K)
            alpha = ops.convert_to_numpy(alpha)[:, :length]
            whole = ops.convert_to_numpy(log_probs) if whole_rows or steps - 1 in forced else None
            rows = whole if whole_rows else best
            candidates = []  # (score, hypothesis, token, its log-probability, what the hypothesis keeps of the step)
            for index, hypothesis in enumerate(alive):
                if steps - 1 in forced:
                    token = forced[steps - 1]
                    kept = rows[index] if whole_rows else float(whole[index, token])
                    candidates.append((hypothesis.score + float(whole[index, token]), index, token, kept))
                    continue
                for rank in range(k + 1):
                    kept = rows[index] if whole_rows else float(best[index, rank])
                    score = hypothesis.score + float(best[index, rank])
                    candidates.append((score, index, int(best_ids[index, rank]), kept))
            candidates.sort(key=lambda c: -c[0])
            next_alive, chosen_parents = [], []
            for score, index, token, kept in candidates:
                parent = alive[index]
                extended = _Hypothesis(
                    score,
                    [*parent.tokens, token],
                    [*parent.log_probs, kept],
                    [*parent.attention, alpha[index]],
                    [*parent.shown, shown[index]],
                )
                if token == self.end_id:
                    extended.ended = True
                    extended.normalised = score / (steps**length_penalty)
                    finished.append(extended)
                elif len(next_alive) < k:
                    next_alive.append(extended)
                    chosen_parents.append(index)
                if len(next_alive) == k:
                    break
            if len(finished) >= k or not next_alive:
                break
            alive = next_alive
            parents = np.array(chosen_parents + [chosen_parents[0]] * (k - len(chosen_parents)), dtype=np.int32)
        if finished:
            return sorted(finished, key=lambda h: -h.normalised)[:k]
        for hypothesis in alive:
            hypothesis.normalised = hypothesis.score / max(steps, 1) ** length_penalty
        return sorted(alive, key=lambda h: -h.normalised)


@dataclass
class _Hypothesis:
    score: float
    tokens: list
    log_probs: list  # per step: the chosen token's log-probability (or the whole distribution)
    attention: list
    shown: list  # per step: the TOP_K most likely ids and their log-probabilities, (2, TOP_K)
    normalised: float = 0.0
    ended: bool = False
