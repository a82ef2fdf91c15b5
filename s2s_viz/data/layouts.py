"""The data as the study notes lay it out, computed: the three one-hot tensors of a pair, the integer-id form the
models are really fed, a padded and masked batch, and what each layout costs for the whole of ``fra.txt``.

The notes' tensors (keras-io's ``lstm_seq2seq``) are ``[batch, max_length, vocabulary]`` one-hot arrays padded
with the one-hot of the space character; the decoder's input starts with ``\\t`` and its target is the same
sequence one step ahead (no ``\\t``, ends with ``\\n``): ``decoder_target_data[:, t, :] ==
decoder_input_data[:, t + 1, :]``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .vocab import END, PAD_ID, START, CharVocab, WordVocab

FLOAT32, INT32 = 4, 4  # bytes per number of each layout


def pair_tensors(source: str, target: str, source_vocab: CharVocab, target_vocab: CharVocab, padding: int = 3):
    """The notes' three tensors for one pair (batch of 1), padded ``padding`` positions past the text, with the
    tokens on each axis and the integer ids of the same data."""
    source_length = len(source_vocab.encode(source)) + padding
    target_length = len(target_vocab.encode(target, add_start_end=True)) + padding
    encoder_input = source_vocab.one_hot([source], source_length)
    # the notes pad the decoder's sequences with the space's one-hot too; its target is the input one step ahead
    decoder_input = target_vocab.one_hot([target], target_length, add_start_end=True)
    decoder_target = np.zeros_like(decoder_input)
    decoder_target[:, :-1] = decoder_input[:, 1:]
    decoder_target[:, -1] = target_vocab.one_hot([" "], 1)[0, 0]  # past the end: padding, as everywhere else
    encoder_ids = source_vocab.encode_batch([source], source_length)
    decoder_ids = target_vocab.encode_batch([target], target_length, add_start_end=True)
    target_ids = np.zeros_like(decoder_ids)
    target_ids[:, :-1] = decoder_ids[:, 1:]
    return {
        "encoder_input_data": encoder_input,
        "decoder_input_data": decoder_input,
        "decoder_target_data": decoder_target,
        "encoder_ids": encoder_ids,
        "decoder_input_ids": decoder_ids,
        "decoder_target_ids": target_ids,
        "source_rows": _row_tokens(source_vocab, encoder_ids[0]),
        "decoder_input_rows": _row_tokens(target_vocab, decoder_ids[0]),
        "decoder_target_rows": _row_tokens(target_vocab, target_ids[0]),
        "shifted": bool(np.array_equal(decoder_target[:, :-1], decoder_input[:, 1:])),
        "padding_rows": {
            "encoder": int(np.sum(encoder_ids[0] == PAD_ID)),
            "decoder": int(np.sum(decoder_ids[0] == PAD_ID)),
        },
    }


def _row_tokens(vocab: CharVocab, ids: np.ndarray) -> list[str]:
    """What each time step holds; padding is shown as the space it is one-hot encoded as, marked as padding."""
    return ["<pad>" if int(i) == PAD_ID else vocab.token(int(i)) for i in ids]


def padded_batch(texts: list[str], vocab: CharVocab, add_start_end: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids ``[batch, longest]`` padded with 0, and the mask the model computes from them (True = a token)."""
    ids = vocab.encode_batch(texts, add_start_end=add_start_end)
    return ids, ids != PAD_ID


@functools.lru_cache(maxsize=4)
def corpus_layouts(path: str, direction: str = "en-fr") -> dict:
    """What each layout costs for every pair of ``fra.txt`` (the training, validation and test splits together):
    one-hot float32 ``[pairs, max_length, vocabulary]`` for the encoder input, the decoder input and its target,
    against int32 ids ``[pairs, max_length]``; and why words are not one-hot encoded (vocabulary sizes and bytes
    per sentence at each level)."""
    from .pairs import read_pairs

    pairs = read_pairs(Path(path), split="all", direction=direction)
    sources, targets = pairs.sources, pairs.targets
    source_chars, target_chars = CharVocab.build(sources), CharVocab.build(targets, with_start_end=True)
    source_words = WordVocab.build(sources, max_size=10**7)
    source_length = max(len(source) for source in sources)
    target_length = max(len(target) for target in targets) + 2  # \t and \n
    count = len(sources)
    one_hot = count * (source_length * source_chars.size + 2 * target_length * target_chars.size) * FLOAT32
    ids = count * (source_length + 2 * target_length) * INT32
    chars_per_sentence = float(np.mean([len(source) for source in sources]))
    words_per_sentence = float(np.mean([len(source_words.split(source)) for source in sources]))
    return {
        "pairs": count,
        "max_source_length": source_length,
        "max_target_length_with_start_end": target_length,
        "source_characters": len(source_chars.tokens),
        "target_characters_with_start_end": len(target_chars.tokens),
        "one_hot_bytes": one_hot,
        "ids_bytes": ids,
        "source_words": len(source_words.tokens),
        "characters_per_sentence": round(chars_per_sentence, 1),
        "words_per_sentence": round(words_per_sentence, 1),
        "one_hot_bytes_per_sentence_chars": round(chars_per_sentence * source_chars.size * FLOAT32),
        "one_hot_bytes_per_sentence_words": round(words_per_sentence * source_words.size * FLOAT32),
        "start": START,
        "end": END,
    }
