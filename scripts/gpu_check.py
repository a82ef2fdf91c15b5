"""The GPU path, measured (run by ``scripts/gpu_check.sh`` on a machine with an NVIDIA GPU).

Checks that TensorFlow sees the GPU, trains ``attention-dates`` (its shipped configuration) and one epoch of the
``attention-char-en-fr`` configuration on it, and measures decoding there and on the CPU: greedy ms per sentence
(median of 30) and batched sentences per second (512 test-short sentences). Writes
``benchmarks/results/gpu.json`` with the machine's description.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def config_from(shipped: str, **overrides):
    from s2s_viz.training import TranslatorTrainConfig

    with open(ROOT / "configs" / f"{shipped}.toml", "rb") as handle:
        settings = tomllib.load(handle)
    settings.pop("kind", None)
    settings.update(overrides)
    return TranslatorTrainConfig(**settings)


def train_on(device: str, config) -> dict:
    import tensorflow as tf

    from s2s_viz.training import train_translator

    folder = tempfile.mkdtemp(prefix="gpu-check-")
    started = time.perf_counter()
    with tf.device(device):
        result = train_translator(config, folder)
    training = result.card["training"]
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "epochs": training.get("epochs_completed"),
        "train_samples_per_s": training.get("train_samples_per_s"),
        "val_loss": (training.get("history") or {}).get("val_loss", [None])[-1],
        "checkpoint": str(Path(folder) / f"{config.name}.keras"),
    }


def decoding_on(device: str, name: str, sentences: list[str]) -> dict:
    import tensorflow as tf

    import s2s_viz

    with tf.device(device):
        translator = s2s_viz.load(name)
        translator.translate(sentences[0])
        translator.translate_batch(sentences[:512])
        times = []
        for sentence in sentences[:30]:
            started = time.perf_counter()
            translator.translate(sentence)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        translator.translate_batch(sentences[:512])
        batched = 512 / (time.perf_counter() - started)
    return {"greedy_ms": round(1000 * statistics.median(times), 2), "batched_sentences_per_s": round(batched, 1)}


def main() -> int:
    import tensorflow as tf

    from s2s_viz.bench import write_result
    from s2s_viz.data import sources
    from s2s_viz.data.pairs import read_test_short

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        print(
            "TensorFlow sees no GPU: check the driver (nvidia-smi) and the gpu extra's CUDA libraries", file=sys.stderr
        )
        return 2
    sentences = read_test_short(sources.fra_path()).sources
    result = {
        "gpus": [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus],
        "train_attention_dates_gpu": train_on("/GPU:0", config_from("attention-dates", name="gpu-attention-dates")),
        "train_attention_en_fr_one_epoch_gpu": train_on(
            "/GPU:0", config_from("attention-char-en-fr", name="gpu-attention-en-fr", epochs=1, time_budget_s=None)
        ),
        # the same configuration on the CPU, on a slice (a whole epoch takes about 15 minutes there)
        "train_attention_en_fr_cpu_slice": train_on(
            "/CPU:0",
            config_from("attention-char-en-fr", name="cpu-attention-en-fr", epochs=1, limit=5000, time_budget_s=None),
        ),
        "decoding": {
            device: {
                name: decoding_on(device, name, sentences)
                for name in ("attention-char-en-fr", "transformer-char-en-fr")
            }
            for device in ("/GPU:0", "/CPU:0")
        },
    }
    write_result("gpu", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
