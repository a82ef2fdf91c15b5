"""One trainer for the CLI and the app: data -> vocabularies -> model -> ``fit`` -> checkpoint and card.

Training speed comes from how batches are made, not from a special loop: sentences are encoded as integer
ids (not dense one-hot arrays), grouped into buckets of similar target length and padded only to their
batch's own length (rounded up to a multiple of ``bucket_width`` so the compiled step sees few shapes). The
keras-io recipe pads every sentence to the longest one in the data set, so most of its steps are spent on
padding.

Progress leaves through ``on_event(dict)``: ``{"type": "batch" | "epoch" | "done" | "stopped" | "error", ...}``.
A ``threading.Event`` passed as ``stop`` ends training at the next batch; the checkpoint of the last
completed epoch is kept either way, written atomically.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from . import checkpoints
from .data import pairs as pairs_module
from .data import sources, toy
from .data.vocab import CharVocab, WordVocab
from .validation import require

ARCHITECTURES = ("rnn_seq2seq", "transformer")
STRATEGIES = ("none", "mirrored", "multiworker")


def distribution_scope(name: str):
    """A ``tf.distribute`` strategy's scope: the model and optimizer made inside it train on every replica.

    ``mirrored``: ``MirroredStrategy`` over all local GPUs (or the logical CPUs configured). ``multiworker``:
    ``MultiWorkerMirroredStrategy``, which reads the cluster from the ``TF_CONFIG`` environment variable. Each
    global batch is split across replicas and their gradients are all-reduced.
    """
    import contextlib

    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy().scope()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy().scope()
    return contextlib.nullcontext()
MEMORY_LIMIT_BYTES = 6 * 2**30


@dataclass
class FitSettings:
    """How ``fit`` runs, for every model kind: epochs, batches, optimizer and schedule, seed, time budget."""

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    clipnorm: float | None = 1.0
    warmup_steps: int = 0
    cosine_decay: bool = False
    seed: int = 0
    time_budget_s: float | None = None

    @classmethod
    def from_dict(cls, values: dict):
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**values)

    def validate_fit(self) -> None:
        checks = [
            (1 <= self.epochs <= 1000, f"epochs must be in 1..1000, got {self.epochs}"),
            (1 <= self.batch_size <= 4096, f"batch_size must be in 1..4096, got {self.batch_size}"),
            (0 < self.learning_rate <= 1, f"learning_rate must be in (0, 1], got {self.learning_rate}"),
            (self.optimizer in ("adam", "rmsprop", "sgd"), "optimizer must be adam, rmsprop or sgd"),
        ]
        require(checks)


@dataclass
class TranslatorTrainConfig(FitSettings):
    """How to train a translation model; saved in its card as it is."""

    name: str = "my-translator"
    architecture: str = "rnn_seq2seq"
    data: str = "fra"  # "fra", "toy:copy", "toy:reverse", "toy:dates", or a path to a Tatoeba-format file
    direction: str = "en-fr"
    level: str = "char"
    max_source_length: int = 30
    max_target_length: int = 60
    limit: int | None = None  # at most this many training pairs
    first_lines: int | None = None  # read only the first N lines of the file (the keras-io recipe: 10,000)
    toy_count: int = 10000
    validation_pairs: int = 2000
    model: dict = field(default_factory=dict)
    bucket_width: int = 8
    strategy: str = "none"  # "mirrored" (all local GPUs) or "multiworker" (TF_CONFIG): tf.distribute

    def validate(self) -> None:
        self.validate_fit()
        checks = [
            (self.architecture in ARCHITECTURES, f"architecture must be one of {', '.join(ARCHITECTURES)}"),
            (self.level in ("char", "word"), "level must be char or word"),
            (1 <= self.max_source_length <= 500, "max_source_length must be in 1..500"),
            (1 <= self.max_target_length <= 500, "max_target_length must be in 1..500"),
            (1 <= self.bucket_width <= 64, "bucket_width must be in 1..64"),
            (self.limit is None or self.limit >= 1, "limit must be at least 1"),
            (1 <= self.toy_count <= 1_000_000, "toy_count must be in 1..1000000"),
            (self.strategy in STRATEGIES, f"strategy must be one of {', '.join(STRATEGIES)}"),
        ]
        require(checks)
        checkpoints.check_name(self.name)


# ---- data -----------------------------------------------------------------------------------------------
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
        train = toy.make_pairs(task, config.toy_count, seed=config.seed)
        validation = toy.make_pairs(task, config.validation_pairs, seed=config.seed + 1)
        return TranslationData(train, validation, {"source": config.data, "generator_seed": config.seed, **lengths})
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


class BucketBatches:
    """Batches of similar target length, each padded only to its own length (a multiple of ``bucket_width``).

    Yields ``((source_ids, decoder_input_ids), decoder_target_ids)``, all int32 with 0 as padding, where the
    decoder target is the decoder input shifted one step left.
    """

    def __init__(self, sources_ids, targets_ids, batch_size: int, bucket_width: int = 8, seed: int = 0):
        self.sources = sources_ids
        self.targets = targets_ids  # each with start and end symbols
        self.batch_size = batch_size
        self.bucket_width = bucket_width
        self.rng = np.random.default_rng(seed)
        self.target_lengths = np.array([len(t) for t in targets_ids])

    def __len__(self) -> int:
        return math.ceil(len(self.sources) / self.batch_size)

    def _round(self, length: int) -> int:
        return max(self.bucket_width, -(-length // self.bucket_width) * self.bucket_width)

    def batch_indices(self, shuffle: bool) -> list[np.ndarray]:
        jitter = self.rng.random(len(self.sources)) if shuffle else np.zeros(len(self.sources))
        order = np.lexsort((jitter, self.target_lengths))
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if shuffle:
            self.rng.shuffle(batches)
        return batches

    def make_batch(self, indices):
        source_width = self._round(max(len(self.sources[i]) for i in indices))
        target_width = self._round(max(len(self.targets[i]) for i in indices))
        source = np.zeros((len(indices), source_width), dtype=np.int32)
        decoder_input = np.zeros((len(indices), target_width), dtype=np.int32)
        for row, i in enumerate(indices):
            source[row, : len(self.sources[i])] = self.sources[i]
            decoder_input[row, : len(self.targets[i])] = self.targets[i]
        decoder_target = np.zeros_like(decoder_input)
        decoder_target[:, :-1] = decoder_input[:, 1:]
        return (source, decoder_input), decoder_target

    def forever(self, shuffle: bool = True):
        while True:
            for indices in self.batch_indices(shuffle):
                yield self.make_batch(indices)

    def dataset(self, shuffle: bool = True):
        import tensorflow as tf

        ids = tf.TensorSpec((None, None), tf.int32)
        return tf.data.Dataset.from_generator(
            lambda: self.forever(shuffle), output_signature=((ids, ids), ids)
        ).prefetch(2)


def make_batches(config: TranslatorTrainConfig, data: TranslationData):
    """Vocabularies built from the training pairs, and the training and validation pairs as id batches.

    Returns ``(source_vocab, target_vocab, train, validation)``; pairs whose source has no known token are left out.
    """
    vocab_class = WordVocab if config.level == "word" else CharVocab
    source_vocab = vocab_class.build(data.train.sources)
    target_vocab = vocab_class.build(data.train.targets, with_start_end=True)

    def batches(pairs, seed):
        sources_ids = [source_vocab.encode(s) for s in pairs.sources]
        targets_ids = [target_vocab.encode(t, add_start_end=True) for t in pairs.targets]
        keep = [i for i, ids in enumerate(sources_ids) if ids]
        return BucketBatches([sources_ids[i] for i in keep], [targets_ids[i] for i in keep], config.batch_size, config.bucket_width, seed)

    return source_vocab, target_vocab, batches(data.train, config.seed), batches(data.validation, 0)


# ---- model ----------------------------------------------------------------------------------------------
def build_translator_model(config: TranslatorTrainConfig, source_vocab_size: int, target_vocab_size: int):
    from .models import RNNSeq2Seq

    model_config = {**config.model, "source_vocab_size": source_vocab_size, "target_vocab_size": target_vocab_size}
    if config.architecture == "transformer":
        from .models.transformer import TransformerTranslator

        # start and end symbols, plus the padding of a length bucket
        model_config.setdefault("max_length", max(config.max_source_length, config.max_target_length) + 2 + config.bucket_width)
        return TransformerTranslator(model_config)
    return RNNSeq2Seq(model_config)


def validate_model_settings(config: TranslatorTrainConfig, source_vocab_size: int, target_vocab_size: int) -> None:
    """Check the model settings (names and ranges) before anything is built."""
    from .models.rnn_seq2seq import RNNSeq2SeqConfig
    from .models.transformer import TransformerConfig

    spec_class = TransformerConfig if config.architecture == "transformer" else RNNSeq2SeqConfig
    try:
        spec = spec_class(source_vocab_size=source_vocab_size, target_vocab_size=target_vocab_size, **config.model)
    except TypeError as error:
        raise ValueError(f"unknown model setting for {config.architecture}: {error}") from error
    spec.validate()


def estimate_parameters(config: TranslatorTrainConfig, source_vocab_size: int, target_vocab_size: int) -> int:
    """Roughly how many weights the model will have, computed from the settings before anything is built."""
    model = config.model
    if config.architecture == "transformer":
        d, d_ff, layers = model.get("d_model", 128), model.get("d_ff", 512), model.get("num_layers", 2)
        per_block = 4 * d * d + 2 * d * d_ff
        return (source_vocab_size + 2 * target_vocab_size) * d + layers * (per_block + (per_block + 4 * d * d))
    latent, layers = model.get("latent_dim", 256), model.get("num_layers", 1)
    gates = 4 if model.get("cell", "lstm") == "lstm" else 3
    width = model.get("embedding_dim") or max(source_vocab_size, target_vocab_size)
    directions = 2 if model.get("bidirectional") else 1
    recurrent = gates * latent * (width + latent) * (directions + 1) + gates * latent * 2 * latent * (layers - 1) * (directions + 1)
    return recurrent + 2 * latent * target_vocab_size


def estimate_training_bytes(parameters: int, batch_size: int, max_length: int, width: int) -> int:
    """A rough upper bound: weights, gradients and two Adam slots, plus activations kept for backprop."""
    activations = batch_size * max_length * width * 4 * 12
    return parameters * 4 * 4 + activations


def make_optimizer(config, steps_per_epoch: int = 1):
    """The optimizer, with an optional linear warm-up and cosine decay over all planned epochs."""
    import keras

    kinds = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD}
    rate = config.learning_rate
    if config.warmup_steps or config.cosine_decay:
        total = max(config.epochs * steps_per_epoch, config.warmup_steps + 1)
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate if not config.warmup_steps else 0.0,
            decay_steps=total - config.warmup_steps if config.cosine_decay else 10**9,
            alpha=0.05,
            warmup_target=config.learning_rate if config.warmup_steps else None,
            warmup_steps=config.warmup_steps,
        )
    return kinds[config.optimizer](learning_rate=rate, clipnorm=config.clipnorm)


# ---- events and checkpoints ------------------------------------------------------------------------------
def _make_progress_callback(on_event, stop, time_budget_s, steps_per_epoch, save_epoch, epoch_extras=None):
    import keras

    class Progress(keras.callbacks.Callback):
        """Reports batches and epochs, honours the stop event and the time budget, saves each epoch."""

        def __init__(self):
            super().__init__()
            self.started = time.monotonic()
            self.last_report = 0.0
            self.epoch = 0
            self.batches_done = 0
            self.stopped_by = None
            self.history: dict[str, list[float]] = {}

        def _check_stop(self):
            if stop is not None and stop.is_set():
                self.stopped_by = "stop requested"
            elif time_budget_s is not None and time.monotonic() - self.started > time_budget_s:
                self.stopped_by = f"time budget of {time_budget_s:.0f} s reached"
            if self.stopped_by:
                self.model.stop_training = True

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            self.batches_done = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches_done = batch + 1
            self._check_stop()
            now = time.monotonic()
            if on_event and (now - self.last_report >= 1.0 or batch + 1 == steps_per_epoch):
                self.last_report = now
                done = self.epoch * steps_per_epoch + batch + 1
                total = self.params.get("epochs", 1) * steps_per_epoch
                elapsed = now - self.started
                on_event(
                    {
                        "type": "batch",
                        "epoch": self.epoch + 1,
                        "batch": batch + 1,
                        "steps_per_epoch": steps_per_epoch,
                        "elapsed_s": elapsed,
                        "eta_s": elapsed / done * (total - done),
                        **{k: float(v) for k, v in (logs or {}).items()},
                    }
                )

        def on_epoch_end(self, epoch, logs=None):
            if not math.isfinite(float((logs or {}).get("loss", 0.0))):
                raise FloatingPointError(f"the loss became {logs.get('loss')} at epoch {epoch + 1}; lower the learning rate")
            if self.batches_done < steps_per_epoch:  # stopped mid-epoch: keep the last completed epoch's checkpoint
                return
            for key, value in (logs or {}).items():
                self.history.setdefault(key, []).append(float(value))
            path = save_epoch(epoch + 1, time.monotonic() - self.started, self.history)
            if on_event:
                on_event(
                    {
                        "type": "epoch",
                        "epoch": epoch + 1,
                        "elapsed_s": time.monotonic() - self.started,
                        "checkpoint": str(path),
                        **{k: float(v) for k, v in (logs or {}).items()},
                        **(epoch_extras(self.model) if epoch_extras else {}),
                    }
                )
            self._check_stop()

    return Progress()


@dataclass
class TrainResult:
    model: object
    card: dict
    path: Path | None
    history: dict
    stopped_by: str | None


def train_translator(
    config: TranslatorTrainConfig,
    directory: str | Path | None = None,
    on_event: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    command: str | None = None,
    sample_sources: list[str] | None = None,
) -> TrainResult:
    """Train a translation model and save it (after every epoch) as ``directory/NAME``.

    ``directory`` defaults to the user model folder. Each epoch event carries greedy translations of
    ``sample_sources`` (with their attention) when given. Returns the model, its card, the saved path and
    history.
    """
    import keras

    from .models import masked_accuracy, masked_loss

    config.validate()
    keras.utils.set_random_seed(config.seed)
    directory = Path(directory) if directory is not None else checkpoints.user_dir()
    data = load_translation_data(config)
    source_vocab, target_vocab, train, validation = make_batches(config, data)

    validate_model_settings(config, source_vocab.size, target_vocab.size)
    width = max(config.model.get("latent_dim", 0), config.model.get("d_model", 0), target_vocab.size)
    parameters = estimate_parameters(config, source_vocab.size, target_vocab.size)
    needed = estimate_training_bytes(parameters, config.batch_size, config.max_target_length + 2, width)
    if needed > MEMORY_LIMIT_BYTES:
        raise ValueError(
            f"this model would need about {needed / 2**30:.1f} GiB to train (limit {MEMORY_LIMIT_BYTES / 2**30:.0f} GiB); "
            "use a smaller latent size, fewer layers or a smaller batch"
        )
    with distribution_scope(config.strategy):
        model = build_translator_model(config, source_vocab.size, target_vocab.size)
        model.compile(optimizer=make_optimizer(config, len(train)), loss=masked_loss, metrics=[masked_accuracy])

    card = {
        "kind": "translator",
        "architecture": config.architecture,
        "model_config": asdict(model.spec),
        "source_vocab": source_vocab.to_json(),
        "target_vocab": target_vocab.to_json(),
        "direction": config.direction if not config.data.startswith("toy:") else config.data,
        "data": data.description,
        "training": {"config": asdict(config), "parameters": int(model.count_params())},
        "command": command,
        "metrics": {},
    }
    state = {"path": None}

    def save_epoch(epoch: int, elapsed: float, history: dict) -> Path:
        card["training"].update(
            epochs_completed=epoch,
            time_s=round(elapsed, 1),
            train_samples_per_s=round(epoch * len(train.sources) / max(elapsed, 1e-9), 1),
        )
        state["path"] = checkpoints.save(model, {**card, "training": {**card["training"], "history": history}}, directory, config.name)
        return state["path"]

    sampler = None

    def samples(live_model) -> dict:
        nonlocal sampler
        if not sample_sources:
            return {}
        from .translator import InputError, Translator

        # one translator for the whole training (its decoder reads the live weights); the plain graph loop,
        # since compiling XLA programs for three sample sentences would cost more than it saves
        sampler = sampler or Translator(live_model, source_vocab, target_vocab, card, xla=False)
        out = []
        for source in sample_sources:
            try:
                result = sampler.translate(source)
                out.append({"source": source, "translation": result.text, "attention": result.attention, "source_tokens": result.source_tokens, "target_tokens": [s.token for s in result.steps]})
            except InputError as error:
                out.append({"source": source, "translation": f"({error})"})
        return {"samples": out}

    progress = _make_progress_callback(on_event, stop, config.time_budget_s, len(train), save_epoch, samples)
    try:
        model.fit(
            train.dataset(shuffle=True),
            steps_per_epoch=len(train),
            validation_data=validation.dataset(shuffle=False) if len(validation.sources) else None,
            validation_steps=len(validation) if len(validation.sources) else None,
            epochs=config.epochs,
            callbacks=[progress],
            verbose=0,
        )
    except Exception as error:
        if on_event:
            on_event({"type": "error", "message": f"{error.__class__.__name__}: {error}", "checkpoint": str(state["path"])})
        raise
    history = progress.history
    card["training"]["history"] = history
    if on_event:
        on_event({"type": "stopped" if progress.stopped_by else "done", "reason": progress.stopped_by, "checkpoint": str(state["path"])})
    return TrainResult(model, {**card, "name": config.name}, state["path"], history, progress.stopped_by)


# ---- digits -----------------------------------------------------------------------------------------------
DIGIT_ARCHITECTURES = ("birnn", "vit")


@dataclass
class DigitTrainConfig(FitSettings):
    """How to train an MNIST classifier (Bi-RNN or ViT); saved in its card as it is."""

    name: str = "my-digits"
    architecture: str = "birnn"
    model: dict = field(default_factory=dict)
    epochs: int = 5
    batch_size: int = 128
    limit: int | None = None  # at most this many training images
    kind: str = "digits"

    def validate(self) -> None:
        self.validate_fit()
        checks = [
            (self.architecture in DIGIT_ARCHITECTURES, f"architecture must be one of {', '.join(DIGIT_ARCHITECTURES)}"),
            (self.limit is None or self.limit >= 1, "limit must be at least 1"),
        ]
        require(checks)
        checkpoints.check_name(self.name)


def build_digit_model(config: DigitTrainConfig):
    from .models import BiRNNClassifier, VisionTransformer

    return VisionTransformer(config.model) if config.architecture == "vit" else BiRNNClassifier(config.model)


def train_digits(
    config: DigitTrainConfig,
    directory: str | Path | None = None,
    on_event: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    command: str | None = None,
) -> TrainResult:
    """Train an MNIST classifier on ``x_train`` (5,000 held out for validation) and report ``x_test`` accuracy."""
    import keras

    from .data.digits import load_mnist, split_validation

    config.validate()
    keras.utils.set_random_seed(config.seed)
    directory = Path(directory) if directory is not None else checkpoints.user_dir()
    mnist = load_mnist()
    (x_train, y_train), (x_val, y_val) = split_validation(mnist["x_train"], mnist["y_train"], seed=config.seed)
    if config.limit:
        x_train, y_train = x_train[: config.limit], y_train[: config.limit]
    scale = lambda x: (x / 255.0).astype("float32")  # noqa: E731
    model = build_digit_model(config)
    model.compile(
        optimizer=make_optimizer(config, -(-len(x_train) // config.batch_size)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    card = {
        "kind": "digits",
        "architecture": config.architecture,
        "model_config": asdict(model.spec),
        "data": {"source": "mnist.npz", "train_images": len(x_train), "validation_images": len(x_val), "split_rule": "x_train minus 5,000 held out for validation (seeded permutation); metrics on x_test"},
        "training": {"config": asdict(config), "parameters": int(model.count_params())},
        "command": command,
        "metrics": {},
        "labels": [str(i) for i in range(10)],
    }
    state = {"path": None}

    def save_epoch(epoch: int, elapsed: float, history: dict) -> Path:
        card["training"].update(epochs_completed=epoch, time_s=round(elapsed, 1), train_samples_per_s=round(epoch * len(x_train) / max(elapsed, 1e-9), 1), history=history)
        state["path"] = checkpoints.save(model, card, directory, config.name)
        return state["path"]

    steps = -(-len(x_train) // config.batch_size)
    sample_images, sample_labels = mnist["x_test"][:8], mnist["y_test"][:8]

    def samples(live_model) -> dict:
        predicted = np.asarray(live_model(scale(sample_images), training=False)).argmax(axis=1)
        return {"samples": [{"label": int(label), "predicted": int(guess)} for label, guess in zip(sample_labels, predicted)]}

    progress = _make_progress_callback(on_event, stop, config.time_budget_s, steps, save_epoch, samples)
    try:
        model.fit(scale(x_train), y_train, batch_size=config.batch_size, epochs=config.epochs, validation_data=(scale(x_val), y_val), callbacks=[progress], verbose=0)
    except Exception as error:
        if on_event:
            on_event({"type": "error", "message": f"{error.__class__.__name__}: {error}", "checkpoint": str(state["path"])})
        raise
    if state["path"] is not None:
        from .evaluation import evaluate_digits

        card["metrics"] = evaluate_digits(model)
        state["path"] = checkpoints.save(model, card, directory, config.name)
    if on_event:
        on_event({"type": "stopped" if progress.stopped_by else "done", "reason": progress.stopped_by, "checkpoint": str(state["path"]), **card["metrics"]})
    return TrainResult(model, {**card, "name": config.name}, state["path"], progress.history, progress.stopped_by)


class BackgroundTraining:
    """Runs a trainer in a thread; its events arrive in ``events`` (a queue); ``stop`` ends it at a batch end.

    The UI reads the queue to stream curves; the CLI calls the trainers directly.
    """

    def __init__(self, trainer: Callable, *args, **kwargs):
        import queue

        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.result: TrainResult | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = trainer(*args, on_event=self.events.put, stop=self.stop, **kwargs)
            except BaseException as error:  # reported to the UI, never lost in a thread
                self.error = error
                self.events.put({"type": "error", "message": f"{error.__class__.__name__}: {error}"})
            finally:
                self.events.put({"type": "finished"})

        self.thread = threading.Thread(target=run, name="s2s-viz-training", daemon=True)
        self.thread.start()

    def iter_events(self):
        """Every event until the trainer's thread ends (the final ``{"type": "finished"}`` is not yielded)."""
        import queue

        while True:
            try:
                event = self.events.get(timeout=1.0)
            except queue.Empty:
                continue
            if event["type"] == "finished":
                return
            yield event


def device_description() -> str:
    """The device TensorFlow trains on: the GPU's name, or the CPU."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return f"CPU ({checkpoints.machine_description()})"
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"GPU: {details.get('device_name', gpus[0].name)}"
