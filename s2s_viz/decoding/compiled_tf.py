"""Decoding on TensorFlow: every engine compiled by ``tf.function`` (and XLA), the default backend's fastest path.

One file per engine, each over the model's one step (``decode_step``):

* ``tf_loop``: greedy search, sampling and teacher-forced scoring, one compiled loop (``run``);
* ``tf_batched``: batched greedy decoding that drops the rows that ended (``run_tokens``);
* ``tf_beam``: ``portable_beam``'s beam search, compiled whole (``beam_search``) and step by step (``beam_stepwise``).

A model that sets ``decode_with_xla`` (every translator here: a step is dozens of small ops) has each loop
compiled by XLA into one fused program, 2-5x faster on a CPU; where XLA cannot compile a model, the engines fall
back to plain ``tf.function`` once.
"""

from __future__ import annotations

import tensorflow as tf

from .tf_batched import BatchedEngine
from .tf_beam import BeamEngine
from .tf_loop import LoopEngine


class StepDecoder(LoopEngine, BatchedEngine, BeamEngine):
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
        self._stepwise = None  # beam_stepwise's engine, made on first use
