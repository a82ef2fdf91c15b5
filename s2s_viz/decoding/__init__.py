"""Decoding, one explicit step at a time: greedy, beam search, temperature sampling and teacher-forced scoring.

Every translator model offers the same two methods, and nothing else is used here:

* ``model.encode(source_ids) -> (memory, states)`` reads the source once;
* ``model.decode_step(token_ids, states, memory) -> (logits, states, alpha)`` is **one step** of the decoder:
  the previous token ids ``(B,)`` and states in, the next token's logits ``(B, V)``, the new states and the
  step's attention ``(B, S)`` out.

``StepDecoder(model, start_id, end_id)`` gives the engines for the Keras backend in use: on TensorFlow (the
default) every search compiled by ``tf.function`` and XLA (``compiled_tf``); on JAX and PyTorch the same searches
written with ``keras.ops`` (``portable``), compiled by ``jax.jit`` on JAX. Both return the same arrays
(``outputs``).
"""

from __future__ import annotations

from .. import backend
from .outputs import FORCED, GREEDY, HISTORIES, SAMPLE, STEERED, TOKENS, TOP_K, BeamOutput, DecodeOutput, Hypothesis

__all__ = [
    "FORCED",
    "GREEDY",
    "HISTORIES",
    "SAMPLE",
    "STEERED",
    "TOKENS",
    "TOP_K",
    "BeamOutput",
    "DecodeOutput",
    "Hypothesis",
    "StepDecoder",
]


def StepDecoder(model, start_id: int, end_id: int, xla: bool | None = None):  # noqa: N802 (a class to its callers)
    """The decoding engines for ``model`` on the current Keras backend."""
    if backend.is_tensorflow():
        from .compiled_tf import StepDecoder as TensorFlowStepDecoder

        return TensorFlowStepDecoder(model, start_id, end_id, xla=xla)
    from .portable import PortableStepDecoder

    return PortableStepDecoder(model, start_id, end_id, xla=xla)
