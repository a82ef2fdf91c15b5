"""Training a translator: pairs -> vocabularies -> id batches -> RNN or Transformer -> fit -> checkpoint and card."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .. import backend
from .batches import load_translation_data, make_batches
from .config import MEMORY_LIMIT_BYTES, TranslatorTrainConfig, compute_precision, make_optimizer
from .fit import fit_and_save, new_card
from .progress import TrainResult


def build_translator_model(config: TranslatorTrainConfig, source_vocab_size: int, target_vocab_size: int):
    from ..models import RNNSeq2Seq

    model_config = {
        **model_settings(config),
        "source_vocab_size": source_vocab_size,
        "target_vocab_size": target_vocab_size,
    }
    if config.architecture == "transformer":
        from ..models.transformer import TransformerTranslator

        # start and end symbols, plus the padding of a length bucket
        model_config.setdefault(
            "max_length", max(config.max_source_length, config.max_target_length) + 2 + config.bucket_width
        )
        return TransformerTranslator(model_config)
    return RNNSeq2Seq(model_config)


def both_ways(model, source_vocab, target_vocab, batches, pairs, card) -> dict:
    """The validation pairs scored the two ways a fair comparison of feeding schemes needs, for any model:
    teacher-forced loss per character (gold previous characters fed) and free-running greedy decoding (its own
    fed back), as exact match and chrF against the references."""
    import keras

    from ..evaluation import corpus_scores
    from ..translator import Translator

    total = count = 0.0
    for indices in batches.batch_indices(0, shuffle=False):
        (source, decoder_input), target = batches.make_batch(indices)
        logits = model.forced_logits((source, decoder_input))
        mask = target != 0
        losses = keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True).numpy()
        total, count = total + float(losses[mask].sum()), count + int(mask.sum())
    translator = Translator(model, source_vocab, target_vocab, card, xla=False)
    written = translator.translate_batch(list(pairs.sources))
    scores = corpus_scores(written, [[reference] for reference in pairs.targets])
    return {
        "forced_val_loss": total / max(count, 1),
        "free_exact": 100.0 * sum(w == r for w, r in zip(written, pairs.targets)) / max(len(written), 1),
        "free_chrf": scores["chrf"],
    }


def model_settings(config: TranslatorTrainConfig) -> dict:
    """The model's settings from the training's: positional attention spans the longest source."""
    model = dict(config.model)
    if model.get("attention") == "positional":  # a Dense across the source's positions: all of them
        model.setdefault("attention_positions", config.max_source_length)
    return model


def validate_model_settings(config: TranslatorTrainConfig, source_vocab_size: int, target_vocab_size: int) -> None:
    """Check the model settings (names and ranges) before anything is built."""
    from ..models.rnn_seq2seq import RNNSeq2SeqConfig
    from ..models.transformer import TransformerConfig

    spec_class = TransformerConfig if config.architecture == "transformer" else RNNSeq2SeqConfig
    try:
        spec = spec_class(
            source_vocab_size=source_vocab_size, target_vocab_size=target_vocab_size, **model_settings(config)
        )
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
    first_layer = gates * latent * (width + latent) * (directions + 1)
    stacked = gates * latent * 2 * latent * (layers - 1) * (directions + 1)
    return first_layer + stacked + 2 * latent * target_vocab_size


def estimate_training_bytes(parameters: int, batch_size: int, max_length: int, width: int) -> int:
    """A rough upper bound: weights, gradients and two Adam slots, plus activations kept for backprop."""
    activations = batch_size * max_length * width * 4 * 12
    return parameters * 4 * 4 + activations


def train_translator(
    config: TranslatorTrainConfig,
    directory: str | Path | None = None,
    on_event: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    command: str | None = None,
    sample_sources: list[str] | None = None,
    callbacks: list | None = None,
) -> TrainResult:
    """Train a translation model and save it (after every epoch) as ``directory/NAME``.

    ``directory`` defaults to the user model folder. Each epoch event carries greedy translations of
    ``sample_sources`` (with their attention) when given. Returns the model, its card, the saved path and
    history.
    """
    import keras

    from ..models import masked_accuracy, masked_loss

    config.validate()
    keras.utils.set_random_seed(config.seed)
    data = load_translation_data(config)
    source_vocab, target_vocab, train, validation = make_batches(config, data)

    validate_model_settings(config, source_vocab.size, target_vocab.size)
    width = max(config.model.get("latent_dim", 0), config.model.get("d_model", 0), target_vocab.size)
    parameters = estimate_parameters(config, source_vocab.size, target_vocab.size)
    needed = estimate_training_bytes(parameters, config.batch_size, config.max_target_length + 2, width)
    if needed > MEMORY_LIMIT_BYTES:
        raise ValueError(
            f"this model would need about {needed / 2**30:.1f} GiB to train "
            f"(limit {MEMORY_LIMIT_BYTES / 2**30:.0f} GiB); "
            "use a smaller latent size, fewer layers or a smaller batch"
        )

    def build():
        with compute_precision(config.precision):
            model = build_translator_model(config, source_vocab.size, target_vocab.size)
        model.compile(
            optimizer=make_optimizer(config, len(train)),
            loss=masked_loss,
            metrics=[masked_accuracy],
            jit_compile=backend.training_jit_compile(config.xla),
        )
        return model

    card = new_card(
        config,
        "translator",
        command,
        source_vocab=source_vocab.to_json(),
        target_vocab=target_vocab.to_json(),
        direction=config.direction if not config.data.startswith("toy:") else config.data,
        data=data.description,
    )
    sampler = None

    def extras(live_model) -> dict:
        scored = both_ways(live_model, source_vocab, target_vocab, validation, data.validation, card)
        return {**samples(live_model), **(scored if config.score_both_ways else {})}

    def samples(live_model) -> dict:
        nonlocal sampler
        if not sample_sources:
            return {}
        from ..translation import InputError
        from ..translator import Translator

        # one translator for the whole training (its decoder reads the live weights); the plain graph loop,
        # since compiling XLA programs for three sample sentences would cost more than it saves
        sampler = sampler or Translator(live_model, source_vocab, target_vocab, card, xla=False)
        out = []
        for source in sample_sources:
            try:
                result = sampler.translate(source)
            except InputError as error:
                out.append({"source": source, "translation": f"({error})"})
                continue
            out.append(
                {
                    "source": source,
                    "translation": result.text,
                    "attention": result.attention,
                    "source_tokens": result.source_tokens,
                    "target_tokens": [step.token for step in result.steps],
                }
            )
        return {"samples": out}

    return fit_and_save(
        config,
        directory,
        build,
        card,
        train,
        validation,
        len(train.sources),
        on_event=on_event,
        stop=stop,
        epoch_extras=extras if config.score_both_ways else samples,
        callbacks=callbacks,
    )
