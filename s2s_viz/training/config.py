"""Training settings: dataclasses that validate themselves and go into a checkpoint's card as they are."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, fields

from .. import checkpoints
from ..models import require

ARCHITECTURES = ("rnn_seq2seq", "transformer")
DIGIT_ARCHITECTURES = ("birnn", "vit")
PRECISIONS = ("float32", "bfloat16")
# How training is spread over devices (tf.distribute); not to be confused with decoding strategies.
DISTRIBUTION_STRATEGIES = ("none", "mirrored", "multiworker")
MEMORY_LIMIT_BYTES = 6 * 2**30


@dataclass
class FitSettings:
    """How ``fit`` runs, for every model kind: epochs, batches, optimizer and schedule, seed, time budget.

    ``batch_size`` is the global batch: with a distribution strategy each of the R replicas takes
    ``batch_size / R`` of every batch, so the model sees the same batches however many replicas share them.
    """

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    clipnorm: float | None = 1.0
    warmup_steps: int = 0
    cosine_decay: bool = False
    seed: int = 0
    time_budget_s: float | None = None
    strategy: str = "none"  # "mirrored" (all local GPUs) or "multiworker" (TF_CONFIG): tf.distribute

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
            (
                self.strategy in DISTRIBUTION_STRATEGIES,
                f"strategy must be one of {', '.join(DISTRIBUTION_STRATEGIES)}, got {self.strategy!r}",
            ),
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
    max_words: int = 20000  # word level: the most frequent words of each language kept; any other is <unk>
    max_source_length: int = 30
    max_target_length: int = 60
    limit: int | None = None  # at most this many training pairs (for toy tasks too)
    first_lines: int | None = None  # read only the first N lines of the file (the keras-io recipe: 10,000)
    toy_count: int = 10000
    validation_pairs: int = 2000
    model: dict = field(default_factory=dict)
    bucket_width: int = 8
    # after every epoch, score the validation pairs both ways: teacher-forced loss and free-running exact / chrF
    score_both_ways: bool = False
    # compile each training step with XLA: 1.3x the samples/s of a plain (attention-free) LSTM here, after a first
    # epoch that compiles one program per batch shape; slower for attention models on a CPU (bench training)
    xla: bool = False
    # "bfloat16": compute in bfloat16 with float32 weights (Keras's mixed_bfloat16 policy), for CPUs with AVX512_BF16
    # or AMX: 1.4-1.6x the samples/s of an attention translator here (bench training --attention); the saved weights are
    # float32 and the app runs them in float32
    precision: str = "float32"

    def validate(self) -> None:
        self.validate_fit()
        checks = [
            (self.precision in PRECISIONS, f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}"),
            (self.architecture in ARCHITECTURES, f"architecture must be one of {', '.join(ARCHITECTURES)}"),
            (self.level in ("char", "word"), "level must be char or word"),
            (10 <= self.max_words <= 200_000, "max_words must be in 10..200000"),
            (1 <= self.max_source_length <= 500, "max_source_length must be in 1..500"),
            (1 <= self.max_target_length <= 500, "max_target_length must be in 1..500"),
            (1 <= self.bucket_width <= 64, "bucket_width must be in 1..64"),
            (self.limit is None or self.limit >= 1, "limit must be at least 1"),
            (1 <= self.toy_count <= 1_000_000, "toy_count must be in 1..1000000"),
        ]
        require(checks)
        checkpoints.check_name(self.name)


@dataclass
class DigitTrainConfig(FitSettings):
    """How to train an MNIST classifier (Bi-RNN or ViT); saved in its card as it is."""

    name: str = "my-digits"
    architecture: str = "birnn"
    model: dict = field(default_factory=dict)
    epochs: int = 5
    batch_size: int = 128
    limit: int | None = None  # at most this many training images

    def validate(self) -> None:
        self.validate_fit()
        checks = [
            (self.architecture in DIGIT_ARCHITECTURES, f"architecture must be one of {', '.join(DIGIT_ARCHITECTURES)}"),
            (self.limit is None or self.limit >= 1, "limit must be at least 1"),
        ]
        require(checks)
        self.model_config().validate()  # refused here, with the model's reason, not minutes later in the training
        checkpoints.check_name(self.name)

    def model_config(self):
        """The model's own settings object (``BiRNNConfig`` or ``ViTConfig``); unknown settings are refused."""
        from ..models.birnn import BiRNNConfig
        from ..models.vit import ViTConfig

        kind = {"birnn": BiRNNConfig, "vit": ViTConfig}[self.architecture]
        try:
            return kind(**self.model)
        except TypeError as error:
            raise ValueError(f"unknown {self.architecture} setting: {error}") from None


def make_optimizer(config: FitSettings, steps_per_epoch: int = 1):
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


def compile_classifier(model, config: FitSettings, steps_per_epoch: int):
    """``model`` compiled to classify from logits (integer labels): the config's optimizer and schedule, accuracy.
    Given rows' weights (``ArrayBatches`` on JAX: 0 for the copies that fill a last batch), loss and accuracy are
    the means over the weighted rows; without, over every row."""
    import keras

    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="mean_with_sample_weight"),
        weighted_metrics=["accuracy"],
    )
    return model


def model_for_size(architecture: str, size: int, layers: int = 1, **settings) -> dict:
    """Model settings from one width: what the Train tab's single "size" means for each architecture.

    Recurrent translators: ``latent_dim = size``; Transformer and ViT: ``d_model`` = ``size`` rounded down to a
    multiple of their 4 heads (at least 8), ``d_ff = 2 * size``; the Bi-RNN: ``units = size``.
    """
    if architecture in ("transformer", "vit"):
        return {**settings, "d_model": max(8, size - size % 4), "num_heads": 4, "num_layers": layers, "d_ff": 2 * size}
    if architecture == "birnn":
        return {**settings, "units": size}
    return {**settings, "latent_dim": size, "num_layers": layers}


@dataclass(frozen=True)
class ForcingRun:
    label: str
    teacher_forcing_ratio: float
    optional: bool = False  # scheduled sampling runs only when asked


FORCING_RUNS = (
    ForcingRun("teacher forcing (ratio 1)", 1.0),
    ForcingRun("reinjection (ratio 0)", 0.0),
    ForcingRun("scheduled sampling (ratio 0.5)", 0.5, optional=True),
)
FORCING_TASKS = ("toy:dates", "toy:reverse", "toy:copy")
EXPERIMENT_NAME_PREFIX = "experiment-"  # the experiment's models are kept out of the other tabs' model lists


FORCING_DEFAULT_EPOCHS = 8  # the default run: far enough apart beyond three seeds' spread (bench forcing), ~35 s


def forcing_experiment_configs(
    task: str, epochs: int, include_mix: bool = False, feedback: str = "soft", seed: int = 0
) -> list[tuple[str, TranslatorTrainConfig]]:
    """The teacher forcing vs reinjection experiment: one small model, same data and seed, fed two ways, every
    run scored the same two ways after each epoch (``score_both_ways``). ``feedback``: what reinjection feeds back
    (the probabilities, ``soft``, or the most likely character, ``argmax``); ``seed``: the weights' and the data's
    order (one seed for every run of an experiment)."""
    require(
        [
            (task in FORCING_TASKS, f"choose one of {', '.join(FORCING_TASKS)}"),
            (1 <= epochs <= 10, f"epochs must be in 1..10, got {epochs}"),
            (feedback in ("soft", "argmax"), f"feedback must be soft or argmax, got {feedback!r}"),
        ]
    )
    return [
        (
            run.label,
            TranslatorTrainConfig(
                name=f"{EXPERIMENT_NAME_PREFIX}ratio-{run.teacher_forcing_ratio:g}",
                data=task,
                toy_count=3000,
                validation_pairs=300,
                epochs=epochs,
                batch_size=64,
                learning_rate=0.005,
                max_source_length=20,
                max_target_length=12,
                seed=int(seed),
                model={"latent_dim": 64, "teacher_forcing_ratio": run.teacher_forcing_ratio, "feedback": feedback},
                score_both_ways=True,
            ),
        )
        for run in FORCING_RUNS
        if include_mix or not run.optional
    ]


@contextlib.contextmanager
def compute_precision(precision: str):
    """Layers built inside compute in ``precision`` ("bfloat16": Keras's mixed_bfloat16 policy, float32 weights)."""
    import keras

    if precision == "float32":
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
