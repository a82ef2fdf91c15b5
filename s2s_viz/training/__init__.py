"""One trainer for the CLI and the app: data -> batches -> model -> ``fit`` -> checkpoint and card.

- ``config``: the settings dataclasses (saved in each card) and the optimizer they describe;
- ``batches``: translation pairs and digit images as batches, reshuffled every epoch;
- ``progress``: events out (batch, epoch, done, stopped, error), stop requests and time budgets in;
- ``distribution``: ``tf.distribute`` strategies, ``TF_CONFIG`` and how the input is split over replicas;
- ``fit``: the one fit-and-save path under every trainer;
- ``translators`` and ``digits``: what differs between the model kinds (data, model, card).
"""

from .batches import ArrayBatches, BucketBatches, TranslationData, load_translation_data, make_batches
from .config import (
    ARCHITECTURES,
    DIGIT_ARCHITECTURES,
    DISTRIBUTION_STRATEGIES,
    MEMORY_LIMIT_BYTES,
    DigitTrainConfig,
    FitSettings,
    TranslatorTrainConfig,
    forcing_experiment_configs,
    make_optimizer,
    model_for_size,
)
from .digits import build_digit_model, train_digits
from .distribution import DistributionError, read_tf_config
from .fit import TrainingError, fit_and_save
from .progress import BackgroundTraining, TrainingProcess, TrainResult
from .translators import (
    build_translator_model,
    estimate_parameters,
    estimate_training_bytes,
    train_translator,
    validate_model_settings,
)

__all__ = [
    "ARCHITECTURES",
    "DIGIT_ARCHITECTURES",
    "DISTRIBUTION_STRATEGIES",
    "MEMORY_LIMIT_BYTES",
    "ArrayBatches",
    "BackgroundTraining",
    "TrainingProcess",
    "BucketBatches",
    "DigitTrainConfig",
    "DistributionError",
    "FitSettings",
    "TrainResult",
    "TrainingError",
    "TranslationData",
    "TranslatorTrainConfig",
    "build_digit_model",
    "build_translator_model",
    "estimate_parameters",
    "estimate_training_bytes",
    "fit_and_save",
    "forcing_experiment_configs",
    "load_translation_data",
    "make_batches",
    "make_optimizer",
    "model_for_size",
    "read_tf_config",
    "train_digits",
    "train_translator",
    "validate_model_settings",
]
