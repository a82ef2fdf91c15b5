"""The data layer: parsing, normalisation, the protocol's splits, vocabularies and both encodings."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import fra_file, needs_fra

from s2s_viz.data import CharVocab, DataError, WordVocab, decoder_arrays, read_pairs, toy
from s2s_viz.data.pairs import RESERVED_BUCKETS, bucket_of, normalize, read_test_short


def write(tmp_path, content: bytes, name="pairs.txt"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_malformed_lines_are_reported_by_number(tmp_path):
    content = b"Go.\tVa !\nno tab here\nHi.\tSalut !\tCC-BY attribution\n\xff\xfe bad\ta\nRun!\t\n"
    pairs = read_pairs(write(tmp_path, content), split="all")
    assert pairs.bad_line_count == 3
    assert [b.line_number for b in pairs.bad_lines] == [2, 4, 5]
    assert "line 2" in pairs.report() and "not UTF-8" in pairs.report()


def test_bom_crlf_and_special_spaces_are_tolerated(tmp_path):
    content = "\ufeffI am cold.\tJ'ai froid\u202f!\r\nHi.\u00a0\tSalut\u2009!\r\n".encode()
    pairs = read_pairs(write(tmp_path, content), split="all")
    assert pairs.bad_line_count == 0
    assert "I am cold." in pairs.sources and "Hi." in pairs.sources
    assert "J'ai froid !" in pairs.targets


def test_a_file_with_nothing_usable_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no usable pairs.*line 1"):
        read_pairs(write(tmp_path, b"\x00\x01\x02binary\nonly one column\n"), split="all")


def test_normalisation_follows_the_protocol():
    assert normalize("  e\u0301te\u0301\u00a0!\u200b ") == "été !"


def test_reserved_buckets_are_never_loaded(tmp_path):
    lines = [f"sentence number {i}.\tphrase {i}." for i in range(400)]
    path = write(tmp_path, "\n".join(lines).encode())
    loaded = read_pairs(path, split="all")
    assert loaded.sources and all(bucket_of(s) not in RESERVED_BUCKETS for s in loaded.sources)
    reserved = [line.split("\t")[0] for line in lines if bucket_of(line.split("\t")[0]) in RESERVED_BUCKETS]
    assert reserved and len(loaded) == 400 - len(reserved)
    with pytest.raises(DataError, match="reserved"):
        read_pairs(path, split="reserved")


def test_direction_swaps_source_and_target(tmp_path):
    path = write(tmp_path, b"Hello.\tBonjour.\n")
    assert read_pairs(path, direction="fr-en", split="all").sources == ["Bonjour."]


def test_decoder_target_is_input_shifted_one_step():
    vocab = CharVocab.build(["Va !", "Salut !"], with_start_end=True)
    decoder_input, decoder_target = decoder_arrays(vocab, ["Va !", "Salut !"])
    assert vocab.decode(decoder_input[0], stop_at_end=False) == "Va !\n"
    assert decoder_input[0, 0] == vocab.start_id
    np.testing.assert_array_equal(decoder_target[:, :-1], decoder_input[:, 1:])
    assert (decoder_target[:, -1] == 0).all()


def test_one_hot_pads_with_the_one_hot_of_space():
    vocab = CharVocab.build(["ab", "abc"])
    one_hot = vocab.one_hot(["ab"], max_len=4)
    space = vocab.tokens.index(" ")
    assert one_hot.shape == (1, 4, len(vocab.tokens))
    assert one_hot[0, 2, space] == 1 and one_hot[0, 3, space] == 1
    assert one_hot.sum(axis=-1).tolist() == [[1, 1, 1, 1]]


@needs_fra
def test_real_sample_shift_and_padding():
    pairs = read_pairs(fra_file(), split="train", first_lines=2000)
    vocab = CharVocab.build(pairs.targets, with_start_end=True)
    one_hot_input = vocab.one_hot(pairs.targets, add_start_end=True)
    decoder_input, decoder_target = decoder_arrays(vocab, pairs.targets)
    np.testing.assert_array_equal(decoder_target[:, :-1], decoder_input[:, 1:])
    lengths = (decoder_input != 0).sum(axis=1)
    space = vocab.tokens.index(" ")
    row = int(np.argmin(lengths))
    assert (one_hot_input[row, lengths[row] :, space] == 1).all()
    assert vocab.has_start_end and vocab.start_id != vocab.end_id


@needs_fra
def test_test_short_matches_the_protocol_counts():
    test = read_test_short(fra_file())
    assert len(test.sources) == 3190
    assert sum(len(r) for r in test.references) == 4811


def test_unknown_characters_are_found_with_positions():
    vocab = CharVocab.build(["abc"])
    unknown = vocab.find_unknown("a€b✓")
    assert [(u.token, u.position) for u in unknown] == [("€", 1), ("✓", 3)]
    assert vocab.encode("a€b") == vocab.encode("ab")


def test_word_vocabulary_maps_rare_words_to_unknown():
    vocab = WordVocab.build(["the cat sat.", "the dog sat."], with_start_end=True, max_size=3)
    ids = vocab.encode("the zebra sat.")
    assert vocab.token(ids[1]) == WordVocab.UNKNOWN
    assert vocab.decode(vocab.encode("the cat sat.", add_start_end=True)) in ("the cat sat.", "the <unk> sat.")


def test_word_vocabulary_learns_each_languages_spacing_and_keeps_it():
    from s2s_viz.data.vocab import vocab_from_json

    french = ["Où est-ce ?", "Est-ce vrai ?", "Viens ici !", "C'est ça.", "Qu'est-ce que c'est ?"]
    english = ["Is it true?", "Come here!", "It's a well-known fact.", "Where is it?"]
    for texts in (french, english):
        vocab = vocab_from_json(WordVocab.build(texts).to_json())  # what a card stores and loads
        assert [vocab.join(vocab.split(text)) for text in texts] == texts
    # a vocabulary saved before spacing was learned writes English punctuation, as it always did
    old = vocab_from_json({"level": "word", "tokens": ["<unk>", "Viens", "ici", "!", "(", "oui", ")"]})
    assert old.join(["Viens", "ici", "!", "(", "oui", ")"]) == "Viens ici! (oui)"


def test_toy_tasks_are_reproducible_and_correct():
    dates = toy.make_pairs("dates", 50, seed=3)
    assert dates.sources == toy.make_pairs("dates", 50, seed=3).sources
    assert all(len(t) == 10 and t[4] == "-" for t in dates.targets)
    reverse = toy.make_pairs("reverse", 10)
    assert all(s[::-1] == t for s, t in zip(reverse.sources, reverse.targets))
    with pytest.raises(ValueError, match="unknown toy task"):
        toy.make_pairs("sort")


def test_toy_test_pairs_are_never_training_pairs():
    train = set(toy.make_pairs("dates", 5000, seed=1).targets)
    test = toy.make_pairs("dates", 300, seed=12345, split="test").targets
    assert test and not train & set(test)


def test_a_failed_download_leaves_no_file_and_no_folder_and_says_what_to_do(tmp_path, monkeypatch):
    from s2s_viz.data import sources

    monkeypatch.setenv("S2S_VIZ_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(sources, "MNIST_URL", (tmp_path / "nowhere" / "mnist.npz").as_uri())  # fails at once
    with pytest.raises(sources.DataUnavailable) as raised:
        sources.mnist_path()
    message = str(raised.value)
    assert "S2S_VIZ_DATA" in message and message.endswith("work without any download.")
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # no keras-home/datasets left behind


def test_a_checkout_finds_the_data_beside_it_without_the_variable(monkeypatch):
    from s2s_viz.data import sources

    monkeypatch.delenv("S2S_VIZ_DATA", raising=False)
    beside = sources.BESIDE_CHECKOUT / "mnist" / "mnist.npz"
    assert beside in sources._candidates("mnist/mnist.npz", ["mnist.npz"])
    if beside.is_file():
        assert sources.mnist_here() and sources.mnist_path() == beside


def test_the_shipped_test_digits_are_mnists_first_thirty():
    from s2s_viz.data.digits import SAMPLE_DIGITS, load_mnist
    from s2s_viz.data.sources import mnist_here

    with np.load(SAMPLE_DIGITS) as shipped:
        images, labels = shipped["x_test"], shipped["y_test"]
    assert images.shape == (30, 28, 28) and images.dtype == np.uint8 and SAMPLE_DIGITS.stat().st_size < 8_000
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    if mnist_here():
        mnist = load_mnist()
        np.testing.assert_array_equal(images, mnist["x_test"][:30])
        np.testing.assert_array_equal(labels, mnist["y_test"][:30])


def test_without_mnist_the_test_digits_are_the_shipped_ones(tmp_path, monkeypatch):
    from s2s_viz.data.digits import test_digits

    monkeypatch.setenv("S2S_VIZ_DATA", str(tmp_path))  # a data folder without MNIST
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    images, labels, whole = test_digits()
    assert not whole and len(images) == len(labels) == 30 and labels[0] == 7
