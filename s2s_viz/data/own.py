"""Your own sentence pairs: a file in the Tatoeba/Anki layout (``source<TAB>target[<TAB>attribution]``, the layout
of every ``xxx-eng`` file of manythings.org), any pair of languages and scripts, checked before anything trains on
it.

The file is read as a stream of bounded lines (``MAX_LINE_BYTES``; a longer line is counted bad and skipped without
being held), within ``MAX_BYTES`` in all; every bad line is counted, the first few named. Pairs are split by the
protocol's rule on the first column (``docs/evaluation.md``: the reserved buckets are never read), whichever way
the pair is read; the vocabularies are what training builds from the training split.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .pairs import MAX_REPORTED_BAD_LINES, BadLine, DataError, _parse_line, bad_lines_report, split_of
from .vocab import split_words

MAX_BYTES = 10 * 2**20
MAX_LINE_BYTES = 2000
COLUMNS = {"1 → 2": "en-fr", "2 → 1": "fr-en"}  # read column 1 as the source, or column 2


@dataclass
class OwnPairs:
    """What a file of pairs holds, as training will read it."""

    path: str
    direction: str
    lines: int = 0
    pairs: int = 0
    bad_line_count: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)
    splits: Counter = field(default_factory=Counter)
    source_characters: Counter = field(default_factory=Counter)
    target_characters: Counter = field(default_factory=Counter)
    source_words: set = field(default_factory=set)  # what a word-level model's vocabularies would hold
    target_words: set = field(default_factory=set)
    longest_source: int = 0
    longest_target: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)

    def bad(self, line_number: int, reason: str) -> None:
        self.bad_line_count += 1
        if len(self.bad_lines) < MAX_REPORTED_BAD_LINES:
            self.bad_lines.append(BadLine(line_number, reason))

    def bad_report(self) -> str:
        return bad_lines_report(self.bad_line_count, self.bad_lines, "bad")


def check_pairs_file(path: str | Path, columns: str = "1 → 2") -> OwnPairs:
    """Read ``path`` once, as training would: pairs per split, bad lines, each side's characters. ``DataError`` with
    a sentence for a file that cannot be trained on."""
    if columns not in COLUMNS:
        raise DataError(f"choose which column is the source: {' or '.join(COLUMNS)}")
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise DataError("the file could not be read: upload it again") from None
    if size > MAX_BYTES:
        raise DataError(f"the file is {size / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")
    found = OwnPairs(str(path), COLUMNS[columns])
    with path.open("rb") as handle:
        head = handle.read(8192)
        if not head.strip():
            raise DataError("the file is empty")
        if b"\x00" in head:
            raise DataError("this is a binary file, not text: save the pairs as UTF-8 text, one pair a line")
        if b"\r" in head and b"\n" not in head:
            raise DataError(
                "its lines end with a carriage return alone (an old Mac layout): save it with LF or CRLF line endings"
            )
        handle.seek(0)
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # the rest of the line, never held whole
                    raw = handle.readline(1 << 16)
                found.bad(number, f"longer than {MAX_LINE_BYTES:,} bytes")
                continue
            if not raw.strip():
                continue
            parsed = _parse_line(raw)
            if isinstance(parsed, str):
                found.bad(number, parsed)
                continue
            first, second = parsed
            split = split_of(first)
            found.splits[split] += 1
            if split != "train":
                continue
            source, target = (first, second) if found.direction == "en-fr" else (second, first)
            found.pairs += 1
            found.source_characters.update(source)
            found.target_characters.update(target)
            found.source_words.update(split_words(source))
            found.target_words.update(split_words(target))
            found.longest_source = max(found.longest_source, len(source))
            found.longest_target = max(found.longest_target, len(target))
            if len(found.examples) < 5:
                found.examples.append((source, target))
        found.lines = number
    if not found.pairs:
        raise DataError(_why_nothing(found))
    return found


def _why_nothing(found: OwnPairs) -> str:
    reasons = {bad.reason.split(" (")[0] for bad in found.bad_lines}
    if reasons == {"not UTF-8"}:
        return "the file is not UTF-8 text: save it as UTF-8 (in most editors: Save as, encoding UTF-8)"
    if reasons and all(reason.startswith("1 column") for reason in reasons):
        return "no line has a tab: each line must be `source<TAB>target`, with an optional third column"
    if not found.bad_line_count and sum(found.splits.values()):
        return "every pair of this file falls in the held-out splits: it needs more pairs to train on"
    return f"no usable pairs: {found.bad_report()}"
