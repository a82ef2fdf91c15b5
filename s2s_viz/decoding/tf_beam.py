"""Beam search on TensorFlow: ``portable_beam``'s two searches, compiled by ``tf.function`` (and XLA).

``beam_search`` keeps ``k`` hypotheses as a batch of ``k`` and runs, whole, in one compiled loop
(``portable_beam.beam_loop``, its scores summed in float64): each step scores the ``k + 1`` best continuations of
every live hypothesis, sorts them, keeps the ``k`` best that do not end and sets aside, ranked by length-normalised
score, those that end. ``beam_stepwise`` is the same search written as a Python loop around a compiled step: the
reference the compiled one is tested against.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .outputs import BeamOutput, beam_output, bucket
from .portable_beam import beam_loop
from .tf_loop import forbid


class BeamEngine:
    """``beam``, ``beam_search`` and ``beam_stepwise`` (part of ``StepDecoder``)."""

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
        slots = tf.zeros(bucket(max_steps, 16), tf.int8)  # its shape is the histories' step capacity
        if self.xla:
            source_ids = self._padded(source_ids)  # one source: one row
        if k not in self._beam_loops:
            forbidden = self._forbidden
            loop = beam_loop(
                self.model, k, self.start_id, self.end_id, lambda x: forbid(x, forbidden), tf.gather, "float64"
            )
            options = {"jit_compile": True} if self.xla else {}
            self._beam_loops[k] = tf.function(loop, reduce_retracing=True, autograph=False, **options)
        try:
            steps, alive, ended = self._beam_loops[k](
                tf.constant(source_ids),
                tf.constant(max_steps),
                tf.constant(float(length_penalty), tf.float64),
                slots,
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
