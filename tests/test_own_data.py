"""Your own sentence pairs: a Tatoeba-layout file of another pair read, split and described; every bad file
answered with its own sentence."""

from __future__ import annotations

import tracemalloc

import pytest
from helpers import another_pair_file, fra_file

from s2s_viz.data.own import MAX_LINE_BYTES, check_pairs_file
from s2s_viz.data.pairs import DataError, split_of


@pytest.mark.skipif(fra_file() is None, reason="needs fra.txt (S2S_VIZ_DATA)")
def test_a_five_megabyte_file_of_another_pair_is_read_in_bounded_memory(tmp_path):
    path = another_pair_file(tmp_path / "fra-eng-swapped.txt", megabytes=5)
    tracemalloc.start()
    found = check_pairs_file(path, "1 → 2")  # French -> English
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 200 * 2**20
    assert found.pairs > 10_000 and found.bad_line_count == 0
    assert "é" in found.source_characters and found.splits["train"] == found.pairs
    assert set(found.splits) <= {"train", "validation", "test", "reserved"}
    first_source, first_target = found.examples[0]
    assert split_of(first_source) == "train"  # split on the first column, as the protocol splits
    backwards = check_pairs_file(path, "2 → 1")
    assert backwards.pairs == found.pairs and backwards.examples[0] == (first_target, first_source)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        ("Adiós.\tBye.\n¿Qué?\tWhat?\n".encode("latin-1"), "not UTF-8 text"),
        (b"just one column\nand another\n", "no line has a tab"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
        (b"a" * (10 * 2**20 - 1), r"line 1 \(longer than 2,000 bytes\)"),
        (b"Hola.\tHello.\rAdios.\tBye.\r", "carriage return alone"),
    ],
)
def test_every_bad_file_gets_its_own_sentence(tmp_path, content, said):
    path = tmp_path / "pairs.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=said):
        check_pairs_file(path)


def test_mixed_line_endings_and_bad_lines_are_read_and_counted(tmp_path):
    good = [f"Sentence number {i}.\tPhrase numéro {i}.\tCC-BY" for i in range(300)]
    path = tmp_path / "mixed.txt"
    body = "\r\n".join(good[:150]) + "\r\n" + "\n".join(good[150:]) + "\n"
    path.write_bytes(body.encode() + b"no tab here\n" + b"x" * (MAX_LINE_BYTES + 5) + b"\n" + b"\xff\xfe\tbad\n")
    found = check_pairs_file(path)
    assert found.pairs == found.splits["train"] and sum(found.splits.values()) == 300
    assert found.bad_line_count == 3 and "\r" not in found.target_characters
    assert [bad.line_number for bad in found.bad_lines] == [301, 302, 303]
    with pytest.raises(DataError, match="choose which column is the source"):
        check_pairs_file(path, "3 → 1")
    with pytest.raises(DataError, match="the limit is 10 MB"):
        (tmp_path / "big.txt").write_bytes(b"a\tb\n" * (3 * 2**20))
        check_pairs_file(tmp_path / "big.txt")
