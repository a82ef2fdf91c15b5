"""MNIST, and any picture made to look like an MNIST digit.

MNIST digits are white ink on black, 28x28 grey, the ink scaled to fit a 20x20 box and centred by its
centre of mass. ``to_mnist`` does the same to whatever a person gives: a sketch with transparency, a phone
photo, any size, colour or grey, 8 or 16 bits, a light or dark background.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .sources import mnist_path

MAX_SIDE = 256  # big pictures are shrunk to this first: memory stays bounded and time short
MAX_PIXELS = 4096 * 4096  # refuse bigger pictures (and decompression bombs) before decoding: at most 64 MB decoded
VALIDATION_SIZE = 5000


class ImageError(ValueError):
    """A picture that cannot be classified, with what to do about it."""


def load_mnist(path: str | Path | None = None) -> dict[str, np.ndarray]:
    """``x_train``, ``y_train``, ``x_test``, ``y_test`` as in Keras's ``mnist.npz`` (uint8 images)."""
    with np.load(mnist_path(path)) as data:
        arrays = {key: data[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    if arrays["x_train"].shape[1:] != (28, 28):
        raise ImageError(f"{path}: expected 28x28 images, got {arrays['x_train'].shape[1:]}")
    return arrays


SAMPLE_DIGITS = Path(__file__).with_name("sample_digits.npz")  # MNIST's first 30 test images (sample_digits.md)


def test_digits() -> tuple[np.ndarray, np.ndarray, bool]:
    """MNIST's test images and labels: all 10,000 when MNIST is on this machine (without downloading it), else the
    30 shipped with the package (the same first 30). The flag says whether they are the whole test set."""
    from .sources import mnist_here

    if mnist_here():
        data = load_mnist()
        return data["x_test"], data["y_test"], True
    with np.load(SAMPLE_DIGITS) as data:
        return data["x_test"], data["y_test"], False


def split_validation(x: np.ndarray, y: np.ndarray, size: int = VALIDATION_SIZE, seed: int = 0):
    """Hold the last ``size`` of a fixed permutation of the training set out for validation."""
    order = np.random.default_rng(seed).permutation(len(x))
    return (x[order[:-size]], y[order[:-size]]), (x[order[-size:]], y[order[-size:]])


def check_picture_file(path: str | Path) -> None:
    """``ImageError`` unless the file is a picture within ``MAX_PIXELS``, read from its header alone (nothing is
    decoded): what every picture a visitor sends is held to before anything decodes it."""
    try:
        with Image.open(path) as picture:
            width, height = picture.size
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageError(f"not a readable image ({error.__class__.__name__}); use a PNG or JPEG") from error
    if width * height > MAX_PIXELS:
        raise ImageError(f"the picture is {width}x{height}; the limit is {MAX_PIXELS:,} pixels")


def _to_pil(image) -> Image.Image:
    if image is None:
        raise ImageError("no picture: draw a digit first")
    if isinstance(image, dict):  # a Gradio sketchpad/image editor value
        image = image.get("composite") if image.get("composite") is not None else image.get("background")
        if image is None:
            raise ImageError("no picture: draw a digit first")
    if isinstance(image, (str, Path, bytes)):
        try:
            handle = io.BytesIO(image) if isinstance(image, bytes) else open(image, "rb")
            with handle:
                picture = Image.open(handle)
                if picture.width * picture.height > MAX_PIXELS:
                    raise ImageError(
                        f"the picture is {picture.width}x{picture.height}; the limit is {MAX_PIXELS:,} pixels"
                    )
                picture.seek(0)  # an animated GIF: its first frame
                picture.draft("RGB", (MAX_SIDE, MAX_SIDE))
                picture.load()
                return ImageOps.exif_transpose(picture) if picture.mode != "P" else picture.copy()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise ImageError(f"not a readable image ({error.__class__.__name__}); use a PNG or JPEG") from error
    if isinstance(image, Image.Image):
        return image
    array = np.asarray(image)
    if array.ndim not in (2, 3) or array.size == 0 or (array.ndim == 3 and array.shape[2] not in (1, 2, 3, 4)):
        raise ImageError(f"expected a picture (height x width [x channels]), got an array of shape {array.shape}")
    if array.dtype != np.uint8:  # floats in [0, 1] or [0, 255], 16-bit or wider integers: to 8 bits
        if array.dtype.kind == "f":
            array = np.nan_to_num(array)
            scale = 255 if array.max() <= 1 else 1
            array = (np.clip(array * scale, 0, 255)).astype(np.uint8)
        elif array.dtype == np.uint16 or array.max() > 255:
            array = (array.astype(np.float32) / max(array.max(), 1) * 255).astype(np.uint8)
        else:
            array = array.astype(np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] == 2:  # grey + alpha
        array = np.dstack([array[:, :, 0]] * 3 + [array[:, :, 1]])
    return Image.fromarray(array)


def _grey(picture: Image.Image) -> np.ndarray:
    """Grey levels in [0, 1]; transparent parts become background (whatever colour the ink is not)."""
    if picture.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(picture, dtype=np.float32)
        picture = Image.fromarray((array / max(array.max(), 1) * 255).astype(np.uint8))
    if picture.mode == "P" or picture.mode == "LA" or (picture.mode == "RGBA"):
        rgba = np.asarray(picture.convert("RGBA"), dtype=np.float32) / 255
        alpha = rgba[:, :, 3]
        grey = rgba[:, :, :3] @ np.array([0.299, 0.587, 0.114])
        if alpha.min() < 0.99:  # transparency: the alpha channel is the drawing
            ink_level = float(np.average(grey, weights=alpha + 1e-9)) if alpha.max() > 0 else 0.0
            background = 1.0 if ink_level < 0.5 else 0.0  # put the ink on a contrasting background
            return alpha * grey + (1 - alpha) * background
        return grey
    return np.asarray(picture.convert("L"), dtype=np.float32) / 255


def is_mnist_like(grey: np.ndarray) -> bool:
    """Already what MNIST's preparation makes: 28x28, light ink on a dark frame, centred by its mass.

    Such a picture (an MNIST digit, or an upload of one) is left as it is: cropping, rescaling and thresholding
    it again would change up to every pixel and cost the models accuracy.
    """
    if grey.shape != (28, 28) or grey.max() < 0.15:
        return False
    frame = np.concatenate([grey[:2].ravel(), grey[-2:].ravel(), grey[:, :2].ravel(), grey[:, -2:].ravel()])
    if np.median(frame) > 0.05:
        return False
    ys, xs = np.indices(grey.shape)
    mass = grey.sum()
    return abs((ys * grey).sum() / mass - 13.5) <= 2.0 and abs((xs * grey).sum() / mass - 13.5) <= 2.0


def to_mnist(image) -> np.ndarray:
    """Any picture -> a 28x28 float32 array in [0, 1], white ink on black, as MNIST was made.

    A picture that already looks like an MNIST digit (:func:`is_mnist_like`, also once inverted) is only
    scaled to [0, 1]. Raises ``ImageError`` with a message for an empty sketch, a blank picture or something
    that is no image.
    """
    picture = _to_pil(image)
    if picture.width < 1 or picture.height < 1:
        raise ImageError("the picture is empty")
    if max(picture.size) > MAX_SIDE:
        picture.thumbnail((MAX_SIDE, MAX_SIDE), reducing_gap=2.0)  # box-reduce first: fast on photos
    grey = _grey(picture)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 0.5:  # a light background: MNIST is light ink on dark
        grey = 1.0 - grey
    if is_mnist_like(grey):
        return grey.astype(np.float32)
    low, high = float(np.percentile(grey, 1)), float(grey.max())
    if high - low < 0.15:
        raise ImageError("the picture is blank: draw a digit first")
    grey = np.clip((grey - low) / (high - low), 0, 1)
    grey[grey < 0.2] = 0.0  # paper texture and sensor noise are not ink
    rows, cols = np.nonzero(grey)
    if len(rows) < 3:
        raise ImageError("the picture is blank: draw a digit first")
    cropped = grey[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    height, width = cropped.shape
    scale = 20.0 / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = (
        np.asarray(Image.fromarray((cropped * 255).astype(np.uint8)).resize(size, Image.LANCZOS), dtype=np.float32)
        / 255
    )
    canvas = np.zeros((28, 28))
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = small
    total = canvas.sum()
    ys, xs = np.indices(canvas.shape)
    shift_y = int(round(13.5 - (ys * canvas).sum() / total))
    shift_x = int(round(13.5 - (xs * canvas).sum() / total))
    shift_y = int(np.clip(shift_y, -top, 28 - top - size[1]))
    shift_x = int(np.clip(shift_x, -left, 28 - left - size[0]))
    canvas = np.roll(canvas, (shift_y, shift_x), axis=(0, 1))
    return np.clip(canvas, 0, 1).astype(np.float32)
