"""Batched greedy decoding, token ids only (batch translation), on every backend: the rows that have ended are
dropped as the loop goes, and a long batch is encoded in parts as wide as their own sources.

One loop over the whole batch runs until its longest output ends, though most rows end far sooner (at batch 512 of
the test sentences: 19 characters on average, the longest 39 to 62). Here the loop runs ``SEGMENT`` steps at a
time; whenever at most half the rows are still writing, those rows (their states, the encoder's memory) are
gathered into a batch half the size or less, and the others are done with. The compiled pieces, a segment of
steps and the encoder, come from the backend's engine (``tf_batched`` on TensorFlow, ``portable`` elsewhere); this
file holds what they share, written with ``keras.ops``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .outputs import DecodeOutput, bucket, lengths_of

SEGMENT = 8  # steps between two looks at which rows are still writing
ENCODE_ROWS = 128  # rows encoded at once by a model that can join parts (``pad_memory``)


def encode_rows(model, encode, source_ids: np.ndarray, tensor):
    """``model.encode`` of a batch (``encode``: its compiled form; ``tensor``: numpy to the backend's input); for a
    model that can join parts (``pad_memory``), in parts of ``ENCODE_ROWS`` rows, each as wide as its longest source
    (a multiple of 8). ``translate_batch`` sends rows sorted by length: at batch 512 of the test sentences, half the
    positions of the whole batch's width are padding, and the encoder is half a Transformer's work there (A/B at
    batch 512 on a 2-core CPU: 1.2x the sentences per second for an attention LSTM; 1.3x for the Transformer with
    its cache fitted too)."""
    rows, width = source_ids.shape
    pad_memory = getattr(model, "pad_memory", None)
    if pad_memory is None or rows <= ENCODE_ROWS:
        return encode(tensor(source_ids))
    parts = []
    for start in range(0, rows, ENCODE_ROWS):
        part = source_ids[start : start + ENCODE_ROWS]
        used = min(bucket(max(int(np.count_nonzero(part, axis=1).max()), 1), 8), width)
        memory, states = encode(tensor(part[:, :used]))
        parts.append((pad_memory(memory, width), states))
    return keras.tree.map_structure(lambda *pieces: ops.concatenate(pieces, 0), *parts)


def run_tokens(engine, source_ids: np.ndarray, batch: int, max_steps: int, encode, segment, tensor, gather, shrink):
    """Greedy token ids of the first ``batch`` rows of ``source_ids`` (the rest: padding rows of a fixed-shape
    compiler). ``segment(tokens, states, finished, memory, steps)`` runs up to ``steps`` steps and returns
    ``(steps run, tokens written (B, SEGMENT), tokens, states, finished)``; ``gather(x, rows)`` takes rows of a
    tensor (TensorFlow's own ``tf.gather``: ``keras.ops.take`` checks its indices first, 5% of a Transformer's batch
    there); ``shrink``: the rows still writing are gathered into a batch of a power-of-two size (a fixed-shape
    compiler's programs, one per size)."""
    model = engine.model
    rows = len(source_ids)
    fit_cache = getattr(model, "fit_cache", None)
    memory, states = encode_rows(model, encode, source_ids, tensor)
    owner = np.concatenate([np.arange(batch), np.full(rows - batch, -1)])  # the sentence each row holds
    tokens = tensor(np.full(rows, engine.start_id, dtype=np.int32))
    finished = tensor(owner < 0)  # padding rows write nothing
    out = np.zeros((batch, max_steps), dtype=np.int32)
    done, cache = 0, None
    while done < max_steps:
        if fit_cache is not None:  # a cache as long as this segment's last step needs, in a few lengths
            needed = min(bucket(done + SEGMENT, 16), model.spec.max_length)
            if needed != cache:
                states, cache = fit_cache(states, needed), needed
        steps, written, tokens, states, finished = segment(
            tokens, states, finished, memory, tensor(np.int32(min(SEGMENT, max_steps - done)))
        )
        steps, written, ended = int(steps), ops.convert_to_numpy(written), ops.convert_to_numpy(finished)
        mine = owner >= 0
        out[owner[mine], done : done + steps] = written[mine, :steps]
        done += steps
        alive = np.flatnonzero(mine & ~ended)
        if alive.size == 0:
            break
        if shrink and alive.size <= rows // 2:  # a smaller batch: a program of its own, compiled once
            rows = 1 << (alive.size - 1).bit_length()
            pick = tensor(np.concatenate([alive, np.repeat(alive[:1], rows - alive.size)]).astype(np.int32))
            memory, states, tokens = keras.tree.map_structure(
                lambda x, pick=pick: gather(x, pick), (memory, states, tokens)
            )
            owner = np.concatenate([owner[alive], np.full(rows - alive.size, -1)])
            finished = tensor(owner < 0)
    return DecodeOutput(out, None, None, None, None, None, lengths_of(out, engine.end_id, done))
