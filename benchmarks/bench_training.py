"""Training throughput: the keras-io ``lstm_seq2seq`` recipe vs this project's trainer, side by side.

Both train an LSTM 256 encoder-decoder with RMSprop and batch 64 for the same number of epochs on the same
pairs: the first 10,000 lines of ``fra.txt`` (the reserved buckets left out, as the protocol requires), 80%
for training and 20% for validation. The keras-io recipe builds dense one-hot arrays padded to the longest
sentence and a categorical loss over every position, padding included. Ours feeds integer ids in batches of
similar length and a loss over real characters only. We report training samples per second (median over
epochs) and, for both, the validation loss *per real character* (end symbol included, padding excluded),
computed the same way from each model's predictions.

    s2s-viz bench training [--epochs 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import time

import keras
import numpy as np

from s2s_viz.bench import median, write_result
from s2s_viz.data import CharVocab, read_pairs, sources
from s2s_viz.models import RNNSeq2Seq, masked_accuracy, masked_loss
from s2s_viz.training import BucketBatches

LATENT = 256
BATCH = 64


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.started)


def keras_io_recipe(train_src, train_tgt, source_vocab, target_vocab, epochs):
    """The example as published: dense one-hot inputs, softmax output, categorical loss on every position."""
    encoder_input = source_vocab.one_hot(train_src)
    decoder_input = target_vocab.one_hot(train_tgt, add_start_end=True)
    decoder_target = np.zeros_like(decoder_input)
    decoder_target[:, :-1] = decoder_input[:, 1:]
    decoder_target[:, -1, target_vocab.tokens.index(" ")] = 1.0  # padded with the one-hot of space
    encoder_inputs = keras.Input((None, len(source_vocab.tokens)))
    _, h, c = keras.layers.LSTM(LATENT, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input((None, len(target_vocab.tokens)))
    outputs, _, _ = keras.layers.LSTM(LATENT, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[h, c]
    )
    outputs = keras.layers.Dense(len(target_vocab.tokens), activation="softmax")(outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(
        [encoder_input, decoder_input], decoder_target, batch_size=BATCH, epochs=epochs, callbacks=[timer], verbose=0
    )
    return model, timer.times, encoder_input.nbytes + decoder_input.nbytes + decoder_target.nbytes


def keras_io_loss_per_char(model, val_src, val_tgt, source_vocab, target_vocab):
    encoder_input = source_vocab.one_hot(val_src)
    decoder_input = target_vocab.one_hot(val_tgt, add_start_end=True)
    probs = model.predict([encoder_input, decoder_input], batch_size=256, verbose=0)
    ids = target_vocab.encode_batch(val_tgt, add_start_end=True)
    total, count = 0.0, 0
    for row, length in enumerate((ids != 0).sum(axis=1)):
        for t in range(length - 1):  # predicting ids[t + 1] from position t: every character and the end symbol
            total -= np.log(max(probs[row, t, ids[row, t + 1] - 1], 1e-12))
            count += 1
    return total / count


def ours(train_src, train_tgt, val_src, val_tgt, source_vocab, target_vocab, epochs):
    model = RNNSeq2Seq(
        {"source_vocab_size": source_vocab.size, "target_vocab_size": target_vocab.size, "latent_dim": LATENT}
    )
    model.compile(optimizer="rmsprop", loss=masked_loss, metrics=[masked_accuracy])
    batches = BucketBatches(
        [source_vocab.encode(s) for s in train_src], [target_vocab.encode(t, True) for t in train_tgt], BATCH, 8, seed=0
    )
    timer = EpochTimer()
    model.fit(batches.dataset(), steps_per_epoch=len(batches), epochs=epochs, callbacks=[timer], verbose=0)
    source = source_vocab.encode_batch(val_src)
    decoder_input = target_vocab.encode_batch(val_tgt, add_start_end=True)
    decoder_target = np.zeros_like(decoder_input)
    decoder_target[:, :-1] = decoder_input[:, 1:]
    logits = model.predict((source, decoder_input), batch_size=256, verbose=0)
    losses = keras.losses.sparse_categorical_crossentropy(decoder_target, logits, from_logits=True).numpy()
    return timer.times, float(losses[decoder_target != 0].mean())


def one_run(pairs, epochs: int) -> dict:
    """One side-by-side run: the recipe, then ours, on the same split."""
    order = np.random.default_rng(0).permutation(len(pairs))
    cut = int(0.8 * len(order))
    train_src = [pairs.sources[i] for i in order[:cut]]
    train_tgt = [pairs.targets[i] for i in order[:cut]]
    val_src = [pairs.sources[i] for i in order[cut:]]
    val_tgt = [pairs.targets[i] for i in order[cut:]]
    source_vocab = CharVocab.build(pairs.sources)
    target_vocab = CharVocab.build(pairs.targets, with_start_end=True)
    keras.utils.set_random_seed(0)
    recipe, recipe_times, recipe_bytes = keras_io_recipe(train_src, train_tgt, source_vocab, target_vocab, epochs)
    recipe_loss = keras_io_loss_per_char(recipe, val_src, val_tgt, source_vocab, target_vocab)
    our_times, our_loss = ours(train_src, train_tgt, val_src, val_tgt, source_vocab, target_vocab, epochs)
    recipe_rate = len(train_src) / median(recipe_times)
    our_rate = len(train_src) / median(our_times)
    return {
        "pairs": {"train": len(train_src), "validation": len(val_src)},
        "keras_io_recipe": {
            "samples_per_s": round(recipe_rate, 1),
            "epoch_seconds": [round(t, 1) for t in recipe_times],
            "val_loss_per_char": round(recipe_loss, 4),
            "one_hot_array_mb": round(recipe_bytes / 2**20, 1),
        },
        "s2s_viz": {
            "samples_per_s": round(our_rate, 1),
            "epoch_seconds": [round(t, 1) for t in our_times],
            "val_loss_per_char": round(our_loss, 4),
        },
        "speed_up": round(our_rate / recipe_rate, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="independent side-by-side runs; the median is reported")
    args = parser.parse_args()
    pairs = read_pairs(sources.fra_path(), split="all", first_lines=10000)
    runs = [one_run(pairs, args.epochs) for _ in range(args.runs)]
    speed_ups = [run["speed_up"] for run in runs]
    write_result(
        "training",
        {
            "pairs": {**runs[0]["pairs"], "from": "first 10,000 lines of fra.txt, reserved buckets left out"},
            "epochs": args.epochs,
            "runs": runs,
            "speed_ups": speed_ups,
            "median_speed_up": median(speed_ups),
            "lower_loss_in_every_run": all(
                run["s2s_viz"]["val_loss_per_char"] <= run["keras_io_recipe"]["val_loss_per_char"] for run in runs
            ),
            "target": "median speed_up of the runs >= 2 at equal or lower val_loss_per_char",
        },
    )


if __name__ == "__main__":
    main()
