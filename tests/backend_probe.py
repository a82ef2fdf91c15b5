"""Run under one Keras backend (``KERAS_BACKEND``) by ``test_backends.py``: reads a job as JSON on stdin, writes what
the core computed as JSON on stdout. Jobs: ``decode`` (every named translator, greedy and beam, on given sentences),
``digits`` (predicted labels of MNIST test images), ``train`` (one small training per config, then its greedy output
on given sentences, where its compiled beam search and the Python one differ, and the checkpoint's path)."""

from __future__ import annotations

import json
import sys
import tempfile

import numpy as np


def decode(job: dict) -> dict:
    import s2s_viz
    from s2s_viz.machine import device_description

    found = {"device": device_description()}
    for name in job["models"]:
        translator = s2s_viz.load(name)
        texts = [translator.translate(text).text for text in job["sentences"]]
        beams = [translator.translate(text, strategy="beam", beam_width=4).text for text in job["beam_sentences"]]
        found[name] = {"greedy": texts, "beam": beams, "batch": translator.translate_batch(job["sentences"])}
    return found


def digits(job: dict) -> dict:
    import s2s_viz
    from s2s_viz.data.digits import load_mnist

    images = load_mnist()["x_test"][: job["count"]] / 255.0
    return {name: s2s_viz.load(name).classify_batch(images).argmax(axis=1).tolist() for name in job["models"]}


def train(job: dict) -> dict:
    import s2s_viz
    from s2s_viz.training import DigitTrainConfig, TranslatorTrainConfig, train_digits, train_translator

    found = {}
    for label, settings in job["configs"].items():
        folder = tempfile.mkdtemp(prefix=f"probe-{label}-", dir=job["folder"])
        if settings.pop("kind", "translator") == "digits":
            result = train_digits(DigitTrainConfig(**settings), folder)
            found[label] = {"path": str(result.path), "loss": result.history["loss"]}
            continue
        result = train_translator(TranslatorTrainConfig(**settings), folder)
        translator = s2s_viz.load(str(result.path))
        found[label] = {
            "path": str(result.path),
            "loss": result.history["loss"],
            "greedy": [translator.translate(text).text for text in job["sentences"]],
            "beam_differs": beam_differences(translator, job["sentences"]),
        }
    return found


def beam_differences(translator, sentences: list[str]) -> list[str]:
    """Where the backend's beam search (compiled whole on JAX) and the search with its bookkeeping in Python
    (``beam_stepwise``) disagree, over widths and length penalties: the same checks as the TensorFlow test's."""
    from s2s_viz.decoding import TOP_K

    differs = []
    for text in sentences:
        ids, _, _ = translator.prepare(text)
        source = np.array([ids], dtype=np.int32)
        for width in (1, 2, 3, 5):
            for penalty in (0.0, 1.0, 2.0):
                tokens, rows, attention = translator.decoder.beam_stepwise(source, translator.max_steps, width, penalty)
                found = translator.decoder.beam_search(source, translator.max_steps, width, penalty)
                ranks = [h.normalised for h in found.hypotheses]
                same = (
                    np.array_equal(found.tokens, tokens)
                    and np.allclose(found.chosen_log_probs, rows[np.arange(len(tokens)), tokens], atol=1e-4)
                    and np.allclose(found.top_log_probs, -np.sort(-rows, axis=1)[:, :TOP_K], atol=1e-4)
                    and np.allclose(found.attention, attention, atol=1e-4)
                    and ranks == sorted(ranks, reverse=True)
                    and np.array_equal(found.hypotheses[0].tokens, found.tokens)
                )
                if not same:
                    differs.append(f"{text!r} width {width} length penalty {penalty}")
    return differs


if __name__ == "__main__":
    request = json.load(sys.stdin)
    answer = {"decode": decode, "digits": digits, "train": train}[request["job"]](request)
    answer["tensorflow loaded"] = "tensorflow" in sys.modules  # Keras off TensorFlow never needs it here
    print("PROBE-RESULT " + json.dumps(answer, default=lambda value: np.asarray(value).tolist()))
