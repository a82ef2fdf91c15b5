"""Sentence pairs in the Tatoeba/Anki format, normalised and split as ``docs/evaluation.md`` says.

A line is ``english<TAB>french[<TAB>attribution]``. We read the file as bytes, one line at a time, so a file of
any size is streamed rather than read whole, a line that is not UTF-8 is reported rather than fatal, and a BOM
or CRLF line endings are tolerated. Every line that does not parse is counted and its number kept, so nothing
is ever dropped silently.

The split key of a pair is its English sentence, whatever the translation direction:
``bucket = crc32(english) % 100``; buckets 0-4 are *test*, 5-9 *reserved* (never loaded here), 10-99 train
and validation. We take buckets 10-11 as validation and 12-99 as train.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path

SPECIAL_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": " "}
_SPACE_TABLE = str.maketrans(SPECIAL_SPACES)

TEST_BUCKETS = range(0, 5)
RESERVED_BUCKETS = range(5, 10)
VALIDATION_BUCKETS = range(10, 12)
TRAIN_BUCKETS = range(12, 100)
SPLITS = {"test": TEST_BUCKETS, "validation": VALIDATION_BUCKETS, "train": TRAIN_BUCKETS}
SPLIT_RULE = (
    "bucket = crc32(normalised English) % 100; test 0-4, reserved 5-9 (never loaded), validation 10-11, train 12-99"
)
DIRECTIONS = ("en-fr", "fr-en")
MAX_REPORTED_BAD_LINES = 10


class DataError(ValueError):
    """A data file that cannot be used, with a message that names the file and the problem."""


def normalize(text: str) -> str:
    """Unicode NFC, the protocol's special spaces made plain, and stripped (docs/evaluation.md, normalising)."""
    return unicodedata.normalize("NFC", text).translate(_SPACE_TABLE).strip()


def bucket_of(english: str) -> int:
    """The protocol's split bucket of a pair, from its normalised English sentence."""
    return zlib.crc32(english.encode("utf-8")) % 100


def split_of(english: str) -> str:
    bucket = bucket_of(english)
    if bucket in RESERVED_BUCKETS:
        return "reserved"
    for name, buckets in SPLITS.items():
        if bucket in buckets:
            return name
    raise AssertionError(bucket)


@dataclass
class BadLine:
    line_number: int
    reason: str


@dataclass
class PairSet:
    """Source/target pairs in one direction, plus what could not be read."""

    sources: list[str]
    targets: list[str]
    direction: str = "en-fr"
    path: str | None = None
    bad_lines: list[BadLine] = field(default_factory=list)
    bad_line_count: int = 0
    lines_read: int = 0

    def __len__(self) -> int:
        return len(self.sources)

    def report(self) -> str:
        """One sentence about malformed lines, naming the first few by number."""
        return bad_lines_report(self.bad_line_count, self.bad_lines, "malformed")


def bad_lines_report(count: int, named: list[BadLine], word: str) -> str:
    """``count`` lines that could not be read, the first ``named`` by number and reason, in one sentence."""
    if not count:
        return f"no {word} lines"
    shown = ", ".join(f"line {b.line_number} ({b.reason})" for b in named)
    more = count - len(named)
    return f"{count} {word} line(s) skipped: {shown}" + (f" and {more} more" if more else "")


def _parse_line(raw: bytes) -> tuple[str, str] | str:
    """Return (english, french) or the reason the line is malformed."""
    if b"\x00" in raw:
        return "binary data (NUL byte)"
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 (byte {error.start})"
    line = line.rstrip("\r\n")
    columns = line.split("\t")
    if len(columns) not in (2, 3):
        return f"{len(columns)} column(s), expected 2 or 3 separated by tabs"
    english, french = normalize(columns[0]), normalize(columns[1])
    if not english or not french:
        return "empty sentence"
    return english, french


def read_pairs(
    path: str | Path,
    direction: str = "en-fr",
    split: str = "train",
    max_source_length: int | None = None,
    max_target_length: int | None = None,
    limit: int | None = None,
    first_lines: int | None = None,
) -> PairSet:
    """Read pairs of one split from a Tatoeba/Anki file.

    Args:
        path: the ``fra.txt``-style file.
        direction: ``"en-fr"`` (English source) or ``"fr-en"`` (French source).
        split: ``"train"``, ``"validation"``, ``"test"`` or ``"all"`` (every bucket except reserved).
            The reserved buckets cannot be asked for.
        max_source_length, max_target_length: keep pairs whose sides are at most this many characters.
        limit: stop after this many kept pairs.
        first_lines: read only the first N lines of the file (the keras-io recipe reads the first 10,000).
    """
    if direction not in DIRECTIONS:
        raise DataError(f"unknown direction {direction!r}; choose one of {', '.join(DIRECTIONS)}")
    if split not in (*SPLITS, "all"):
        raise DataError(f"unknown split {split!r}; choose train, validation, test or all (reserved is never loaded)")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such data file")
    wanted = None if split == "all" else SPLITS[split]
    pairs = PairSet([], [], direction=direction, path=str(path))
    usable = 0
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            if first_lines is not None and line_number > first_lines:
                break
            pairs.lines_read = line_number
            if line_number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            parsed = _parse_line(raw)
            if isinstance(parsed, str):
                pairs.bad_line_count += 1
                if len(pairs.bad_lines) < MAX_REPORTED_BAD_LINES:
                    pairs.bad_lines.append(BadLine(line_number, parsed))
                continue
            english, french = parsed
            usable += 1
            bucket = bucket_of(english)
            if bucket in RESERVED_BUCKETS or (wanted is not None and bucket not in wanted):
                continue
            source, target = (english, french) if direction == "en-fr" else (french, english)
            if max_source_length is not None and len(source) > max_source_length:
                continue
            if max_target_length is not None and len(target) > max_target_length:
                continue
            pairs.sources.append(source)
            pairs.targets.append(target)
            if limit is not None and len(pairs.sources) >= limit:
                break
    if not usable and pairs.bad_line_count:
        raise DataError(f"{path}: no usable pairs; {pairs.report()}")
    return pairs


@dataclass
class TestSet:
    """Distinct sources of a test split, each with all its references (docs/evaluation.md, test-short)."""

    sources: list[str]
    references: list[list[str]]


def read_test_short(path: str | Path, direction: str = "en-fr", max_english_length: int = 30) -> TestSet:
    """The protocol's *test-short* set: distinct English sentences of the test split of at most 30 characters.

    en->fr: each English sentence with every French translation as a reference (multi-reference).
    fr->en: each French sentence as a source with its English sentence as reference.
    """
    pairs = read_pairs(path, direction="en-fr", split="test")
    if direction == "en-fr":
        grouped: dict[str, list[str]] = {}
        for english, french in zip(pairs.sources, pairs.targets):
            if len(english) <= max_english_length:
                grouped.setdefault(english, []).append(french)
        return TestSet(list(grouped), list(grouped.values()))
    sources, references = [], []
    for english, french in zip(pairs.sources, pairs.targets):
        if len(english) <= max_english_length:
            sources.append(french)
            references.append([english])
    return TestSet(sources, references)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
