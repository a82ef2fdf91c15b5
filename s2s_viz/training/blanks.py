"""Training a fill-in-the-blank model (``models/blank.py``) on the English side of ``fra.txt``.

Every distinct English sentence of the protocol's training buckets (at most ``max_length`` characters) gives
``copies`` rows, each with one character, chosen at random, replaced by the blank; validation rows come from the
validation buckets the same way. Metrics: every character of every *test-short* English sentence hidden in turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import checkpoints
from ..models import require
from .batches import ArrayBatches
from .config import FitSettings, compile_classifier
from .fit import fit_and_save, new_card
from .progress import TrainResult


@dataclass
class BlankTrainConfig(FitSettings):
    """How to train a fill-in-the-blank model; saved in its card as it is."""

    name: str = "my-blanks"
    architecture: str = "blank"
    model: dict = field(default_factory=dict)  # units, bidirectional, embedding_dim, cell
    max_length: int = 30
    copies: int = 3  # rows (blank positions) per sentence
    limit: int | None = None  # at most this many training sentences
    validation_sentences: int = 2000
    test_sentences: int | None = None  # metrics on the first N test-short sentences (None: all of them)
    epochs: int = 3
    batch_size: int = 256

    def validate(self) -> None:
        self.validate_fit()
        require(
            [
                (self.architecture == "blank", "architecture must be blank"),
                (1 <= self.max_length <= 200, "max_length must be in 1..200"),
                (1 <= self.copies <= 20, "copies must be in 1..20"),
                (self.limit is None or self.limit >= 1, "limit must be at least 1"),
            ]
        )
        unknown = sorted(set(self.model) - {"units", "bidirectional", "embedding_dim", "cell"})
        require([(not unknown, f"unknown blank model settings: {', '.join(unknown)}")])
        checkpoints.check_name(self.name)


def english_sentences(split: str, max_length: int, limit: int | None = None) -> list[str]:
    """Distinct English sentences of one protocol split, in file order."""
    from ..data import pairs as pairs_module
    from ..data import sources

    pairs = pairs_module.read_pairs(sources.fra_path(), split=split, max_source_length=max_length)
    return list(dict.fromkeys(pairs.sources))[:limit]


def train_blanks(
    config: BlankTrainConfig,
    directory: str | Path | None = None,
    on_event: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    command: str | None = None,
) -> TrainResult:
    import keras

    from ..blanks import BLANK, blank_rows, blank_vocab
    from ..evaluation import evaluate_blanks
    from ..models.blank import BlankFiller

    config.validate()
    keras.utils.set_random_seed(config.seed)
    sentences = english_sentences("train", config.max_length, config.limit)
    held_out = english_sentences("validation", config.max_length, config.validation_sentences)
    vocab = blank_vocab(sentences)
    held_out = [s for s in held_out if all(vocab.id_of(c) is not None for c in s)]
    x, y = blank_rows(sentences, vocab, config.max_length, config.copies, config.seed)
    x_val, y_val = blank_rows(held_out, vocab, config.max_length, 1, config.seed + 1)
    train = ArrayBatches(x, y, config.batch_size, seed=config.seed, x_dtype="int32")
    validation = ArrayBatches(x_val, y_val, config.batch_size, seed=0, x_dtype="int32")
    settings = {**config.model, "vocab_size": vocab.size, "blank_id": vocab.id_of(BLANK)}

    def build():
        return compile_classifier(BlankFiller(settings), config, len(train))

    card = new_card(
        config,
        "blank",
        command,
        data={
            "source": "fra.txt, English side",
            "train_sentences": len(sentences),
            "train_rows": len(x),
            "validation_sentences": len(held_out),
            "split_rule": "distinct English sentences of the protocol's train / validation buckets, at most "
            f"{config.max_length} characters; one random character per row hidden; metrics on test-short",
        },
        vocab=vocab.to_json(),
    )
    return fit_and_save(
        config,
        directory,
        build,
        card,
        train,
        validation,
        len(x),
        on_event=on_event,
        stop=stop,
        finish=lambda model, card: evaluate_blanks(model, vocab, config.test_sentences),
    )
