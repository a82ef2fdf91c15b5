"""One concept per file; importing this package registers every layer with Keras (for safe-mode loading)."""

from .attention import SeqAttention
from .mha import ScratchMultiHeadAttention
from .rnn_seq2seq import RNNSeq2Seq, RNNSeq2SeqConfig, TokenEmbedding, masked_accuracy, masked_loss
from .transformer import DecoderBlock, EncoderBlock, PositionalEncoding, TransformerTranslator

__all__ = [
    "DecoderBlock",
    "EncoderBlock",
    "PositionalEncoding",
    "ScratchMultiHeadAttention",
    "TransformerTranslator",
    "RNNSeq2Seq", "RNNSeq2SeqConfig", "SeqAttention", "TokenEmbedding", "masked_accuracy", "masked_loss"]
