"""Decoding with ``keras.ops`` only: the engines that serve JAX and PyTorch (any Keras backend).

The same searches as the TensorFlow engines (``compiled_tf`` and its ``tf_*`` files), on the same two methods of
the model (``encode`` and ``decode_step``):

* greedy, sampling and teacher-forced scoring are **one loop** over the step (``keras.ops.while_loop``), writing
  each step's numbers into arrays of a fixed number of steps (``capacity``); JAX compiles the whole loop into one
  XLA program (``jax.jit``), PyTorch runs it eagerly;
* token-only batch decoding runs segments of a few steps and drops the rows that ended between them (``batched``,
  shared with TensorFlow);
* beam search (``portable_beam``) is compiled whole on JAX; on PyTorch its bookkeeping is done in Python around
  one compiled step.

Sampling draws with the Gumbel-max trick from noise made by numpy from the seed, so the same seed gives the same
sample on every backend and device.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from .. import backend
from . import batched
from .batched import SEGMENT
from .outputs import (
    FORCED,
    GREEDY,
    SAMPLE,
    STEERED,
    TOKENS,
    TOP_K,
    DecodeOutput,
    bucket,
    lengths_of,
    padded_rows_and_columns,
)
from .portable_beam import PortableBeamEngine

_NEVER = -1e9


class PortableStepDecoder(PortableBeamEngine):
    """Decoding loops over one model's ``decode_step``, compiled by the current backend."""

    def __init__(self, model, start_id: int, end_id: int, xla: bool | None = None):
        self.model = model
        self.start_id = int(start_id)
        self.end_id = int(end_id)
        self.xla = backend.name() == "jax"  # JAX compiles with XLA; shapes are padded to a few sizes for it
        self._loops: dict = {}
        self._beam_steps: dict = {}  # one compiled beam step per width
        self._beam_loops: dict = {}  # one compiled beam search per width (JAX)
        self._segment = None  # run_tokens's compiled steps, built on first use
        self._encode = backend.compile_function(lambda ids: model.encode(ops.convert_to_tensor(ids)), model)

    def _forbid(self, logits):
        """Padding and the start symbol are never outputs."""
        ids = ops.arange(ops.shape(logits)[-1], dtype="int32")
        forbidden = ops.logical_or(ops.equal(ids, 0), ops.equal(ids, self.start_id))  # (V,)
        return ops.where(ops.expand_dims(forbidden, 0), _NEVER, logits)

    # ---- greedy, sampling, forced and token-only decoding: one loop -----------------------------------
    def _make_loop(self, mode: str):
        model, start_id, end_id = self.model, self.start_id, self.end_id

        def loop(source_ids, reference_ids, noise, max_steps, temperature):
            source_ids = ops.convert_to_tensor(source_ids)
            reference_ids = ops.convert_to_tensor(reference_ids)
            memory, states = model.encode(source_ids)
            batch, source_length = ops.shape(source_ids)
            capacity = ops.shape(reference_ids)[1]
            tokens = ops.full((batch,), start_id, dtype="int32")
            finished = ops.zeros((batch,), dtype="bool")
            if mode == TOKENS:  # no softmax, top-k or attention arrays: only what batch translation reads
                arrays = (ops.zeros((batch, capacity), "int32"),)
            else:
                arrays = (
                    ops.zeros((batch, capacity), "int32"),  # the chosen (or fed) token
                    ops.zeros((batch, capacity, TOP_K), "int32"),  # the most likely tokens
                    ops.zeros((batch, capacity, TOP_K), "float32"),  # their probabilities
                    ops.zeros((batch, capacity), "float32"),  # the chosen token's probability
                    ops.zeros((batch, capacity), "float32"),  # the reference token's probability
                    ops.zeros((batch, capacity, source_length), "float32"),  # alpha
                )

            def write(array, t, value):  # value (B, ...) at step t of every row
                start = [0, t] + [0] * (len(array.shape) - 2)
                return ops.slice_update(array, start, ops.expand_dims(ops.cast(value, array.dtype), 1))

            def body(t, tokens, states, finished, arrays):
                logits, states, alpha = model.decode_step(tokens, states, memory)  # (B, V), (B, S)
                logits = self._forbid(ops.cast(logits, "float32"))
                if mode == SAMPLE:  # Gumbel-max: the argmax of logits / T plus Gumbel noise is a sample
                    chosen = ops.argmax(logits / temperature + ops.take(noise, t, axis=1), axis=-1)
                elif mode == FORCED:
                    chosen = ops.take(reference_ids, t, axis=1)
                elif mode == STEERED:  # the given token where there is one, the most likely elsewhere
                    given = ops.take(reference_ids, t, axis=1)
                    chosen = ops.where(given > 0, given, ops.cast(ops.argmax(logits, axis=-1), given.dtype))
                else:
                    chosen = ops.argmax(logits, axis=-1)
                chosen = ops.where(finished, 0, ops.cast(chosen, "int32"))  # (B,)
                if mode == TOKENS:
                    arrays = (write(arrays[0], t, chosen),)
                else:
                    probs = ops.softmax(logits, axis=-1)  # (B, V)
                    top_probs, top_ids = ops.top_k(probs, k=TOP_K)  # (B, K) each

                    def probability_of(ids):  # (B,) -> (B,)
                        return ops.take_along_axis(probs, ops.expand_dims(ids, 1), axis=1)[:, 0]

                    values = (
                        chosen,
                        top_ids,
                        top_probs,
                        probability_of(chosen),
                        probability_of(ops.take(reference_ids, t, axis=1)),
                        alpha,
                    )
                    arrays = tuple(write(array, t, value) for array, value in zip(arrays, values))
                ended = ops.logical_or(ops.equal(chosen, end_id), ops.equal(chosen, 0))
                return t + 1, chosen, states, ops.logical_or(finished, ended), arrays

            def cond(t, tokens, states, finished, arrays):
                return ops.logical_and(t < max_steps, ops.logical_not(ops.all(finished)))

            start = (ops.convert_to_tensor(0, "int32"), tokens, states, finished, arrays)
            steps, _, _, _, arrays = ops.while_loop(cond, body, start)
            return steps, arrays

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
        """Decode a batch (the arguments of ``tf_loop.LoopEngine.run``)."""
        source_ids = np.asarray(source_ids, dtype=np.int32)
        batch, length = source_ids.shape
        capacity = bucket(max(capacity or 0, max_steps), 16)
        reference = np.zeros((batch, capacity), dtype=np.int32)
        if reference_ids is not None:
            width = min(max_steps, reference_ids.shape[1])
            reference[:, :width] = np.asarray(reference_ids)[:, :width]
        source = padded_rows_and_columns(source_ids, getattr(self.model, "max_source_positions", None))
        reference = np.concatenate([reference, np.repeat(reference[:1], len(source) - batch, 0)])
        if mode == SAMPLE:
            vocab = int(self.model.spec.target_vocab_size)
            uniform = np.random.default_rng(seed).random((len(source), capacity, vocab), dtype=np.float32)
            noise = -np.log(-np.log(np.clip(uniform, 1e-20, 1.0 - 1e-7)))
        else:
            noise = np.zeros((1, 1, 1), dtype=np.float32)
        if mode not in self._loops:
            self._loops[mode] = backend.compile_function(self._make_loop(mode), self.model)
        steps, arrays = self._loops[mode](
            source, reference, noise, np.int32(max_steps), np.float32(max(temperature, 1e-4))
        )
        steps = int(ops.convert_to_numpy(steps))
        arrays = [ops.convert_to_numpy(array)[:batch, :max_steps] for array in arrays]
        tokens, top_ids, top_probs, chosen_probs, reference_probs, attention = (*arrays, *[None] * (6 - len(arrays)))
        if attention is not None:
            attention = attention[:, :, :length]
        lengths = lengths_of(tokens, self.end_id, steps)
        return DecodeOutput(tokens, top_ids, top_probs, chosen_probs, reference_probs, attention, lengths)

    def run_tokens(self, source_ids: np.ndarray, max_steps: int) -> DecodeOutput:
        """Greedy decoding of a batch, token ids only (batch translation): the same tokens as ``run(..., TOKENS)``,
        the rows that ended dropped as the loop goes (``batched.run_tokens``)."""
        source_ids = np.asarray(source_ids, dtype=np.int32)
        source = padded_rows_and_columns(source_ids, getattr(self.model, "max_source_positions", None))
        if self._segment is None:
            self._segment = backend.compile_function(self._make_segment(), self.model)
        pieces = (self._encode, self._segment, lambda x: x, lambda x, rows: ops.take(x, rows, axis=0))
        return batched.run_tokens(self, source, len(source_ids), max_steps, *pieces, shrink=True)

    def _make_segment(self):
        """Up to ``SEGMENT`` greedy steps from given tokens, states and finished flags (token ids only)."""
        model, end_id = self.model, self.end_id

        def segment(tokens, states, finished, memory, steps):
            tokens, finished = ops.convert_to_tensor(tokens, "int32"), ops.convert_to_tensor(finished)
            written = ops.zeros((ops.shape(tokens)[0], SEGMENT), "int32")

            def body(t, tokens, states, finished, written):
                logits, states, _ = model.decode_step(tokens, states, memory)
                chosen = ops.cast(ops.argmax(self._forbid(ops.cast(logits, "float32")), axis=-1), "int32")
                chosen = ops.where(finished, 0, chosen)
                ended = ops.logical_or(ops.equal(chosen, end_id), ops.equal(chosen, 0))
                written = ops.slice_update(written, [0, t], ops.expand_dims(chosen, 1))
                return t + 1, chosen, states, ops.logical_or(finished, ended), written

            def cond(t, tokens, states, finished, written):
                return ops.logical_and(t < steps, ops.logical_not(ops.all(finished)))

            start = (ops.convert_to_tensor(0, "int32"), tokens, states, finished, written)
            t, tokens, states, finished, written = ops.while_loop(cond, body, start)
            return t, written, tokens, states, finished

        return segment
