"""What the Train tab can train, and how its form becomes a training config: the rules, written once.

A recipe is the form's choices (what, data, sizes, epochs, pairs); ``make_config`` turns them into a validated
``TranslatorTrainConfig`` or ``DigitTrainConfig``. ``TRY_THIS`` is the form's default: an additive-attention model
on the built-in dates task, the run the Train tab suggests first. The CLI, the GPU check and benchmarks use the
same rules, without the page.
"""

from __future__ import annotations

import os

from .. import checkpoints
from ..models.transformer import PAPER_BASE
from .config import DigitTrainConfig, TranslatorTrainConfig, model_for_size

WHAT = {
    "translator: LSTM seq2seq": ("translator", "rnn_seq2seq", {"cell": "lstm"}),
    "translator: GRU seq2seq": ("translator", "rnn_seq2seq", {"cell": "gru"}),
    "translator: additive attention (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {"cell": "lstm", "attention": "additive", "bidirectional": True},
    ),
    "translator: learned attention without the decoder's state, e_j = w·h_j + b (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {"cell": "lstm", "attention": "learned", "bidirectional": True},
    ),
    "translator: attention as a Dense across positions, SE-block style (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {"cell": "lstm", "attention": "positional", "bidirectional": True},
    ),
    "translator: word level, an Embedding layer and additive attention (bi-LSTM encoder)": (
        "translator",
        "rnn_seq2seq",
        {  # as the shipped attention-word-en-fr: 5,000 words a side, the output tied to the French embedding
            "cell": "lstm",
            "attention": "additive",
            "attention_order": "luong",
            "bidirectional": True,
            "embedding_dim": 64,
            "tie_embeddings": True,
            "level": "word",
            "max_words": 5000,
        },
    ),
    "translator: Transformer": ("translator", "transformer", {}),
    "translator: Transformer at the paper's base size (N=6, h=8, d_model=512, d_ff=2048)": (
        "translator",
        "transformer",
        {"paper_size": True},
    ),
    "digits: bidirectional LSTM": ("digits", "birnn", {"cell": "lstm"}),
    "digits: Vision Transformer": ("digits", "vit", {"patch_size": 7}),
}
WHAT_KEYS = [
    "lstm",
    "gru",
    "attention",
    "learned",
    "positional",
    "word",
    "transformer",
    "paper",
    "birnn",
    "vit",
]  # their words' keys, in WHAT's order
# "Attention is all you need", the base model (the form's size and layers are not used for it)
PAPER_TRANSFORMER = dict(PAPER_BASE)
OWN_DATA = "your file (uploaded below)"  # a visitor's own pairs: ``make_config(..., own_pairs=path)``
DATA = ["toy:dates", "toy:reverse", "toy:copy", "fra (Tatoeba English-French)", "mnist", OWN_DATA]
# The form's defaults: the Train tab's *try this*
TRY_THIS = {
    "what": "translator: additive attention (bi-LSTM encoder)",
    "data": "toy:dates",
    "name": "my-model",
    "epochs": 3,
    "batch_size": 64,
    "learning_rate": 0.01,
    "size": 64,
    "layers": 1,
    "teacher_forcing_ratio": 1.0,
    "pairs": 5000,
}


def max_training_seconds() -> float:
    """The longest a training started from the page may run (``S2S_VIZ_MAX_TRAIN_S``, 600 s by default)."""
    return float(os.environ.get("S2S_VIZ_MAX_TRAIN_S", "600"))


def make_config(
    what,
    data,
    name,
    epochs,
    batch_size,
    learning_rate,
    size,
    layers,
    teacher_forcing_ratio,
    pairs,
    backward_cell="same",
    merge_mode="concat",
    directions="both",
    patch_size="7",
    own_pairs: str | None = None,
    own_direction: str = "en-fr",
    activation: str = "relu",
):
    """``(kind, config)`` from the form's choices: the model's sizes derived, the settings validated (``own_pairs``:
    the path of a visitor's own file of pairs, for ``OWN_DATA``, read in ``own_direction``; ``activation``: a
    Transformer's feed-forward activation, relu or gelu). Raises ``ValueError``
    (``CheckpointError`` for a bad name) with a sentence that says what to change."""
    if what not in WHAT:
        raise ValueError(f"choose what to train: one of {', '.join(WHAT)}")
    if data not in DATA:
        raise ValueError(f"choose the data to train on: one of {', '.join(DATA)}")
    kind, architecture, model = WHAT[what]
    model = dict(model)
    level = model.pop("level", "char")
    words = {"max_words": model.pop("max_words")} if "max_words" in model else {}
    if any(info.name == name and info.origin == "shipped" for info in checkpoints.list_models()):
        raise ValueError(f"{name!r} is a shipped model; choose another name")
    if (kind == "digits") != (data == "mnist"):
        raise ValueError(
            "digit models train on mnist: choose mnist as the data"
            if kind == "digits"
            else "translators train on sentence pairs: choose a toy task, fra or your file"
        )
    fit = {
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "time_budget_s": max_training_seconds(),
    }
    if kind == "digits":
        model = {**model, **digit_options(architecture, backward_cell, merge_mode, directions, patch_size)}
        model = model_for_size(architecture, int(size), int(layers), **model)
        config = DigitTrainConfig(name=name, architecture=architecture, model=model, limit=int(pairs) * 3, **fit)
    else:
        if architecture == "transformer" and activation not in ("relu", "gelu"):
            raise ValueError(f"the feed-forward activation is relu or gelu, not {str(activation)[:20]!r}")
        extra = (
            {"dropout": 0.1, "activation": activation}
            if architecture == "transformer"
            else {"teacher_forcing_ratio": float(teacher_forcing_ratio)}
        )
        own = data == OWN_DATA
        if own and not own_pairs:
            raise ValueError("upload your file of sentence pairs first (below the Start button)")
        fra = data.startswith("fra") or own
        lengths = (
            {"max_source_length": 30, "max_target_length": 60}
            if fra
            else {"max_source_length": 20, "max_target_length": 12}
        )
        sized = (
            {**PAPER_TRANSFORMER, "activation": activation}
            if model.get("paper_size")
            else model_for_size(architecture, int(size), int(layers), **model, **extra)
        )
        config = TranslatorTrainConfig(
            name=name,
            architecture=architecture,
            data=str(own_pairs) if own else "fra" if fra else data,
            direction=own_direction if own else "en-fr",
            limit=int(pairs) if fra else None,
            toy_count=int(pairs),
            validation_pairs=500,
            level=level,
            **words,
            model=sized,
            **fit,
            **lengths,
        )
    config.validate()
    return kind, config


def digit_options(architecture: str, backward_cell, merge_mode, directions, patch_size) -> dict:
    """The Bi-RNN's backward layer, merge mode and directions, or the ViT's patch size (checked by the core) and
    the paper's layer-norm order."""
    if architecture == "birnn":
        options = {"merge_mode": merge_mode, "bidirectional": directions != "forward only"}
        return {**options, **({"backward_cell": backward_cell} if backward_cell not in (None, "same") else {})}
    return {"patch_size": int(patch_size), "norm_first": True}  # the ViT paper's pre-LN blocks


# What a translator under training is asked to translate after every epoch, per data set.
SAMPLE_SOURCES = {
    "toy:dates": ["27 November 2026", "March 3, 1999", "01/02/2003"],
    "toy:reverse": ["hello", "attention"],
    "toy:copy": ["hello", "attention"],
    "fra": ["I am cold.", "Go away!", "We won."],
}


def size_estimate(config, source_vocab: int = 110, target_vocab: int = 110) -> tuple[int, int] | None:
    """A translator's estimated weights and training memory in bytes, from its settings (nothing is built) and its
    vocabularies' sizes (by default about those of fra.txt's and the toy tasks' characters); ``None`` for a digit
    model."""
    from .translators import estimate_parameters, estimate_training_bytes

    if not isinstance(config, TranslatorTrainConfig):
        return None
    parameters = estimate_parameters(config, source_vocab, target_vocab)
    width = max(config.model.get("latent_dim", 0), config.model.get("d_model", 0), target_vocab)
    return parameters, estimate_training_bytes(parameters, config.batch_size, config.max_target_length + 2, width)
