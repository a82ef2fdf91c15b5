"""What both digit tabs share: turning a sketch, an upload or a test-set index into a 28x28 input."""

from __future__ import annotations

import functools

import gradio as gr
import pandas as pd
from PIL import UnidentifiedImageError

from s2s_viz import viz
from s2s_viz.data.digits import ImageError, check_picture_file, test_digits, to_mnist

from .common import refuse
from .i18n import say, t

_test_images = functools.lru_cache(maxsize=1)(test_digits)


def picture_upload(**kwargs) -> gr.Image:
    """An image upload that lets a file Gradio cannot open reach the core, which says what is wrong with it.

    Gradio's own preprocessing would fail first, with an error that names the server's temporary file. (A
    wrapper on this one component, not a subclass: Gradio writes a stub file beside any component subclass.)
    """
    upload = gr.Image(type="filepath", sources=["upload"], **kwargs)
    gradio_preprocess = upload.preprocess

    def preprocess(payload):
        _held_to_the_limit(payload)
        try:
            return gradio_preprocess(payload)
        except (UnidentifiedImageError, OSError, ValueError):
            return str(payload.path) if payload is not None and payload.path else None

    upload.preprocess = preprocess
    return upload


def _held_to_the_limit(payload) -> None:
    """Every file of a picture's payload (an upload; a sketch's background, layers and composite) within the core's
    pixel limit, read from each file's header before Gradio decodes any of them."""
    if payload is None:
        return
    files = [payload] if getattr(payload, "path", None) else []
    for part in ("background", "composite"):
        files.append(getattr(payload, part, None))
    files += list(getattr(payload, "layers", None) or [])
    for file in files:
        path = getattr(file, "path", None)
        if not path:
            continue
        try:
            check_picture_file(path)
        except ImageError as error:
            if "not a readable image" in str(error) and file is payload:
                continue  # an unreadable upload reaches the core, which names what is wrong with it
            raise refuse(str(error)) from None


def bounded_sketchpad(**kwargs) -> gr.Sketchpad:
    """A sketchpad whose layers are held to the pixel limit before Gradio decodes them."""
    sketch = gr.Sketchpad(**kwargs)
    gradio_preprocess = sketch.preprocess

    def preprocess(payload):
        _held_to_the_limit(payload)
        return gradio_preprocess(payload)

    sketch.preprocess = preprocess
    return sketch


def digit_input(sketch, upload, test_index, source: str):
    """The 28x28 input and a caption; ``gr.Error`` with what to do when there is nothing to classify."""
    try:
        if source == "test image":
            images, labels, whole = _test_images()
            index = int(test_index or 0)
            if not 0 <= index < len(images):
                without = "" if whole else " (MNIST is not on this server: the app ships its first 30 test images)"
                raise refuse(f"test image index must be in 0..{len(images) - 1}{without}")
            return images[index] / 255.0, f"MNIST test image {index} (label {labels[index]})"
        if source == "upload":
            return to_mnist(upload), "your picture, made MNIST-like"
        return to_mnist(sketch), "your drawing, made MNIST-like"
    except ImageError as error:
        raise refuse(str(error)) from error


WAITING = {
    "draw": "draw a digit on the pad, then press the button: it is read as MNIST's digits were",
    "upload": "upload a picture of a digit: it is read as soon as it arrives",
}


def nothing_yet(sketch, upload, source: str) -> str | None:
    """What the page waits for when the chosen input holds nothing yet (a sketchpad just picked or cleared, no upload
    yet): not an error, nobody asked for anything."""
    if source == "upload" and not upload:
        return WAITING["upload"]
    if source == "draw":
        if sketch is None:
            return WAITING["draw"]
        try:
            to_mnist(sketch)
        except ImageError:  # nothing on it but the background
            return WAITING["draw"]
    return None


def page_views(fn, figures: int, table: bool = False):
    """``fn(model, sketch, upload, test_index, source, ...)`` as the page's events call it, in two versions:

    - ``live`` (the tab opening, another input picked, a test image index): with nothing drawn or uploaded yet every
      figure says what to do, with no error; a refused picture clears every figure and says why in a warning;
    - ``pressed`` (the button, which is also the API): a refused picture clears every figure, then the refusal is
      raised as an error (the API's caller gets it as one).

    Either way no figure of an earlier picture stays beside a message about the current one."""

    def blanks(message: str):
        drawn = [viz.no_attention(say(message)) for _ in range(figures)]
        return (*drawn, pd.DataFrame()) if table else (drawn[0] if figures == 1 else tuple(drawn))

    def live(*args):
        waiting = nothing_yet(args[1], args[2], args[4])
        if waiting:
            return blanks(waiting)
        try:
            return fn(*args)
        except gr.Error as error:
            gr.Warning(str(error.message))
            return blanks(str(error.message))

    @functools.wraps(fn)  # the API names its parameters after fn's
    def pressed(*args):
        try:
            result = fn(*args)
        except gr.Error as error:
            yield blanks(str(error.message))
            raise
        yield result

    live.__name__ = f"{fn.__name__}_live"
    return live, pressed


def input_controls(prefix: str):
    with gr.Row():
        source = gr.Radio(
            [
                (t(f"choice.{key}", name), name)
                for key, name in (("draw", "draw"), ("upload", "upload"), ("test_image", "test image"))
            ],
            value="test image",  # the tab opens on a computed test digit
            label=t("label.input", "input"),
            elem_id=f"{prefix}-source",
        )
        test_index = gr.Number(
            value=0,
            precision=0,
            label=t("label.test_image_index_0_9999", "test image index (0-9999)"),
            minimum=0,
            maximum=9999,
        )
    with gr.Row():
        # the page script picks the brush (elem class digit-sketch): a stroke draws at once
        sketch = bounded_sketchpad(
            label=t("label.draw_a_digit", "draw a digit"),
            type="numpy",
            canvas_size=(280, 280),
            layers=False,
            elem_classes="digit-sketch",
        )
        upload = picture_upload(label=t("label.or_upload_a_picture", "or upload a picture"))
    # the input follows what the user did last: an upload, or a stroke on the sketchpad
    upload.upload(lambda: "upload", None, source, api_visibility="private")
    sketch.change(lambda: "draw", None, source, api_visibility="private")
    return sketch, upload, test_index, source
