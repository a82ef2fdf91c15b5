"""s2s-viz: a laboratory for the sequence models of the encoder-decoder era.

    import s2s_viz
    translator = s2s_viz.load("lstm-char-en-fr")
    print(translator.translate("I am cold.").text)
    print([m.name for m in s2s_viz.list_models()])
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ._version import __version__  # noqa: E402
from .checkpoints import CheckpointError, ModelInfo, list_models  # noqa: E402


def load(name_or_path):
    """Load a model by name (shipped or user-trained) or by path: a ``Translator`` or a digit classifier."""
    from .checkpoints import load_keras, read_card, resolve
    from .data.vocab import vocab_from_json

    weights, card_path = resolve(name_or_path)
    if not card_path.is_file():
        raise CheckpointError(f"{card_path}: missing; a model needs its card beside its .keras file")
    card = read_card(card_path)
    model = load_keras(weights, card)
    if card["kind"] == "translator":
        from .translator import Translator

        try:
            source_vocab = vocab_from_json(card["source_vocab"])
            target_vocab = vocab_from_json(card["target_vocab"])
        except (KeyError, ValueError) as error:
            raise CheckpointError(f"{card_path}: bad vocabulary in the card ({error})") from error
        sizes = (getattr(model, "spec", None) and (model.spec.source_vocab_size, model.spec.target_vocab_size))
        if sizes and sizes != (source_vocab.size, target_vocab.size):
            raise CheckpointError(
                f"{card_path}: the card's vocabularies ({source_vocab.size}, {target_vocab.size}) do not match "
                f"the model's ({sizes[0]}, {sizes[1]})"
            )
        return Translator(model, source_vocab, target_vocab, card)
    if card["kind"] == "digits":
        from .classifier import DigitClassifier

        return DigitClassifier(model, card)
    raise CheckpointError(f"{card_path}: unknown model kind {card['kind']!r}")


__all__ = ["CheckpointError", "ModelInfo", "__version__", "list_models", "load"]
