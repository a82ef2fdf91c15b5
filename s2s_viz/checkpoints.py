"""Checkpoints: a ``NAME.keras`` file plus a ``NAME.json`` card, and the registry of every model we can load.

The card holds what a person (and the loader) needs beside the weights: the model config, vocabularies,
translation direction, data file and its SHA-256, split rule, training history, metrics, time, machine and
package version, and the SHA-256 of the ``.keras`` file it belongs to, so a card that does not match its
weights is caught.

Writes are atomic: each file is written to a temporary name in the same folder and renamed over the old one,
so a process killed mid-save leaves the previous checkpoint loadable and no partial file is ever listed.

Loading is safe: only a plain name (letters, digits, ``.``, ``_``, ``-``; at most 64) or an existing path is
accepted, the model's config is checked before Keras sees it (no ``Lambda`` layer, no class that is neither
Keras's nor ours), and Keras loads it in safe mode: no code from a file ever runs.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import re
import tempfile
import time
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ._version import __version__
from .machine import machine_description

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # whole names only (fullmatch): no trailing newline
REQUIRED_CARD_FIELDS = ("name", "kind", "architecture")
KNOWN_CARD_FIELDS = {
    "name",
    "kind",
    "architecture",
    "model_config",
    "source_vocab",
    "target_vocab",
    "direction",
    "data",
    "training",
    "metrics",
    "package_version",
    "created",
    "weights_sha256",
    "machine",
    "command",
    "labels",
    "notes",
    "published_by",
}
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "checkpoints"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and what is wrong."""


def shipped_dir() -> Path:
    return Path(os.environ.get("S2S_VIZ_CHECKPOINTS", SHIPPED_DIR))


def user_dir() -> Path:
    return Path(os.environ.get("S2S_VIZ_USER_MODELS", Path.home() / ".cache" / "s2s-viz" / "models"))


# A visitor of the app (one browser, named by a random id): the models it trains live in a folder of its own and are
# listed for it alone, beside the shipped models and the user folder's. The CLI and the Python API have no visitor:
# they read and write the user folder itself.
VISITOR: contextvars.ContextVar[str | None] = contextvars.ContextVar("s2s_viz_visitor", default=None)
VISITOR_PATTERN = re.compile(r"[0-9a-f]{32}")


def own_dir() -> Path:
    """Where a model trained now is saved: the current visitor's folder, or the user folder without a visitor."""
    visitor = VISITOR.get()
    if visitor is None:
        return user_dir()
    if not VISITOR_PATTERN.fullmatch(visitor):
        raise CheckpointError("invalid visitor id")
    return user_dir() / "visitors" / visitor


def class_dir() -> Path:
    """The models visitors published to the whole class: listed for everyone, changed by their trainer alone."""
    return user_dir() / "class"


def _model_dirs() -> list[tuple[str, Path]]:
    """Where models are found, in the order a later one shadows an earlier one of the same name."""
    found = [("shipped", shipped_dir()), ("user", user_dir()), ("class", class_dir())]
    return found + [("yours", own_dir())] if VISITOR.get() else found


def _trainer_mark() -> str:
    """What a published card records of its trainer: a hash of the visitor's id (the id itself stays private)."""
    return hashlib.sha256(f"s2s-viz trainer {VISITOR.get()}".encode()).hexdigest()[:16]


def publish(name: str) -> Path:
    """Copy the current visitor's model ``name`` to the class's models (``class_dir``), marked as theirs."""
    import shutil

    check_name(name)
    if VISITOR.get() is None:
        raise CheckpointError("only a visitor of the app publishes to the class")
    weights, card_path = own_dir() / f"{name}.keras", own_dir() / f"{name}.json"
    if not weights.is_file() or not card_path.is_file():
        raise CheckpointError(f"you have no model named {name!r} to publish")
    published = class_dir() / f"{name}.json"
    if published.is_file() and read_card(published).get("published_by") != _trainer_mark():
        raise CheckpointError(f"the class already has a model named {name!r}: train yours under another name")
    if (shipped_dir() / f"{name}.keras").is_file():
        raise CheckpointError(f"{name!r} is a shipped model")
    class_dir().mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(class_dir() / f"{name}.keras", lambda path: shutil.copyfile(weights, path))
    card = {**read_card(card_path), "published_by": _trainer_mark()}
    _atomic_write_bytes(published, lambda path: path.write_text(json.dumps(card, indent=2, ensure_ascii=False)))
    return class_dir() / f"{name}.keras"


def copy_model(weights: str | Path, directory: str | Path, name: str) -> Path:
    """Copy the saved model ``weights`` (``.keras``, with its card beside it) into ``directory`` as ``name``: the card
    names it so; the weights, and so their hash, stay the same. The folder's quotas hold after it (as after a save)."""
    import shutil

    check_name(name)
    source, directory = Path(weights), Path(directory)
    card = read_card(source.with_suffix(".json"))
    card.pop("unknown_fields", None)
    card["name"] = name
    target = directory / f"{name}.keras"
    _atomic_write_bytes(target, lambda path: shutil.copyfile(source, path))
    text = json.dumps(card, indent=2, ensure_ascii=False)
    _atomic_write_bytes(target.with_suffix(".json"), lambda path: path.write_text(text, encoding="utf-8"))
    prune_user_models(keep=name, directory=directory)
    return target


def delete(name: str) -> list[str]:
    """Delete the current visitor's model ``name``, and its published copy if they published it; returns where from.
    Another visitor's model, a published one of another trainer and a shipped one are out of reach."""
    check_name(name)
    if VISITOR.get() is None:
        raise CheckpointError("only a visitor of the app deletes models here")
    removed = []
    for origin, folder in (("yours", own_dir()), ("class", class_dir())):
        card = folder / f"{name}.json"
        if not card.is_file() or (origin == "class" and read_card(card).get("published_by") != _trainer_mark()):
            continue
        (folder / f"{name}.keras").unlink(missing_ok=True)
        card.unlink(missing_ok=True)
        removed.append(origin)
    if not removed:
        raise CheckpointError(f"you have no model named {name!r}")
    return removed


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or ".." in name:
        shown = repr(name)[:80]
        raise CheckpointError(
            f"invalid model name {shown}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _atomic_write_bytes(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        with open(temporary, "rb") as synced:
            os.fsync(synced.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_TWINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # a training model -> its uncompiled twin


def _without_optimizer(model):
    """An uncompiled twin with the same weights: a checkpoint is for using a model, and Adam's two slots per
    weight would triple the file. The twin is built once per model (building one costs more than saving it) and
    given the model's current weights at every save."""
    if getattr(model, "optimizer", None) is None:
        return model
    twin = _TWINS.get(model)
    if twin is None:
        twin = _TWINS[model] = type(model).from_config(model.get_config())
    twin.set_weights(model.get_weights())
    return twin


def _deflate(path: Path) -> None:
    """Rewrite a ``.keras`` archive compressed: Keras stores it uncompressed, and float weights still deflate by
    7-20% (8% for the char translators), which is what lets every shipped model fit the checkpoint budget. Keras
    reads either the same way, as fast (0.15 s for an 8 MB translator here)."""
    packed = path.with_name(path.name + ".deflated")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for member in source.infolist():
            out.writestr(member.filename, source.read(member.filename))
    os.replace(packed, path)


def save(model, card: dict, directory: str | Path, name: str) -> Path:
    """Save ``model`` and its ``card`` as ``directory/NAME.keras`` and ``NAME.json``, atomically."""
    check_name(name)
    directory = Path(directory)
    weights_path = directory / f"{name}.keras"
    card = {**card, "name": name, "package_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    card.setdefault("machine", machine_description())

    def write_model(temporary: Path) -> None:
        keras_file = temporary.with_suffix(".keras")
        _without_optimizer(model).save(keras_file)
        _deflate(keras_file)
        os.replace(keras_file, temporary)
        card["weights_sha256"] = _sha256(temporary)

    _atomic_write_bytes(weights_path, write_model)
    _atomic_write_bytes(
        directory / f"{name}.json", lambda p: p.write_text(json.dumps(card, indent=2, ensure_ascii=False))
    )
    return weights_path


def update_card(card_path: str | Path, changes: dict) -> dict:
    """Rewrite a card with ``changes`` merged in (atomically); the weights, and so their hash, stay as they are."""
    card_path = Path(card_path)
    card = read_card(card_path)
    card.pop("unknown_fields", None)
    card.update(changes)
    _atomic_write_bytes(
        card_path, lambda p: p.write_text(json.dumps(card, indent=2, ensure_ascii=False, default=float))
    )
    return card


def _walk_classes(node, found: list) -> None:
    if isinstance(node, dict):
        if "class_name" in node:
            found.append((node.get("module"), node.get("class_name"), node.get("registered_name")))
        for value in node.values():
            _walk_classes(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_classes(value, found)


def keras_config(path: Path) -> dict:
    """The model configuration a ``.keras`` archive holds, read without loading anything."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError, EOFError) as error:
        raise CheckpointError(f"{path}: not a readable .keras file ({error.__class__.__name__}: {error})") from error
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: not a readable .keras file (its configuration is not an object)")
    return config


def _check_keras_file(path: Path) -> None:
    """Refuse a ``.keras`` file that is not a Keras archive or names a class that is neither Keras's nor ours."""
    config = keras_config(path)
    classes: list = []
    # compile_config is never read: models are loaded with compile=False.
    _walk_classes({key: value for key, value in config.items() if key != "compile_config"}, classes)
    for module, class_name, registered in classes:
        ours = isinstance(registered, str) and registered.startswith("s2s_viz>")
        keras_own = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
        if class_name == "Lambda" or class_name == "function" or not (ours or keras_own or module is None):
            raise CheckpointError(
                f"{path}: refused: it contains {class_name!r} from {module!r}, which is neither a Keras class nor "
                f"one of s2s-viz's; loading it could run code from the file"
            )


_CARDS: dict[str, tuple[tuple, dict]] = {}  # path -> (its file's identity, the parsed card); as many as cards on disk


def read_card(path: Path) -> dict:
    """The card at ``path`` (a copy: callers may change it). Parsed once per version of the file (the pickers and
    every request list the models; a save replaces the file, so its inode and time change)."""
    path = Path(path)
    try:
        stat = path.stat()
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        known = _CARDS.get(str(path))
        if known is not None and known[0] == identity:
            return dict(known[1])
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: unreadable card ({error})") from error
    if not isinstance(card, dict):
        raise CheckpointError(f"{path}: the card must be a JSON object")
    missing = [key for key in REQUIRED_CARD_FIELDS if key not in card]
    if missing:
        raise CheckpointError(f"{path}: the card lacks {', '.join(missing)}")
    card["unknown_fields"] = sorted(set(card) - KNOWN_CARD_FIELDS - {"unknown_fields"})
    if len(_CARDS) > 4096:  # folders emptied and refilled many times: start again rather than grow
        _CARDS.clear()
    _CARDS[str(path)] = (identity, card)
    return dict(card)


def resolve(name_or_path: str | Path) -> tuple[Path, Path]:
    """The ``.keras`` and ``.json`` paths of a model given by name (shipped or user-trained) or by path."""
    text = str(name_or_path)
    if "\x00" in text:
        raise CheckpointError("invalid model name: it contains a NUL byte")
    candidate = Path(text)
    if candidate.suffix in (".keras", ".json") and candidate.exists():
        return candidate.with_suffix(".keras"), candidate.with_suffix(".json")
    check_name(text)
    for _, directory in reversed(_model_dirs()):
        weights = directory / f"{text}.keras"
        if weights.is_file():
            return weights, directory / f"{text}.json"
    known = ", ".join(info.name for info in list_models() if not info.broken) or "none"
    raise CheckpointError(f"no model named {text!r}; available: {known}")


def load_keras(weights: Path, card: dict):
    """The Keras model of a checkpoint, after every check."""
    import keras

    from . import models  # noqa: F401  (registers our layers with Keras)

    if not weights.is_file():
        raise CheckpointError(f"{weights}: missing")
    expected = card.get("weights_sha256")
    if expected and expected != _sha256(weights):
        raise CheckpointError(f"{weights}: the card does not match its weights (SHA-256 differs); retrain or re-save")
    _check_keras_file(weights)
    try:
        return keras.saving.load_model(weights, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many kinds for a bad archive: all mean the same here
        raise CheckpointError(
            f"{weights}: Keras could not load it ({error.__class__.__name__}: {str(error)[:300]})"
        ) from error


@dataclass
class ModelInfo:
    name: str
    kind: str
    architecture: str
    path: str
    origin: str  # "shipped", "user" (the user folder: the CLI's, the server's), "class" (published), "yours"
    broken: str | None = None  # why it cannot be loaded, if so
    card: dict | None = None


def list_models(kind: str | None = None) -> list[ModelInfo]:
    """Every model in the shipped and user folders (and the current visitor's); unreadable ones are listed as broken,
    with why."""
    found: dict[str, ModelInfo] = {}
    for origin, directory in _model_dirs():
        if not directory.is_dir():
            continue
        for card_path in sorted(directory.glob("*.json")):
            name = card_path.stem
            if not NAME_PATTERN.fullmatch(name):
                continue
            weights = card_path.with_suffix(".keras")
            try:
                card = read_card(card_path)
                broken = None if weights.is_file() else f"{weights.name} is missing"
            except CheckpointError as error:
                card, broken = None, str(error)
            info = ModelInfo(
                name=name,
                kind=(card or {}).get("kind", "unknown"),
                architecture=(card or {}).get("architecture", "unknown"),
                path=str(weights),
                origin=origin,
                broken=broken,
                card=card,
            )
            found[name] = info
    infos = sorted(found.values(), key=lambda info: (info.origin != "shipped", info.name))
    return [info for info in infos if kind is None or info.kind == kind]


def default_translator() -> str | None:
    """The translator a view opens on: the shipped character-level English -> French one with the best chrF on its
    card (its views teach decoding one character at a time; the word-level model is one choice away), else the first
    loadable translator."""
    loadable = [info for info in list_models(kind="translator") if not info.broken]
    scored = [
        (info.card.get("metrics", {}).get("chrf", -1), info.name)
        for info in loadable
        if info.origin == "shipped"
        and info.card.get("direction") == "en-fr"
        and (info.card.get("source_vocab") or {}).get("level", "char") == "char"
    ]
    if scored:
        return max(scored)[1]
    shipped_first = sorted(loadable, key=lambda info: info.origin != "shipped")
    return shipped_first[0].name if shipped_first else None


def prune_user_models(
    max_count: int | None = None, max_bytes: int | None = None, keep: str | None = None, directory: Path | None = None
) -> list[str]:
    """Delete the oldest user-trained models of ``directory`` (the current visitor's or the user folder) beyond a
    count or byte quota (never shipped ones, never ``keep``); then, across all visitors, the oldest beyond
    ``S2S_VIZ_VISITOR_MODEL_BYTES`` (2 GB) in all.

    Limits default to ``S2S_VIZ_USER_MODEL_LIMIT`` (20) and ``S2S_VIZ_USER_MODEL_BYTES`` (500 MB).
    Returns the names removed.
    """
    max_count = max_count if max_count is not None else int(os.environ.get("S2S_VIZ_USER_MODEL_LIMIT", "20"))
    max_bytes = (
        max_bytes if max_bytes is not None else int(os.environ.get("S2S_VIZ_USER_MODEL_BYTES", str(500 * 2**20)))
    )
    directory = Path(directory) if directory is not None else own_dir()
    if not directory.is_dir() or directory.resolve() == shipped_dir().resolve():
        return []
    removed = _prune(sorted(directory.glob("*.keras"), key=_newest_first), max_count, max_bytes, keep)
    visitors = user_dir() / "visitors"
    if visitors.is_dir():
        every = sorted([*visitors.glob("*/*.keras"), *class_dir().glob("*.keras")], key=_newest_first)
        removed += _prune(every, len(every), int(os.environ.get("S2S_VIZ_VISITOR_MODEL_BYTES", str(2 * 2**30))), keep)
    return removed


def _newest_first(path: Path) -> float:
    try:
        return -path.stat().st_mtime
    except OSError:
        return 0.0


def _prune(models: list[Path], max_count: int, max_bytes: int, keep: str | None) -> list[str]:
    removed, total = [], 0
    for index, weights in enumerate(models):
        size = weights.stat().st_size + (
            weights.with_suffix(".json").stat().st_size if weights.with_suffix(".json").exists() else 0
        )
        total += size
        if weights.stem != keep and (index >= max_count or total > max_bytes):
            weights.unlink(missing_ok=True)
            weights.with_suffix(".json").unlink(missing_ok=True)
            removed.append(weights.stem)
    return removed
