"""One concept per file; importing this package registers every layer with Keras (for safe-mode loading)."""

from .attention import SeqAttention
from .birnn import BiRNNClassifier
from .blank import BlankFiller
from .embedding import TokenEmbedding
from .mha import ScratchMultiHeadAttention
from .rnn_seq2seq import RNNSeq2Seq, RNNSeq2SeqConfig, masked_accuracy, masked_loss
from .transformer import DecoderBlock, EncoderBlock, PositionalEncoding, TransformerTranslator
from .vit import VisionTransformer

__all__ = [
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
