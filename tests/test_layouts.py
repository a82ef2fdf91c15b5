"""The notes' data layout, computed on real vocabularies: the three one-hot tensors, the ids, a padded batch and
what each layout costs for a whole pairs file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import fra_file

from s2s_viz.data import layouts
from s2s_viz.data.pairs import bucket_of
from s2s_viz.data.vocab import CharVocab, WordVocab

SOURCE = CharVocab.build(["Go away!", "I am cold.", "Hi."])
TARGET = CharVocab.build(["Va-t'en !", "J'ai froid.", "Salut."], with_start_end=True)


def test_the_three_tensors_are_laid_out_as_the_notes_say():
    tensors = layouts.pair_tensors("Go away!", "Va-t'en !", SOURCE, TARGET, padding=3)
    encoder, decoder_input, decoder_target = (
        tensors[key] for key in ("encoder_input_data", "decoder_input_data", "decoder_target_data")
    )
    assert encoder.shape == (1, len("Go away!") + 3, len(SOURCE.tokens))
    assert decoder_input.shape == decoder_target.shape == (1, len("Va-t'en !") + 2 + 3, len(TARGET.tokens))
    assert (encoder.sum(-1) == 1).all() and (decoder_input.sum(-1) == 1).all()  # one 1 per time step
    space = SOURCE.tokens.index(" ")
    assert (encoder[0, -3:, space] == 1).all()  # the padding rows are the one-hot of the space
    start, end = TARGET.tokens.index("\t"), TARGET.tokens.index("\n")
    assert decoder_input[0, 0, start] == 1 and decoder_input[0, len("Va-t'en !") + 1, end] == 1
    assert not decoder_target[0, :, start].any() and decoder_target[0, len("Va-t'en !"), end] == 1
    assert np.array_equal(decoder_target[:, :-1], decoder_input[:, 1:]) and tensors["shifted"]
    # the ids say the same as the one-hot rows (id = column + 1; padding 0 where the one-hot is the space's)
    ids = tensors["decoder_input_ids"][0]
    assert [TARGET.token(int(i)) for i in ids[: len("Va-t'en !") + 2]] == ["\t", *"Va-t'en !", "\n"]
    assert (ids[-3:] == 0).all() and tensors["padding_rows"] == {"encoder": 3, "decoder": 3}
    assert tensors["decoder_target_rows"][: len("Va-t'en !") + 1] == [*"Va-t'en !", "\n"]


def test_a_batch_is_padded_to_its_longest_sentence_and_masked():
    ids, mask = layouts.padded_batch(["Hi.", "I am cold."], SOURCE)
    assert ids.shape == (2, len("I am cold.")) and mask.sum(1).tolist() == [3, 10]
    assert (ids[0, 3:] == 0).all() and not mask[0, 3:].any()


def test_the_whole_files_layouts_are_counted(tmp_path):
    lines = [("Go away!", "Va-t'en !"), ("I am cold.", "J'ai froid."), ("We won the big match.", "Nous avons gagné.")]
    kept = [(en, fr) for en, fr in lines if bucket_of(en) not in range(5, 10)]  # reserved pairs are never read
    path = tmp_path / "fra.txt"
    path.write_text("".join(f"{en}\t{fr}\tCC-BY\n" for en, fr in lines), encoding="utf-8")
    stats = layouts.corpus_layouts(str(path))
    sources, targets = [en for en, _ in kept], [fr for _, fr in kept]
    longest_source, longest_target = max(map(len, sources)), max(map(len, targets)) + 2
    source_size = len(CharVocab.build(sources).tokens) + 1
    target_size = len(CharVocab.build(targets, with_start_end=True).tokens) + 1
    assert stats["pairs"] == len(kept)
    assert stats["one_hot_bytes"] == len(kept) * (longest_source * source_size + 2 * longest_target * target_size) * 4
    assert stats["ids_bytes"] == len(kept) * (longest_source + 2 * longest_target) * 4
    assert stats["source_words"] == len(WordVocab.build(sources, max_size=10**7).tokens)


@pytest.mark.skipif(fra_file() is None, reason="needs fra.txt")
def test_the_readmes_figures_for_the_whole_file_are_what_it_counts():
    stats = layouts.corpus_layouts(str(fra_file()))
    shown = f"{stats['one_hot_bytes'] / 1024**3:,.1f} GiB one-hot against {stats['ids_bytes'] / 2**20:,.0f} MiB of ids"
    words = f"{stats['source_words']:,} source words against {stats['source_characters']} characters"
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert shown in readme and words in readme
