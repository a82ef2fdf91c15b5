"""Decoding speed of a plain LSTM translator: the keras-io per-step ``predict`` loop vs our compiled loop.

The keras-io example decodes with one ``decoder_model.predict`` call per character. We rebuild exactly that
loop on the same weights (functional encoder and decoder models over the trained layers) and time it in the
same run as our single-graph greedy loop (one sentence) and batched greedy decoding. Medians are reported.

Then, for every shipped translator (``per_model``): greedy and beam search of width 4 per sentence (the whole beam
search compiled, and the same search with its bookkeeping in Python around the compiled step), whether the two
beam searches write the same translations, and batched greedy decoding at batch 512 in sentences per second: as
``translate_batch`` does it (the rows that ended dropped every 8 steps, ``StepDecoder.run_tokens``) and, as the
baseline in the same run, one loop over the whole batch until its longest row ends; both write the same tokens.

    s2s-viz bench decoding [--model lstm-char-en-fr] [--sentences 2000] [--beam-sentences 30]
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

import s2s_viz
from s2s_viz.bench import median, timed, write_result
from s2s_viz.data import read_test_short, sources, toy
from s2s_viz.decoding import TOKENS


def keras_io_models(model):
    """The example's inference models: encoder ids -> states; (token, states) -> (probs, states)."""
    source = keras.Input((None,), dtype="int32")
    _, *states = model.encoder_layers[0](model.source_embedding(source), mask=keras.ops.not_equal(source, 0))
    encoder = keras.Model(source, states)
    token = keras.Input((1,), dtype="int32")
    state_inputs = [keras.Input((model.spec.latent_dim,)) for _ in states]
    outputs, *new_states = model.decoder_layers[0](model.target_embedding(token), initial_state=state_inputs)
    probs = keras.ops.softmax(model.output_logits(outputs))
    decoder = keras.Model([token, *state_inputs], [probs, *new_states])
    return encoder, decoder


def predict_loop(translator, encoder, decoder, text: str) -> str:
    ids = np.array([translator.prepare(text)[0]], dtype=np.int32)
    if translator.model.spec.reverse_source:  # the model was trained reading each source last character first
        real = ids[0][ids[0] != 0]
        ids = np.array([[*real[::-1], *ids[0][len(real) :]]], dtype=np.int32)
    states = encoder.predict(ids, verbose=0)
    token = np.array([[translator.target_vocab.start_id]], dtype=np.int32)
    out = []
    for _ in range(translator.max_steps):
        probs, *states = decoder.predict([token, *states], verbose=0)
        chosen = int(np.argmax(probs[0, -1, 2:]) + 2)  # never padding or the start symbol
        if chosen == translator.target_vocab.end_id:
            break
        out.append(chosen)
        token = np.array([[chosen]], dtype=np.int32)
    return translator.target_vocab.decode(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="lstm-char-en-fr")
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--predict-sentences", type=int, default=5)
    parser.add_argument("--beam-sentences", type=int, default=30)
    args = parser.parse_args()
    translator = s2s_viz.load(args.model)
    model = translator.model
    if (
        translator.card.get("architecture") != "rnn_seq2seq"
        or model.spec.num_layers != 1
        or model.spec.attention != "none"
        or model.spec.bidirectional
    ):
        raise SystemExit("the predict-loop baseline needs a plain one-layer RNN model")
    try:
        texts = read_test_short(sources.fra_path()).sources
    except Exception:
        texts = toy.make_pairs("copy", args.sentences).sources
    texts = (texts * (args.sentences // len(texts) + 1))[: args.sentences]

    encoder, decoder = keras_io_models(model)
    predict_outputs = [predict_loop(translator, encoder, decoder, t) for t in texts[:1]]  # warm-up
    predict_times = timed(
        lambda it=iter(texts[: args.predict_sentences]): predict_outputs.append(
            predict_loop(translator, encoder, decoder, next(it))
        ),
        args.predict_sentences,
    )
    predict_steps = [len(translator.translate(t).steps) for t in texts[: args.predict_sentences]]

    translator.translate(texts[0])  # trace once
    sample = texts[:100]
    single_times = timed(lambda it=iter(sample): translator.translate(next(it)), len(sample))
    checked = texts[:20]
    agree = sum(predict_loop(translator, encoder, decoder, t) == translator.translate(t).text for t in checked)

    translator.translate_batch(texts[:600])  # trace the batch shapes once
    batch_times = timed(lambda: translator.translate_batch(texts), 3)
    result = {
        "model": args.model,
        "parameters": int(model.count_params()),
        "predict_loop_ms_per_sentence": round(1000 * median(predict_times), 1),
        "predict_loop_ms_per_step": round(1000 * sum(predict_times) / sum(predict_steps), 2),
        "compiled_greedy_ms_per_sentence": round(1000 * median(single_times), 2),
        "speed_up": round(median(predict_times) / median(single_times), 1),
        "batched_sentences_per_s": round(len(texts) / median(batch_times), 0),
        "batched_ms_per_sentence": round(1000 * median(batch_times) / len(texts), 3),
        "same_output_as_predict_loop": f"{agree}/{len(checked)}",
        "sentences": {"predict_loop": args.predict_sentences, "single": len(sample), "batched": len(texts)},
        "targets": {"compiled_greedy_ms_per_sentence": "<= 5", "batched_sentences_per_s": ">= 2000"},
        "per_model": {name: per_model(name, args.beam_sentences) for name in shipped_translators()},
        "per_model_targets": {
            "beam_over_greedy (width 4)": "<= 3",
            "batched_sentences_per_s at batch 512": "attention >= 1500, transformer >= 1000",
        },
    }
    write_result("decoding", result)


def shipped_translators() -> list[str]:
    return [
        info.name for info in s2s_viz.list_models(kind="translator") if info.origin == "shipped" and not info.broken
    ]


def per_model(name: str, count: int) -> dict:
    """Greedy vs beam search (compiled and step by step) per sentence, and batched greedy decoding."""
    translator = s2s_viz.load(name)
    texts = _sentences(translator, max(count, 512))
    sources_ = [np.array([translator.prepare(text)[0]], dtype=np.int32) for text in texts[:count]]
    decoder, steps = translator.decoder, translator.max_steps
    runs = {
        "greedy": lambda source: decoder.run(source, steps),
        "beam": lambda source: decoder.beam(source, steps, 4),
        "beam_stepwise": lambda source: decoder.beam_stepwise(source, steps, 4),
    }
    times = {}
    for label, run in runs.items():
        for source in sources_[:3]:
            run(source)  # traces every shape once
        times[label] = timed(lambda it=iter(sources_), run=run: run(next(it)), len(sources_))
    same = sum(np.array_equal(decoder.beam(s, steps, 4)[0], decoder.beam_stepwise(s, steps, 4)[0]) for s in sources_)
    batch = texts[:512]
    translator.translate_batch(batch)  # traces the batch shape once
    batch_times = timed(lambda: translator.translate_batch(batch), 3)
    # the baseline, in the same run: the same batch through one loop that runs until its longest row ends
    prepared = sorted((translator.prepare(text)[0] for text in batch), key=len)
    source = np.zeros((len(prepared), max(map(len, prepared))), dtype=np.int32)
    for row, ids in enumerate(prepared):
        source[row, : len(ids)] = ids
    decoder.run(source, steps, TOKENS)
    one_loop_times = timed(lambda: decoder.run(source, steps, TOKENS), 3)
    return {
        "greedy_ms": round(1000 * median(times["greedy"]), 2),
        "beam4_ms": round(1000 * median(times["beam"]), 2),
        "beam4_stepwise_ms": round(1000 * median(times["beam_stepwise"]), 2),
        "beam_over_greedy": round(median(times["beam"]) / median(times["greedy"]), 2),
        "stepwise_beam_over_greedy": round(median(times["beam_stepwise"]) / median(times["greedy"]), 2),
        "same_beam_output": f"{same}/{len(sources_)}",
        "batched_sentences_per_s": round(len(batch) / median(batch_times), 0),
        "batched_one_loop_sentences_per_s": round(len(batch) / median(one_loop_times), 0),
        "same_batched_output": bool(
            np.array_equal(decoder.run(source, steps, TOKENS).tokens, decoder.run_tokens(source, steps).tokens)
        ),
    }


def _sentences(translator, count: int) -> list[str]:
    """Test sentences in the translator's source language (dates for the dates model)."""
    direction = translator.card.get("direction")
    if direction in ("en-fr", "fr-en"):
        try:
            pairs = read_test_short(sources.fra_path(), direction=direction)
            texts = list(pairs.sources)
        except Exception:
            texts = toy.make_pairs("copy", count).sources
    else:
        texts = toy.make_pairs(
            translator.card.get("data", {}).get("source", "toy:dates").removeprefix("toy:"), count
        ).sources
    return (texts * (count // len(texts) + 1))[:count]


if __name__ == "__main__":
    main()
