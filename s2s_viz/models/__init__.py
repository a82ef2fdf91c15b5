"""One concept per file; importing this package registers every layer with Keras (for safe-mode loading)."""

from .attention import SeqAttention
from .rnn_seq2seq import RNNSeq2Seq, RNNSeq2SeqConfig, TokenEmbedding, masked_accuracy, masked_loss

__all__ = ["RNNSeq2Seq", "RNNSeq2SeqConfig", "SeqAttention", "TokenEmbedding", "masked_accuracy", "masked_loss"]
