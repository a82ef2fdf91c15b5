"""Training data as batches: translation pairs as integer ids bucketed by length, digit images as arrays.

Training speed comes from how batches are made, not from a special loop: sentences are encoded as integer ids
(not dense one-hot arrays), grouped into buckets of similar target length and padded only to their batch's own
length (rounded up to a multiple of ``bucket_width`` so the compiled step sees few shapes). The keras-io recipe
pads every sentence to the longest one in the data set, so most of its steps are spent on padding. Where every new
shape is a compilation of its own (JAX), a few widths are chosen for the whole training (``fewer_widths``) and the
last, short batch is filled up to the batch size with rows that add nothing to the loss.

Every epoch has its own order, drawn from ``(seed, epoch)``: batches are reshuffled each epoch, and a training
resumed at epoch N sees the batches an uninterrupted one would have seen.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..data import pairs as pairs_module
from ..data import sources, toy
from ..data.vocab import CharVocab, WordVocab, next_step_targets
from .config import TranslatorTrainConfig
from .distribution import replica_shares


def compiles_every_shape() -> bool:
    """Whether the backend's training compiles a program for every batch shape it meets (JAX)."""
    import keras

    return keras.backend.backend() == "jax"


class GlobalBatches:
    """Global batches in a per-epoch order; ``dataset`` yields them whole, or each replica's share of them.

    Subclasses say which rows form each batch (``batch_indices``) and how rows become arrays (``make_batch``).
    """

    batch_size: int
    seed: int

    def __len__(self) -> int:
        raise NotImplementedError

    def batch_indices(self, epoch: int, shuffle: bool) -> list[np.ndarray]:
        raise NotImplementedError

    def make_batch(self, indices):
        raise NotImplementedError

    def epoch_rng(self, epoch: int) -> np.random.Generator:
        return np.random.default_rng((self.seed, epoch))

    def steps(self, replicas: int = 1) -> int:
        """Batches per epoch; with several replicas a last batch too small to give each replica a row is left out."""
        return sum(1 for indices in self.batch_indices(0, shuffle=False) if len(indices) >= replicas)

    def forever(self, shuffle: bool = True, start_epoch: int = 0, shares: tuple[int, int, int] | None = None):
        """Every batch of every epoch from ``start_epoch`` on; with ``shares=(first, count, replicas)`` each batch
        is replaced by the shares of replicas ``first .. first + count - 1``, in turn."""
        epoch = start_epoch
        while True:
            for indices in self.batch_indices(epoch, shuffle):
                if shares is None:
                    yield self.make_batch(indices)
                    continue
                first, count, replicas = shares
                if len(indices) < replicas:
                    continue
                batch = self.make_batch(indices)
                for share in replica_shares(len(indices), replicas)[first : first + count]:
                    yield _rows(batch, share)
            epoch += 1

    def signature(self):
        raise NotImplementedError

    def dataset(self, shuffle: bool = True, start_epoch: int = 0, shares: tuple[int, int, int] | None = None):
        """The batches as ``fit`` reads them: a ``tf.data`` pipeline on TensorFlow, the plain generator elsewhere."""
        import keras

        if keras.backend.backend() != "tensorflow":
            return self.forever(shuffle, start_epoch, shares)
        import tensorflow as tf

        return tf.data.Dataset.from_generator(
            lambda: self.forever(shuffle, start_epoch, shares), output_signature=self.signature()
        ).prefetch(2)


def _rows(batch, rows: slice):
    if isinstance(batch, tuple):
        return tuple(_rows(part, rows) for part in batch)
    return batch[rows]


class BucketBatches(GlobalBatches):
    """Batches of similar target length, each padded only to its own length (a multiple of ``bucket_width``).

    Yields ``((source_ids, decoder_input_ids), decoder_target_ids)``, all int32 with 0 as padding, where the
    decoder target is the decoder input shifted one step left.
    """

    def __init__(
        self, sources_ids, targets_ids, batch_size: int, bucket_width: int = 8, seed: int = 0, few_shapes_for: int = 0
    ):
        """``few_shapes_for``: the number of epochs of a training that compiles every new shape (0: any width)."""
        self.sources = sources_ids
        self.targets = targets_ids  # each with start and end symbols
        self.batch_size = batch_size
        self.bucket_width = bucket_width
        self.seed = seed
        self.target_lengths = np.array([len(t) for t in targets_ids])
        self.full_rows = bool(few_shapes_for)
        self.source_widths = self.target_widths = None  # the widths batches are padded to (None: any multiple)
        if few_shapes_for and len(self.sources):
            batches = self.batch_indices(0, shuffle=False)
            widest = [
                (self._round(max(len(self.sources[i]) for i in b)), self._round(max(len(self.targets[i]) for i in b)))
                for b in batches
            ]
            self.source_widths = fewer_widths([source for source, _ in widest], few_shapes_for)
            self.target_widths = fewer_widths([target for _, target in widest], few_shapes_for)

    def __len__(self) -> int:
        return math.ceil(len(self.sources) / self.batch_size)

    def _round(self, length: int) -> int:
        return max(self.bucket_width, -(-length // self.bucket_width) * self.bucket_width)

    def batch_indices(self, epoch: int, shuffle: bool) -> list[np.ndarray]:
        rng = self.epoch_rng(epoch)
        jitter = rng.random(len(self.sources)) if shuffle else np.zeros(len(self.sources))
        order = np.lexsort((jitter, self.target_lengths))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if shuffle:
            rng.shuffle(batches)
        return batches

    def _width(self, length: int, widths: list[int] | None) -> int:
        rounded = self._round(length)
        return rounded if widths is None else min((w for w in widths if w >= rounded), default=rounded)

    def make_batch(self, indices):
        source_width = self._width(max(len(self.sources[i]) for i in indices), self.source_widths)
        target_width = self._width(max(len(self.targets[i]) for i in indices), self.target_widths)
        real = len(indices)
        if self.full_rows and real < self.batch_size:  # copies of a real row, their targets empty: no loss
            indices = [*indices, *[indices[-1]] * (self.batch_size - real)]
        source = np.zeros((len(indices), source_width), dtype=np.int32)
        decoder_input = np.zeros((len(indices), target_width), dtype=np.int32)
        for row, i in enumerate(indices):
            source[row, : len(self.sources[i])] = self.sources[i]
            decoder_input[row, : len(self.targets[i])] = self.targets[i]
        targets = next_step_targets(decoder_input)
        targets[real:] = 0
        return (source, decoder_input), targets

    def signature(self):
        import tensorflow as tf

        ids = tf.TensorSpec((None, None), tf.int32)
        return (ids, ids), ids


def fewer_widths(widths: list[int], epochs: int) -> list[int]:
    """The widths to pad batches to where every new shape costs a compilation: of the batches' own ``widths``, the
    ones that least cost ``epochs`` epochs of padded positions plus, per width kept, a compilation (counted as 100
    batches at the median width: about what one costs on a CPU). A batch is padded to the narrowest kept width that
    holds it; the widest is always kept."""
    counts = sorted(Counter(widths).items())
    compilation = 100 * statistics.median(widths)
    best: dict[int, tuple[float, int]] = {}  # index of the widest width kept so far -> (cost, the one kept before)
    for i, (width, _) in enumerate(counts):
        for j in range(-1, i):
            held = sum(count for _, count in counts[j + 1 : i + 1])
            cost = (best[j][0] if j >= 0 else 0.0) + epochs * held * width + compilation
            if i not in best or cost < best[i][0]:
                best[i] = (cost, j)
    kept, i = [], len(counts) - 1
    while i >= 0:
        kept.append(counts[i][0])
        i = best[i][1]
    return sorted(kept)


class ArrayBatches(GlobalBatches):
    """Batches of rows of ``(x, y)`` arrays in a fresh random order each epoch; ``x`` scaled by ``scale``.

    Where every shape compiles (JAX), the last, short batch is filled up to the batch size with copies of a row and
    batches are ``(x, y, weights)``: 1 for each real row, 0 for a copy (the classifiers' loss and accuracy are means
    weighted by them, ``compile_classifier``)."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0, scale: float = 1.0, x_dtype="float32"
    ):
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.seed = seed
        self.scale = scale
        self.x_dtype = x_dtype  # "int32" for token ids (never scaled)
        self.full_rows = compiles_every_shape()

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def batch_indices(self, epoch: int, shuffle: bool) -> list[np.ndarray]:
        order = self.epoch_rng(epoch).permutation(len(self.x)) if shuffle else np.arange(len(self.x))
        return [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def make_batch(self, indices):
        real = len(indices)
        if self.full_rows:
            indices = np.concatenate([indices, np.repeat(indices[-1:], self.batch_size - real)])
        x = self.x[indices] if self.x_dtype == "int32" else self.x[indices] * self.scale
        batch = x.astype(self.x_dtype), self.y[indices].astype("int32")
        if not self.full_rows:
            return batch
        return (*batch, (np.arange(len(indices)) < real).astype("float32"))

    def signature(self):
        import tensorflow as tf

        return tf.TensorSpec((None, *self.x.shape[1:]), tf.as_dtype(self.x_dtype)), tf.TensorSpec((None,), tf.int32)


# ---- translation pairs ---------------------------------------------------------------------------------
@dataclass
class TranslationData:
    train: pairs_module.PairSet
    validation: pairs_module.PairSet
    description: dict


def load_translation_data(config: TranslatorTrainConfig) -> TranslationData:
    """Training and validation pairs as the config asks; never the protocol's reserved or test buckets."""
    lengths = {"max_source_length": config.max_source_length, "max_target_length": config.max_target_length}
    if config.data.startswith("toy:"):
        task = config.data.split(":", 1)[1]
        count = min(config.toy_count, config.limit or config.toy_count)
        train = toy.make_pairs(task, count, seed=config.seed)
        validation = toy.make_pairs(task, config.validation_pairs, seed=config.seed + 1)
        return TranslationData(
            train, validation, {"source": config.data, "generator_seed": config.seed, "train_pairs": count, **lengths}
        )
    path = sources.fra_path(None if config.data == "fra" else config.data)
    read = dict(direction=config.direction, first_lines=config.first_lines, **lengths)
    train = pairs_module.read_pairs(path, split="train", limit=config.limit, **read)
    validation = pairs_module.read_pairs(path, split="validation", limit=config.validation_pairs, **read)
    if not len(train):
        raise pairs_module.DataError(f"{path}: no training pairs within the length limits")
    description = {
        "source": str(path.name),
        "sha256": pairs_module.file_sha256(path),
        "split_rule": pairs_module.SPLIT_RULE,
        "direction": config.direction,
        "first_lines": config.first_lines,
        "train_pairs": len(train),
        "validation_pairs": len(validation),
        "malformed_lines": train.bad_line_count,
        **lengths,
    }
    return TranslationData(train, validation, description)


def make_batches(config: TranslatorTrainConfig, data: TranslationData):
    """Vocabularies built from the training pairs, and the training and validation pairs as id batches.

    Returns ``(source_vocab, target_vocab, train, validation)``; pairs whose source has no known token are left out.
    """
    if config.level == "word":
        source_vocab = WordVocab.build(data.train.sources, max_size=config.max_words)
        target_vocab = WordVocab.build(data.train.targets, with_start_end=True, max_size=config.max_words)
    else:
        source_vocab = CharVocab.build(data.train.sources)
        target_vocab = CharVocab.build(data.train.targets, with_start_end=True)

    few_shapes = config.epochs if compiles_every_shape() else 0

    def batches(pairs, seed):
        sources_ids = [source_vocab.encode(s) for s in pairs.sources]
        targets_ids = [target_vocab.encode(t, add_start_end=True) for t in pairs.targets]
        keep = [i for i, ids in enumerate(sources_ids) if ids]
        kept = [sources_ids[i] for i in keep], [targets_ids[i] for i in keep]
        return BucketBatches(*kept, config.batch_size, config.bucket_width, seed, few_shapes_for=few_shapes)

    return source_vocab, target_vocab, batches(data.train, config.seed), batches(data.validation, 0)
