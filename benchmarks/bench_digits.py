"""One picture through each shipped digit model, as the app does it: preprocessing once (a 1000x1000 RGB
drawing made MNIST-like), then classification, and for the ViT classification plus attention maps and rollout.

    s2s-viz bench digits
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

import s2s_viz
from s2s_viz.bench import median, timed, write_result
from s2s_viz.data.digits import to_mnist


def picture() -> np.ndarray:
    image = Image.new("RGB", (1000, 1000), (245, 245, 240))
    ImageDraw.Draw(image).line([(300, 250), (700, 250), (450, 800)], fill=(20, 20, 20), width=60)
    return np.asarray(image)


def main() -> None:
    image = picture()
    rows = {}
    for name in ("birnn-mnist", "vit-mnist"):
        classifier = s2s_viz.load(name)
        classifier.classify(image)
        row = {
            "preprocess_ms": round(1000 * median(timed(lambda: to_mnist(image), 30)), 2),
            "preprocess_and_classify_ms": round(
                1000 * median(timed(lambda c=classifier: c.classify(to_mnist(image)), 30)), 2
            ),
        }
        if hasattr(classifier.model, "attention_maps"):
            classifier.attention(image)

            def both(c=classifier):
                digit = to_mnist(image)
                return c.classify(digit), c.attention(digit)

            row["preprocess_classify_and_rollout_ms"] = round(1000 * median(timed(both, 30)), 2)
        row["predicted"] = int(np.argmax(classifier.classify(image)))
        rows[name] = row
    write_result(
        "digits",
        {
            "picture": "1000x1000 RGB drawing of a 7",
            "models": rows,
            "targets": {"preprocess_classify_and_rollout_ms": "<= 50"},
        },
    )


if __name__ == "__main__":
    main()
