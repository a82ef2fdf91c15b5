"""Where data comes from, in order: an explicit path, ``$S2S_VIZ_DATA``, the Keras cache, a download.

``$S2S_VIZ_DATA`` is a folder laid out like the project's ``shared/data`` (a source checkout also looks in
``../shared/data`` beside it, as the tests do): ``fra-eng/fra.txt`` and
``mnist/mnist.npz``. Downloads go to the Keras cache (``~/.keras/datasets``) with a short timeout; when
everything fails the error says exactly what to do. The toy tasks (``s2s_viz.data.toy``) need none of this.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

DATA_ENV = "S2S_VIZ_DATA"
FRA_URL = "http://download.tensorflow.org/data/fra-eng.zip"
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
DOWNLOAD_TIMEOUT_S = 10


class DataUnavailable(FileNotFoundError):
    """No copy of a data set could be found or downloaded; the message says what to do."""


def keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


# A source checkout's neighbour: the folder the tests and CI read when it exists (``../shared/data``)
BESIDE_CHECKOUT = Path(__file__).resolve().parents[3] / "shared" / "data"


def _candidates(relative: str, cache_names: list[str]) -> list[Path]:
    found = []
    if os.environ.get(DATA_ENV):
        found.append(Path(os.environ[DATA_ENV]) / relative)
    elif (Path(__file__).resolve().parents[2] / "pyproject.toml").is_file():  # a source checkout, not an install
        found.append(BESIDE_CHECKOUT / relative)
    found += [keras_cache() / name for name in cache_names]
    return found


def _download(url: str, destination: Path) -> None:
    """``url`` into ``destination``, whole or not at all: a failed download leaves no file and no folder it made."""
    made = [folder for folder in (destination.parent, *destination.parent.parents) if not folder.exists()]
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = None
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as handle:
                partial = Path(handle.name)
                shutil.copyfileobj(response, handle)
        os.replace(partial, destination)
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        for folder in made:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _find(relative: str, cache_names: list[str], url: str, explicit: str | Path | None, unpack=None) -> Path:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise DataUnavailable(f"{path}: no such file")
        return path
    candidates = _candidates(relative, cache_names)
    for path in candidates:
        if path.is_file():
            return path
    target = keras_cache() / cache_names[0]
    try:
        download = target if unpack is None else target.with_suffix(".zip")
        _download(url, download)
        if unpack is not None:
            unpack(download, target)
        return target
    except Exception as error:  # any network or file failure means the same thing to the user
        looked = ", ".join(str(path) for path in candidates)
        raise DataUnavailable(
            f"could not find {relative} (looked in {looked}) nor download it from {url} ({error}). "
            f"Download it by hand and either set {DATA_ENV} to a folder holding {relative} or pass its path "
            f"explicitly; the toy tasks (copy, reverse, dates) work without any download."
        ) from error


def _unzip_fra(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as bundle:
        member = next(name for name in bundle.namelist() if name.endswith("fra.txt"))
        with bundle.open(member) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out)


def fra_path(path: str | Path | None = None) -> Path:
    """The Tatoeba English-French file ``fra.txt``."""
    return _find("fra-eng/fra.txt", ["fra-eng/fra.txt", "fra.txt"], FRA_URL, path, unpack=_unzip_fra)


def mnist_here() -> bool:
    """Whether MNIST is on this machine already (``$S2S_VIZ_DATA`` or the Keras cache), without downloading it."""
    return any(candidate.is_file() for candidate in _candidates("mnist/mnist.npz", ["mnist.npz"]))


def mnist_path(path: str | Path | None = None) -> Path:
    """MNIST in the Keras ``mnist.npz`` layout."""
    return _find("mnist/mnist.npz", ["mnist.npz"], MNIST_URL, path)
