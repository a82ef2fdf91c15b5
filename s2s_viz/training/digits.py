"""Training a digit classifier (bidirectional RNN or ViT) on MNIST.

It learns from ``x_train`` less 5,000 images held out for validation, and is scored on ``x_test``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .batches import ArrayBatches
from .config import DigitTrainConfig, compile_classifier
from .fit import fit_and_save, new_card
from .progress import TrainResult


def build_digit_model(config: DigitTrainConfig):
    from ..models import BiRNNClassifier, VisionTransformer

    return VisionTransformer(config.model) if config.architecture == "vit" else BiRNNClassifier(config.model)


def train_digits(
    config: DigitTrainConfig,
    directory: str | Path | None = None,
    on_event: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    command: str | None = None,
    callbacks: list | None = None,
) -> TrainResult:
    """Train an MNIST classifier on ``x_train`` (5,000 held out for validation) and report ``x_test`` accuracy."""
    import keras

    from ..data.digits import load_mnist, split_validation
    from ..evaluation import evaluate_digits

    config.validate()
    keras.utils.set_random_seed(config.seed)
    mnist = load_mnist()
    (x_train, y_train), (x_val, y_val) = split_validation(mnist["x_train"], mnist["y_train"], seed=config.seed)
    if config.limit:
        x_train, y_train = x_train[: config.limit], y_train[: config.limit]
    train = ArrayBatches(x_train, y_train, config.batch_size, seed=config.seed, scale=1 / 255)
    validation = ArrayBatches(x_val, y_val, config.batch_size, seed=0, scale=1 / 255)

    def build():
        return compile_classifier(build_digit_model(config), config, len(train))

    card = new_card(
        config,
        "digits",
        command,
        data={
            "source": "mnist.npz",
            "train_images": len(x_train),
            "validation_images": len(x_val),
            "split_rule": "x_train minus 5,000 held out for validation (seeded permutation); metrics on x_test",
        },
        labels=[str(i) for i in range(10)],
    )
    sample_images, sample_labels = mnist["x_test"][:8], mnist["y_test"][:8]

    def samples(live_model) -> dict:
        logits = live_model((sample_images / 255.0).astype("float32"), training=False)
        predicted = keras.ops.convert_to_numpy(logits).argmax(axis=1)
        return {
            "samples": [
                {"label": int(label), "predicted": int(guess)} for label, guess in zip(sample_labels, predicted)
            ]
        }

    return fit_and_save(
        config,
        directory,
        build,
        card,
        train,
        validation,
        len(x_train),
        on_event=on_event,
        stop=stop,
        epoch_extras=samples,
        finish=lambda model, _: evaluate_digits(model),
        callbacks=callbacks,
    )
