"""Helpers the tests share (data locations); fixtures live in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if "S2S_VIZ_DATA" not in os.environ and (ROOT.parent / "shared" / "data").is_dir():
    os.environ["S2S_VIZ_DATA"] = str(ROOT.parent / "shared" / "data")


def data_file(relative: str) -> Path | None:
    folder = os.environ.get("S2S_VIZ_DATA")
    path = Path(folder) / relative if folder else None
    return path if path and path.is_file() else None


def fra_file() -> Path | None:
    return data_file("fra-eng/fra.txt")


needs_fra = pytest.mark.skipif(fra_file() is None, reason="needs fra.txt under S2S_VIZ_DATA")
needs_mnist = pytest.mark.skipif(data_file("mnist/mnist.npz") is None, reason="needs mnist.npz under S2S_VIZ_DATA")


def wait_until(condition, timeout: float, what: str = "the condition", every: float = 0.1):
    """Return ``condition()``'s first true value, asking again every ``every`` seconds; fail after ``timeout``
    saying what never happened. (The one place the tests pause: between two looks at a condition.)"""
    import threading
    import time

    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:g} s, still waiting for {what}")
        pause.wait(every)


def small_config(**overrides):
    """A translator's training settings of a second or two: the copy task, a small LSTM."""
    from s2s_viz.training import TranslatorTrainConfig

    settings = dict(
        name="small",
        data="toy:copy",
        toy_count=640,
        validation_pairs=64,
        epochs=2,
        batch_size=64,
        learning_rate=0.01,
        max_source_length=12,
        max_target_length=12,
        model={"latent_dim": 16},
    )
    return TranslatorTrainConfig(**{**settings, **overrides})


def one_hot(texts, characters, length):
    """The recipe's one-hot layout of ``texts`` (zeros after each text's end)."""
    import numpy as np

    index = {char: i for i, char in enumerate(characters)}
    out = np.zeros((len(texts), length, len(characters)), "float32")
    for row, text in enumerate(texts):
        for t, char in enumerate(text):
            out[row, t, index[char]] = 1.0
    return out


def recipe_model(folder, samples: int = 200, latent: int = 64):
    """The keras-io ``lstm_seq2seq`` recipe's model, written here as a student writes it, trained one epoch on the
    first ``samples`` pairs of fra.txt and saved as the recipe saves it (``folder/s2s_model.keras``); returns its
    path, its sources, and the recipe's greedy inference loop (an encoder model and a decoder model made of the
    trained layers), which gives the text and how likely each written character was."""
    import keras
    import numpy as np

    from s2s_viz.importing import recipe_indices

    LATENT = latent  # noqa: N806 - the recipe's own name
    indices = recipe_indices(fra_file(), samples)
    sources = [source for source, _ in indices.pairs]
    targets = [target for _, target in indices.pairs]
    n_in, n_out = len(indices.input_characters), len(indices.target_characters)
    encoder_input = one_hot(sources, indices.input_characters, indices.max_encoder_seq_length)
    decoder_input = one_hot(targets, indices.target_characters, indices.max_decoder_seq_length)
    decoder_target = np.zeros_like(decoder_input)
    decoder_target[:, :-1] = decoder_input[:, 1:]

    keras.utils.set_random_seed(0)
    encoder_inputs = keras.Input(shape=(None, n_in))
    _, state_h, state_c = keras.layers.LSTM(LATENT, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, n_out))
    decoder_lstm = keras.layers.LSTM(LATENT, return_sequences=True, return_state=True)
    sequence, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = keras.layers.Dense(n_out, activation="softmax")
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_dense(sequence))
    model.compile(optimizer=keras.optimizers.RMSprop(0.01), loss="categorical_crossentropy")
    model.fit([encoder_input, decoder_input], decoder_target, batch_size=32, epochs=1, verbose=0)
    path = folder / "s2s_model.keras"
    model.save(path)

    encoder_model = keras.Model(encoder_inputs, [state_h, state_c])
    h_in, c_in = keras.Input(shape=(LATENT,)), keras.Input(shape=(LATENT,))
    steps, h, c = decoder_lstm(decoder_inputs, initial_state=[h_in, c_in])
    decoder_model = keras.Model([decoder_inputs, h_in, c_in], [decoder_dense(steps), h, c])

    def decode(text: str) -> tuple[str, list[float]]:
        """The recipe's greedy loop: start with ``\\t``, feed back the argmax, stop at ``\\n`` or the longest; and
        how likely each written character was."""
        h, c = encoder_model(one_hot([text], indices.input_characters, len(text)))
        token = one_hot(["\t"], indices.target_characters, 1)
        written, chances = "", []
        while True:
            probabilities, h, c = (np.asarray(x) for x in decoder_model([token, np.asarray(h), np.asarray(c)]))
            char = indices.target_characters[int(np.argmax(probabilities[0, -1]))]
            written += char
            # this project's decoder never writes the start symbol: its share goes to the others
            start = float(probabilities[0, -1, indices.target_characters.index("\t")])
            chances.append(float(np.max(probabilities[0, -1])) / (1.0 - start))
            if char == "\n" or len(written) > indices.max_decoder_seq_length:
                return written.rstrip("\n"), chances
            token = one_hot([char], indices.target_characters, 1)

    return path, sources, decode


def another_pair_file(path, lines: int | None = None, megabytes: float | None = None):
    """French first, English second, an attribution third: another pair as manythings.org lays it out, cut from
    fra.txt to ``lines`` lines or ``megabytes``."""
    budget = int(megabytes * 2**20) if megabytes else None
    written = []
    with open(fra_file(), encoding="utf-8") as source:
        for line in source:
            english, french = line.rstrip("\n").split("\t")[:2]
            written.append(f"{french}\t{english}\tCC-BY 2.0 (France) Attribution: tatoeba.org\n")
            if budget is not None:
                budget -= len(written[-1].encode())
            if (budget is not None and budget <= 0) or (lines is not None and len(written) >= lines):
                break
    path.write_text("".join(written), encoding="utf-8")
    return path
