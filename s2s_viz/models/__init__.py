"""One concept per file; importing this package registers every layer with Keras (for safe-mode loading)."""

from __future__ import annotations

from collections.abc import Iterable


def require(checks: Iterable[tuple[bool, str]]) -> None:
    """A model's or a training's settings checked: the first failed check raises ``ValueError`` with its message,
    which names the allowed range. (Defined before the layers are imported: each of their configs uses it.)"""
    for ok, message in checks:
        if not ok:
            raise ValueError(message)


from .attention import SeqAttention
from .birnn import BiRNNClassifier
from .blank import BlankFiller
from .embedding import TokenEmbedding
from .mha import ScratchMultiHeadAttention
from .rnn_seq2seq import RNNSeq2Seq, RNNSeq2SeqConfig, masked_accuracy, masked_loss
from .transformer import DecoderBlock, EncoderBlock, PositionalEncoding, TransformerTranslator
from .vit import VisionTransformer

__all__ = [
    "require",
    "BiRNNClassifier",
    "BlankFiller",
    "VisionTransformer",
    "DecoderBlock",
    "EncoderBlock",
    "PositionalEncoding",
    "ScratchMultiHeadAttention",
    "TransformerTranslator",
    "RNNSeq2Seq",
    "RNNSeq2SeqConfig",
    "SeqAttention",
    "TokenEmbedding",
    "masked_accuracy",
    "masked_loss",
]
