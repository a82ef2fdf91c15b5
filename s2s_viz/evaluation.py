"""Quality figures as ``docs/evaluation.md`` fixes them: chrF and BLEU (sacrebleu, corpus level, default
settings), exact match against any reference, and the loss per real target character (teacher forced, padding
left out)."""

from __future__ import annotations

import numpy as np

from .data import pairs as pairs_module
from .data import sources
from .data.vocab import next_step_targets

LOSS_BATCH = 256
# source lengths in characters (test-short's sources have at most 30): does quality hold as sentences grow?
LENGTH_BUCKETS = ((1, 10), (11, 15), (16, 20), (21, 25), (26, 30))


def corpus_scores(hypotheses: list[str], references: list[list[str]]) -> dict:
    """chrF, BLEU and exact match of hypotheses against one or more references each."""
    import sacrebleu

    width = max(len(r) for r in references)
    streams = [[refs[i] if i < len(refs) else refs[0] for refs in references] for i in range(width)]
    chrf = sacrebleu.corpus_chrf(hypotheses, streams).score
    bleu = sacrebleu.corpus_bleu(hypotheses, streams).score
    exact = np.mean(
        [
            pairs_module.normalize(h) in {pairs_module.normalize(r) for r in refs}
            for h, refs in zip(hypotheses, references)
        ]
    )
    return {"chrf": round(chrf, 2), "bleu": round(bleu, 2), "exact_match": round(100 * float(exact), 2)}


def by_source_length(sources_text: list[str], hypotheses: list[str], references: list[list[str]]) -> list[dict]:
    """chrF and exact match of the sentences in each source-length bucket (``LENGTH_BUCKETS``, characters)."""
    rows = []
    for low, high in LENGTH_BUCKETS:
        chosen = [i for i, source in enumerate(sources_text) if low <= len(source) <= high]
        if not chosen:
            continue
        scores = corpus_scores([hypotheses[i] for i in chosen], [references[i] for i in chosen])
        rows.append(
            {
                "characters": f"{low}-{high}",
                "sentences": len(chosen),
                "chrf": scores["chrf"],
                "exact_match": scores["exact_match"],
            }
        )
    return rows


def loss_per_character(translator, sources_text: list[str], targets_text: list[str]) -> float:
    """Teacher-forced cross-entropy averaged over real target characters (end symbol included, padding not)."""
    import keras

    total, count = 0.0, 0
    for start in range(0, len(sources_text), LOSS_BATCH):
        source = translator.source_vocab.encode_batch(sources_text[start : start + LOSS_BATCH])
        source = source[:, : translator.max_source_length]
        decoder_input = translator.target_vocab.encode_batch(
            targets_text[start : start + LOSS_BATCH], add_start_end=True
        )
        decoder_target = next_step_targets(decoder_input)
        logits = translator.model((source, decoder_input), training=False)
        losses = keras.losses.sparse_categorical_crossentropy(decoder_target, logits, from_logits=True).numpy()
        mask = decoder_target != 0
        total += float(losses[mask].sum())
        count += int(mask.sum())
    return total / max(count, 1)


def evaluate_translator(translator, limit: int | None = None, data_path=None, strategy: str = "greedy") -> dict:
    """Scores on the protocol's test-short split (or, for a toy-task model, 1,000 generated pairs)."""
    direction = translator.card.get("direction", "en-fr")
    if str(direction).startswith("toy:"):
        from .data import toy

        generated = toy.make_pairs(direction.split(":", 1)[1], 1000, seed=12345, split="test")
        sources_text, references = generated.sources, [[t] for t in generated.targets]
        split = "1,000 generated held-out pairs (seed 12345; no target seen in training)"
        sha = None
    else:
        path = sources.fra_path(data_path)
        test = pairs_module.read_test_short(path, direction=direction)
        sources_text, references = test.sources, test.references
        split = "test-short"
        sha = pairs_module.file_sha256(path)[:12]
    if limit is not None:
        sources_text, references = sources_text[:limit], references[:limit]
    if strategy == "greedy":
        hypotheses = translator.translate_batch(sources_text)
    else:
        hypotheses = [translator.translate(s, strategy=strategy).text if s.strip() else "" for s in sources_text]
    scores = corpus_scores(hypotheses, references)
    if split == "test-short" and limit is None:
        scores["by_source_length"] = by_source_length(sources_text, hypotheses, references)
    scores["loss_per_char"] = round(loss_per_character(translator, sources_text, [r[0] for r in references]), 4)
    scores.update(split=split, sentences=len(sources_text), decoding=strategy, data_sha256_prefix=sha)
    return scores


SLICE = 200


def card_metrics(translator) -> dict:
    """What a card records: the full test-split figures, and the same on its first 200 sentences, which a test
    recomputes to check that the card still matches its weights (``tests/test_shipped.py``)."""
    metrics = evaluate_translator(translator)
    small = evaluate_translator(translator, limit=SLICE)
    metrics[f"slice_{SLICE}"] = {key: small[key] for key in ("chrf", "bleu", "exact_match", "loss_per_char")}
    return metrics


def evaluate_digits(model) -> dict:
    """Accuracy of a Keras digit model on MNIST's 10,000 test images, and on the first 1,000 (the card's slice)."""
    import keras

    from .data.digits import load_mnist

    mnist = load_mnist()
    predictions = []
    for start in range(0, len(mnist["x_test"]), 500):
        logits = keras.ops.convert_to_numpy(model(mnist["x_test"][start : start + 500] / 255.0, training=False))
        predictions.append(logits.argmax(axis=1))
    correct = np.concatenate(predictions) == mnist["y_test"]
    return {
        "test_accuracy": round(100 * float(correct.mean()), 2),
        "split": "x_test (10,000 images)",
        "slice_1000_accuracy": round(100 * float(correct[:1000].mean()), 2),
    }


SLICE_SENTENCES = 200  # a fill-in-the-blank card's quick figure: its first sentences, what tests re-check


def evaluate_blanks(model, vocab, limit: int | None = None) -> dict:
    """A fill-in-the-blank model on *test-short*'s English sentences, every character hidden in turn: top-1
    accuracy over all characters, over letters only, and over the first and last three characters (``limit``:
    the first sentences only)."""
    from .blanks import BLANK

    test = pairs_module.read_test_short(sources.fra_path(), "en-fr")
    sentences = [s for s in test.sources[:limit] if all(vocab.id_of(c) is not None for c in s)]
    rows, answers, places, first = [], [], [], []
    for index, sentence in enumerate(sentences):
        for i, char in enumerate(sentence):
            rows.append(sentence[:i] + BLANK + sentence[i + 1 :])
            answers.append(char)
            places.append("start" if i < 3 else "end" if i >= len(sentence) - 3 else "middle")
            first.append(index < SLICE_SENTENCES)
    from . import backend

    predict = backend.compile_function(lambda ids: model(ids, training=False), model)
    width = max((len(row) for row in rows), default=1)  # one padded width: one trace
    correct = []
    for start in range(0, len(rows), 2048):
        logits = np.array(backend.to_numpy(predict(vocab.encode_batch(rows[start : start + 2048], max_len=width))))
        logits[:, [0, vocab.id_of(BLANK)]] = -np.inf
        correct.extend(vocab.token(int(i)) for i in logits.argmax(axis=1))
    hit = np.array([guess == answer for guess, answer in zip(correct, answers)])
    letters = np.array([answer.isalpha() for answer in answers])
    places = np.array(places)
    return {
        "blank_accuracy": round(100 * float(hit.mean()), 2),
        "letter_accuracy": round(100 * float(hit[letters].mean()), 2),
        "start_accuracy": round(100 * float(hit[places == "start"].mean()), 2),
        "end_accuracy": round(100 * float(hit[places == "end"].mean()), 2),
        f"slice_{SLICE_SENTENCES}_accuracy": round(100 * float(hit[np.array(first)].mean()), 2),
        "split": f"test-short English sentences ({len(sentences)}), each character hidden in turn ({len(rows)})",
    }
