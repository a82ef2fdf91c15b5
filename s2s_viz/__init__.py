"""s2s-viz: a laboratory for the sequence models of the encoder-decoder era.

import s2s_viz
translator = s2s_viz.load("lstm-char-en-fr")
print(translator.translate("I am cold.").text)
print([m.name for m in s2s_viz.list_models()])
"""

from __future__ import annotations

import collections
import os
import threading

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

if os.environ["KERAS_BACKEND"] != "tensorflow":
    from .backend import leave_tensorflow_unloaded  # noqa: E402

    leave_tensorflow_unloaded()
if os.environ["KERAS_BACKEND"] == "jax":
    from .backend import use_jax_compilation_cache  # noqa: E402

    use_jax_compilation_cache()

from ._version import __version__  # noqa: E402
from .checkpoints import CheckpointError, ModelInfo, default_translator, list_models  # noqa: E402


def load(name_or_path):
    """Load a model by name (shipped or user-trained) or by path: a ``Translator``, a digit classifier or a
    fill-in-the-blank model."""
    from .checkpoints import load_keras, read_card, resolve
    from .data.vocab import vocab_from_json

    weights, card_path = resolve(name_or_path)
    if not card_path.is_file():
        raise CheckpointError(f"{card_path}: missing; a model needs its card beside its .keras file")
    card = read_card(card_path)
    model = load_keras(weights, card)
    _check_card_describes(model, card, card_path)
    if card["kind"] == "translator":
        from .translator import Translator

        try:
            source_vocab = vocab_from_json(card["source_vocab"])
            target_vocab = vocab_from_json(card["target_vocab"])
        except (KeyError, ValueError) as error:
            raise CheckpointError(f"{card_path}: bad vocabulary in the card ({error})") from error
        sizes = getattr(model, "spec", None) and (model.spec.source_vocab_size, model.spec.target_vocab_size)
        if sizes and sizes != (source_vocab.size, target_vocab.size):
            raise CheckpointError(
                f"{card_path}: the card's vocabularies ({source_vocab.size}, {target_vocab.size}) do not match "
                f"the model's ({sizes[0]}, {sizes[1]})"
            )
        return Translator(model, source_vocab, target_vocab, card)
    if card["kind"] == "digits":
        from .classifier import DigitClassifier

        return DigitClassifier(model, card)
    if card["kind"] == "blank":
        from .blanks import BlankFill

        try:
            vocab = vocab_from_json(card["vocab"])
        except (KeyError, ValueError) as error:
            raise CheckpointError(f"{card_path}: bad vocabulary in the card ({error})") from error
        return BlankFill(model, vocab, card)
    raise CheckpointError(f"{card_path}: unknown model kind {card['kind']!r}")


_loading = threading.Lock()
# the models kept loaded: the most recently used first out last; at most 16, and at most S2S_VIZ_LOADED_BYTES of
# checkpoint files (1 GiB; the weights in memory take about as much), so a class's own models cannot fill the memory
_LOADED: collections.OrderedDict = collections.OrderedDict()  # (path, stamp) -> (model, bytes)


def _load_cached(path: str, stamp: str):
    key = (path, stamp)
    if key in _LOADED:
        _LOADED.move_to_end(key)
        return _LOADED[key][0]
    model = load(path)
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    _LOADED[key] = (model, size)
    most = int(os.environ.get("S2S_VIZ_LOADED_BYTES", str(2**30)))
    while len(_LOADED) > 1 and (len(_LOADED) > 16 or sum(size for _, size in _LOADED.values()) > most):
        _LOADED.popitem(last=False)
    return model


def loaded(name: str, kind: str = "translator"):
    """The model ``name`` of ``kind``, loaded once and kept (16 at most; loaded again when its checkpoint changes):
    what every view and request reads. ``CheckpointError`` says why a name cannot be used (none, unknown, broken,
    another kind), naming the models there are."""
    if not name:
        raise CheckpointError("choose a model first")
    infos = {info.name: info for info in list_models()}
    info = infos.get(name)
    if info is None:
        raise CheckpointError(f"unknown model {str(name)[:80]!r}; available: {', '.join(sorted(infos)) or 'none'}")
    if info.broken:
        raise CheckpointError(f"model {name!r} cannot be loaded: {info.broken}")
    if info.kind != kind:
        raise CheckpointError(f"model {name!r} is a {info.kind} model, not a {kind} model")
    stamp = (info.card or {}).get("weights_sha256", "") or (info.card or {}).get("created", "")
    with _loading:
        return _load_cached(info.path, stamp)


def _check_card_describes(model, card: dict, card_path) -> None:
    """Refuse a card whose model settings are not the saved model's: the card would lie about it."""
    from dataclasses import asdict

    spec = getattr(model, "spec", None)
    described = card.get("model_config")
    if spec is None or not isinstance(described, dict):
        return
    actual = asdict(spec)
    wrong = sorted(key for key, value in described.items() if key in actual and actual[key] != value)
    unknown = sorted(set(described) - set(actual))
    if wrong or unknown:
        details = [f"{key}: card {described[key]!r}, weights {actual[key]!r}" for key in wrong]
        details += [f"{key}: not a setting of this model" for key in unknown]
        raise CheckpointError(
            f"{card_path}: the card does not describe its model ({'; '.join(details)}); retrain or re-save"
        )


def __getattr__(name: str):
    """``s2s_viz.figures``: the app's figures for a notebook, imported when first asked for (it brings plotly)."""
    if name == "figures":
        import importlib

        return importlib.import_module(f"{__name__}.figures")
    raise AttributeError(f"module 's2s_viz' has no attribute {name!r}")


__all__ = [
    "CheckpointError",
    "ModelInfo",
    "__version__",
    "default_translator",
    "figures",
    "list_models",
    "load",
    "loaded",
]
