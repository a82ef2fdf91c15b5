"""Training throughput: the keras-io ``lstm_seq2seq`` recipe vs this project's trainer, side by side.

Both train an LSTM 256 encoder-decoder with RMSprop and batch 64 for the same number of epochs on the same
pairs: the first 10,000 lines of ``fra.txt`` (the reserved buckets left out, as the protocol requires), 80%
for training and 20% for validation. The keras-io recipe builds dense one-hot arrays padded to the longest
sentence and a categorical loss over every position, padding included. Ours feeds integer ids in batches of
similar length and a loss over real characters only. We report training samples per second (median over
epochs) and, for both, the validation loss *per real character* (end symbol included, padding excluded),
computed the same way from each model's predictions. Ours runs twice: as ``s2s-viz train`` does by default, and
with ``--xla`` (each training step compiled with XLA; its first epoch compiles one program per batch shape).

    s2s-viz bench training [--epochs 5] [--runs 3]

``--attention`` compares the attention orders instead, at ``attention-char-en-fr``'s size (bidirectional LSTM 256,
dropout 0.3, Adam 0.002, batch 64) on the same random 3,200 training pairs of the protocol's training buckets and 800
validation pairs: Bahdanau's order (the notes' ``e_ij = a(s_{i-1}, h_j)``: the decoder runs step by step; the
baseline), Luong's order with the same additive score, and Luong's order with his ``general`` score (the whole decoder
and the attention at once under teacher forcing), both computed in bfloat16 too (``precision = "bfloat16"``: float32
weights), Bahdanau's in bfloat16 (``attention-char-en-fr``'s settings), Luong's general score in bfloat16 with a
teacher-forcing ratio of 0.5 (reinjection: each step's input may be the previous step's prediction, so the decoder
runs step by step again; its cost), then the two scores that read the source alone (``learned``, and the notes' own
``positional``: a Dense across positions per channel) in Bahdanau's order; samples/s (median over epochs after the
first, which traces) and validation loss per character after each epoch, and whether it was no worse than the
baseline's at every epoch.
Results in ``results/training-attention.json``.

    s2s-viz bench training --attention [--epochs 4]
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
from s2s_viz.training.config import compute_precision

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


def ours(train_src, train_tgt, val_src, val_tgt, source_vocab, target_vocab, epochs, xla=False):
    """Our trainer's model, batches and loss; ``xla``: each step compiled with XLA (``s2s-viz train --xla``)."""
    keras.utils.set_random_seed(0)
    model = RNNSeq2Seq(
        {"source_vocab_size": source_vocab.size, "target_vocab_size": target_vocab.size, "latent_dim": LATENT}
    )
    model.compile(optimizer="rmsprop", loss=masked_loss, metrics=[masked_accuracy], jit_compile=xla)
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
    xla_times, xla_loss = ours(train_src, train_tgt, val_src, val_tgt, source_vocab, target_vocab, epochs, xla=True)
    recipe_rate = len(train_src) / median(recipe_times)
    our_rate = len(train_src) / median(our_times)
    xla_rate = len(train_src) / median(xla_times)
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
        "s2s_viz_xla": {
            "samples_per_s": round(xla_rate, 1),
            "epoch_seconds": [round(t, 1) for t in xla_times],
            "val_loss_per_char": round(xla_loss, 4),
        },
        "speed_up_xla": round(xla_rate / recipe_rate, 2),
    }


ATTENTION_VARIANTS = [  # (order, score, precision, teacher-forcing ratio)
    ("bahdanau", "additive", "float32", 1.0),  # the baseline: attention-char-en-fr's settings before it was retrained
    ("luong", "additive", "float32", 1.0),
    ("luong", "general", "float32", 1.0),
    ("luong", "general", "bfloat16", 1.0),
    ("luong", "additive", "bfloat16", 1.0),
    ("bahdanau", "additive", "bfloat16", 1.0),  # attention-char-en-fr's settings now
    ("luong", "general", "bfloat16", 0.5),  # half its inputs its own predictions: step by step again
    ("bahdanau", "learned", "float32", 1.0),  # scores each source position from its own vector: the same every step
    ("bahdanau", "positional", "float32", 1.0),  # the notes' Dense across positions per channel: the same every step
]


class ValidationLoss(keras.callbacks.Callback):
    """Validation loss per real character after every epoch (the trainer's own masked loss)."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset, self.losses = dataset, []

    def on_epoch_end(self, epoch, logs=None):
        total = count = 0.0
        for (source, decoder_input), target in self.dataset:
            logits = self.model((source, decoder_input), training=False)
            mask = np.asarray(target) != 0
            losses = keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True).numpy()
            total, count = total + losses[mask].sum(), count + mask.sum()
        self.losses.append(round(float(total / count), 4))


def attention_orders(epochs: int) -> dict:
    """Bahdanau's order vs Luong's at attention-char-en-fr's size, same pairs, same seed, one after the other."""
    train = read_pairs(sources.fra_path(), split="train", direction="en-fr")
    validation = read_pairs(sources.fra_path(), split="validation", direction="en-fr")

    def sample(pairs, count):
        order = np.random.default_rng(0).permutation(len(pairs))
        fits = [i for i in order if len(pairs.sources[i]) <= 30 and len(pairs.targets[i]) <= 60][:count]
        return [pairs.sources[i] for i in fits], [pairs.targets[i] for i in fits]

    (train_src, train_tgt), (val_src, val_tgt) = sample(train, 3200), sample(validation, 800)
    source_vocab, target_vocab = CharVocab.build(train.sources), CharVocab.build(train.targets, with_start_end=True)

    def batches(sources_, targets_):
        return BucketBatches(
            [source_vocab.encode(s) for s in sources_],
            [target_vocab.encode(t, True) for t in targets_],
            BATCH,
            8,
            seed=0,
        )

    results = {}
    for order, score, precision, ratio in ATTENTION_VARIANTS:
        keras.utils.set_random_seed(0)
        with compute_precision(precision):
            model = RNNSeq2Seq(
                {
                    "source_vocab_size": source_vocab.size,
                    "target_vocab_size": target_vocab.size,
                    "latent_dim": LATENT,
                    "bidirectional": True,
                    "attention": score,
                    "attention_units": 128,
                    "attention_order": order,
                    "teacher_forcing_ratio": ratio,
                    "attention_positions": 30 if score == "positional" else 0,
                    "dropout": 0.3,
                }
            )
        model.compile(optimizer=keras.optimizers.Adam(0.002, clipnorm=1.0), loss=masked_loss)
        train_batches, val_batches = batches(train_src, train_tgt), batches(val_src, val_tgt)
        timer = EpochTimer()
        validation_loss = ValidationLoss(val_batches.dataset(shuffle=False).take(len(val_batches)))
        model.fit(
            train_batches.dataset(),
            steps_per_epoch=len(train_batches),
            epochs=epochs,
            callbacks=[timer, validation_loss],
            verbose=0,
        )
        label = f"{order} order, {score} score" + (", bfloat16" if precision == "bfloat16" else "")
        label += f", teacher forcing {ratio:g}" if ratio < 1 else ""
        results[label] = {
            "samples_per_s": round(len(train_src) / median(timer.times[1:]), 1),
            "epoch_seconds": [round(t, 1) for t in timer.times],
            "val_loss_per_char": validation_loss.losses,
        }
    baseline = results["bahdanau order, additive score"]
    for row in results.values():
        row["speed_up"] = round(row["samples_per_s"] / baseline["samples_per_s"], 2)
        row["val_loss_no_worse_every_epoch"] = all(
            ours <= theirs for ours, theirs in zip(row["val_loss_per_char"], baseline["val_loss_per_char"])
        )
    return {
        "pairs": {"train": len(train_src), "validation": len(val_src), "from": "protocol train / validation buckets"},
        "size": "bidirectional LSTM 256, attention units 128, dropout 0.3, Adam 0.002, batch 64",
        "epochs": epochs,
        "orders": results,
        "target": "Luong's order >= 2.5x Bahdanau's samples/s at equal or better validation loss per epoch",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="independent side-by-side runs; the median is reported")
    parser.add_argument("--attention", action="store_true", help="compare the attention orders instead")
    args = parser.parse_args()
    if args.attention:
        write_result("training-attention", attention_orders(args.epochs if args.epochs != 5 else 4))
        return
    pairs = read_pairs(sources.fra_path(), split="all", first_lines=10000)
    runs = [one_run(pairs, args.epochs) for _ in range(args.runs)]
    speed_ups = [run["speed_up"] for run in runs]
    speed_ups_xla = [run["speed_up_xla"] for run in runs]
    write_result(
        "training",
        {
            "pairs": {**runs[0]["pairs"], "from": "first 10,000 lines of fra.txt, reserved buckets left out"},
            "epochs": args.epochs,
            "runs": runs,
            "speed_ups": speed_ups,
            "median_speed_up": median(speed_ups),
            "speed_ups_xla": speed_ups_xla,
            "median_speed_up_xla": median(speed_ups_xla),
            "lower_loss_in_every_run": all(
                max(run["s2s_viz"]["val_loss_per_char"], run["s2s_viz_xla"]["val_loss_per_char"])
                <= run["keras_io_recipe"]["val_loss_per_char"]
                for run in runs
            ),
            "target": "median speed_up of the runs >= 2 at equal or lower val_loss_per_char",
        },
    )


if __name__ == "__main__":
    main()
