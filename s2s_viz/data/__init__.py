"""Where data comes from and how it becomes tensors."""

from .pairs import DataError, PairSet, read_pairs, read_test_short
from .sources import DataUnavailable, fra_path, mnist_path
from .vocab import END, START, CharVocab, WordVocab, decoder_arrays

__all__ = [
    "END",
    "START",
    "CharVocab",
    "DataError",
    "DataUnavailable",
    "PairSet",
    "WordVocab",
    "decoder_arrays",
    "fra_path",
    "mnist_path",
    "read_pairs",
    "read_test_short",
]
