"""The three translator kinds side by side: plain LSTM, attention LSTM, Transformer.

For each: parameters, training samples/s, greedy ms per sentence (median over 100 test-short sentences, one
at a time), sentences/s in batches, a 60-step decode (the same compiled step loop fed a 60-character
reference, i.e. the cost of a 60-character greedy translation), and chrF on test-short.

    s2s-viz bench translators                     # the shipped checkpoints (their cards give the training)
    s2s-viz bench translators --budget-s 300      # retrain each kind for the same time budget first
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np

import s2s_viz
from s2s_viz.bench import median, timed, write_result
from s2s_viz.data import read_test_short, sources
from s2s_viz.decoding import FORCED, StepDecoder
from s2s_viz.evaluation import evaluate_translator

SHIPPED = {
    "plain LSTM": "lstm-char-en-fr",
    "attention LSTM": "attention-char-en-fr",
    "Transformer": "transformer-char-en-fr",
}


def retrained(budget_s: float) -> dict:
    from s2s_viz.training import TranslatorTrainConfig, train_translator

    settings = {
        "plain LSTM": ("rnn_seq2seq", {"latent_dim": 256}),
        "attention LSTM": ("rnn_seq2seq", {"latent_dim": 256, "bidirectional": True, "attention": "additive"}),
        "Transformer": ("transformer", {"num_layers": 3, "d_model": 128, "d_ff": 512, "num_heads": 4}),
    }
    from s2s_viz import checkpoints

    folder = tempfile.mkdtemp(prefix="bench-translators-")
    paths = {}
    for kind, (architecture, model) in settings.items():
        config = TranslatorTrainConfig(
            name=f"bench-{architecture}-{len(paths)}",
            architecture=architecture,
            model=model,
            epochs=100,
            learning_rate=0.002 if architecture == "rnn_seq2seq" else 0.001,
            time_budget_s=budget_s,
            seed=1,
        )
        last = {}
        result = train_translator(
            config, folder, on_event=lambda event, last=last: last.update(event) if event["type"] == "batch" else None
        )
        # The budget usually ends mid-epoch, where training keeps the last whole epoch; a same-budget comparison
        # wants the weights at the budget, so the live model is saved as it stands.
        epochs = last["epoch"] - 1 + last["batch"] / last["steps_per_epoch"]
        seconds = last["elapsed_s"]
        training = {
            **result.card["training"],
            "epochs_completed": round(epochs, 2),
            "time_s": round(seconds, 1),
            "train_samples_per_s": round(epochs * last["steps_per_epoch"] * config.batch_size / seconds, 1),
        }
        paths[kind] = str(checkpoints.save(result.model, {**result.card, "training": training}, folder, config.name))
    return paths


def measure(translator, texts: list[str]) -> dict:
    translator.translate(texts[0])
    single = timed(lambda it=iter(texts[:100]): translator.translate(next(it)), 100)
    translator.translate_batch(texts[:600])
    batched = timed(lambda: translator.translate_batch(texts), 3)
    source = np.array([translator.prepare(texts[0])[0]], dtype=np.int32)
    reference = np.full((1, 60), translator.target_vocab.id_of("a"), dtype=np.int32)
    translator.decoder.run(source, 60, FORCED, reference_ids=reference)
    sixty = timed(lambda: translator.decoder.run(source, 60, FORCED, reference_ids=reference), 30)
    row = {
        "greedy_ms_per_sentence": round(1000 * median(single), 2),
        "batched_sentences_per_s": round(len(texts) / median(batched), 0),
        "decode_60_steps_ms": round(1000 * median(sixty), 2),
        "decoding": "XLA" if translator.decoder.xla else "graph loop",
    }
    if translator.decoder.xla:  # the baseline, same run: the same step under the plain tf.while_loop
        plain = StepDecoder(
            translator.model, translator.target_vocab.start_id, translator.target_vocab.end_id, xla=False
        )
        plain.run(source, 60, FORCED, reference_ids=reference)
        row["decode_60_steps_ms_graph_loop"] = round(
            1000 * median(timed(lambda: plain.run(source, 60, FORCED, reference_ids=reference), 30)), 2
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget-s", type=float, default=None, help="retrain each kind for this many seconds first")
    parser.add_argument("--sentences", type=int, default=2000)
    args = parser.parse_args()
    texts = read_test_short(sources.fra_path()).sources
    texts = (texts * 2)[: args.sentences]
    paths = retrained(args.budget_s) if args.budget_s else SHIPPED
    rows = {}
    for kind, name in paths.items():
        try:
            translator = s2s_viz.load(name)
        except s2s_viz.CheckpointError as error:
            rows[kind] = {"error": str(error)}
            continue
        training = translator.card.get("training", {})
        metrics = translator.card.get("metrics", {}) if not args.budget_s else evaluate_translator(translator)
        rows[kind] = {
            "model": translator.name,
            "parameters": int(translator.model.count_params()),
            "training_minutes": round(training.get("time_s", 0) / 60, 1),
            "epochs": training.get("epochs_completed"),
            "train_samples_per_s": training.get("train_samples_per_s"),
            **measure(translator, texts),
            "chrf_test_short": metrics.get("chrf"),
            "bleu_test_short": metrics.get("bleu"),
            "exact_match_test_short": metrics.get("exact_match"),
        }
    write_result(
        "translators" if not args.budget_s else f"translators-budget-{args.budget_s:.0f}s",
        {
            "mode": f"retrained, {args.budget_s:.0f} s each" if args.budget_s else "shipped checkpoints",
            "kinds": rows,
            "targets": {"Transformer decode_60_steps_ms": "<= 20"},
        },
        command="translators",
    )


if __name__ == "__main__":
    main()
