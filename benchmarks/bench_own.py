"""Bring your own: a 5 MB file of another pair checked and trained on in the app; a model of the keras-io recipe
imported and decoded.

1. pairs: a 5 MB file in the Tatoeba layout with the pair the other way round (French first, English second, an
   attribution third; cut from fra.txt) sent to the running app: the seconds until it is checked (``/check_pairs``:
   upload, read, split, characters), then until the Train tab's training on it says it starts and until its first
   batch (target: checked and started <= 5 s); and the peak memory of reading it (tracemalloc; target < 200 MB).
2. import: a model of the recipe's shape and size (latent 256, the first 10,000 lines of fra.txt; its weights as
   initialised: a model that runs to the longest output is the slowest case) saved as the recipe saves it, imported,
   and 20 sentences decoded greedily one at a time by our compiled decoder: median ms a sentence (target <= 5 ms).

    s2s-viz bench own [--megabytes 5] [--save]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import start_app  # noqa: E402

from s2s_viz.bench import free_ports, write_result  # noqa: E402
from s2s_viz.data.sources import fra_path  # noqa: E402


def another_pair(path: Path, megabytes: float) -> Path:
    budget, lines = int(megabytes * 2**20), []
    with open(fra_path(), encoding="utf-8") as source:
        for line in source:
            english, french = line.rstrip("\n").split("\t")[:2]
            lines.append(f"{french}\t{english}\tCC-BY 2.0 (France) Attribution: tatoeba.org\n")
            budget -= len(lines[-1].encode())
            if budget <= 0:
                break
    path.write_text("".join(lines), encoding="utf-8")
    return path


def pairs(path: Path) -> dict:
    from gradio_client import Client, handle_file

    from s2s_viz.data.own import check_pairs_file
    from s2s_viz.training.recipes import OWN_DATA

    tracemalloc.start()
    check_pairs_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    (port,) = free_ports(1)
    url = f"http://127.0.0.1:{port}/"
    process, _, _ = start_app(port, tempfile.mkdtemp(prefix="bench-own-models-"))
    try:
        client = Client(url, verbose=False)
        client.predict(api_name="/stop_training")  # the page is open
        started = time.perf_counter()
        report, _ = client.predict(handle_file(str(path)), "1 → 2", api_name="/check_pairs")
        checked = time.perf_counter() - started
        job = client.submit("translator: LSTM seq2seq", OWN_DATA, "bench-own", 1, 64, 0.005, 64, 1, 1.0, 20000,
                            api_name="/train")  # fmt: skip
        said, first_batch = None, None
        while first_batch is None and time.perf_counter() - started < 300:
            outputs = job.outputs()
            if outputs and said is None:
                said = time.perf_counter() - started
            if outputs and "batch" in str(outputs[-1][0]):
                first_batch = time.perf_counter() - started
            time.sleep(0.02)
        client.predict(api_name="/stop_training")
        job.result(timeout=120)
    finally:
        process.terminate()
    return {
        "file_mb": round(path.stat().st_size / 2**20, 2),
        "report": report[:200],
        "checked_s": round(checked, 2),
        "training_says_it_starts_s": round(said, 2) if said else None,
        "first_batch_s": round(first_batch, 2) if first_batch else None,
        "peak_reading_kib": round(peak / 1024),
    }


def imported(folder: Path) -> dict:
    import keras

    import s2s_viz
    from s2s_viz.importing import import_recipe, recipe_indices

    indices = recipe_indices(fra_path(), 10000)
    encoder_inputs = keras.Input(shape=(None, len(indices.input_characters)))
    _, h, c = keras.layers.LSTM(256, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, len(indices.target_characters)))
    decoded, _, _ = keras.layers.LSTM(256, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[h, c]
    )
    outputs = keras.layers.Dense(len(indices.target_characters), activation="softmax")(decoded)
    keras.Model([encoder_inputs, decoder_inputs], outputs).save(folder / "s2s_model.keras")
    started = time.perf_counter()
    path = import_recipe(folder / "s2s_model.keras", fra_path(), 10000, "bench-recipe", folder)
    import_s = time.perf_counter() - started
    translator = s2s_viz.load(str(path))
    sentences = [source for source, _ in indices.pairs[::500][:20]]
    translator.translate(sentences[0])  # compiled once
    times, characters = [], []
    for _ in range(3):
        for sentence in sentences:
            started = time.perf_counter()
            characters.append(len(translator.translate(sentence).steps))
            times.append(time.perf_counter() - started)
    return {
        "latent": 256,
        "samples": 10000,
        "import_s": round(import_s, 2),
        "sentences": len(sentences),
        "steps_per_sentence_median": statistics.median(characters),
        "greedy_ms_per_sentence_median": round(1000 * statistics.median(times), 2),
        "greedy_ms_per_sentence_p95": round(1000 * sorted(times)[int(0.95 * (len(times) - 1))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-own-"))
    result = {"pairs": pairs(another_pair(folder / "fra-first.txt", args.megabytes)), "import": imported(folder)}
    write_result("own", result, command="own")


if __name__ == "__main__":
    main()
