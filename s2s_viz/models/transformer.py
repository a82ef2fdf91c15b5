"""The Transformer (Vaswani et al. 2017): attention, add & norm, feed-forward, N blocks, and a char translator.

No recurrence: every position reads every other through multi-head attention (``mha.py``), so order must be
given explicitly by **positional encodings** added to the embeddings, either the paper's fixed sinusoids
``PE(pos, 2i) = sin(pos / 10000^(2i/d_model))``, ``PE(pos, 2i+1) = cos(...)`` or learned vectors.

An **encoder block** is self-attention then a position-wise feed-forward network (dense, ReLU or GELU,
dense), each wrapped as ``LayerNorm(x + Dropout(Sublayer(x)))`` ("add & norm"). A **decoder block** has
three sublayers: *causal* self-attention (a position may not read later positions, which it must predict),
cross-attention to the encoder outputs, and the feed-forward network.

The paper's base model: N = 6 blocks, h = 8 heads, d_model = 512, d_k = d_v = d_model / h = 64, d_ff = 2048.
Our default is sized for a CPU: N = 2, h = 4, d_model = 128, d_ff = 512.

Decoding one step at a time re-uses the keys and values of the positions already written (a **KV cache**):
each step computes the query, key and value of the new position only, writes the key and value into a
preallocated cache, and attends over the filled part; cross-attention keys and values are computed once per
source sentence in ``encode``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
import numpy as np
from keras import ops

from . import require
from .embedding import TokenEmbedding
from .mha import ScratchMultiHeadAttention

# "Attention is all you need" (Vaswani et al. 2017), the base model: N blocks, h heads, d_model, d_ff, dropout
PAPER_BASE = {"num_layers": 6, "num_heads": 8, "d_model": 512, "d_ff": 2048, "dropout": 0.1}


@dataclass
class TransformerConfig:
    source_vocab_size: int
    target_vocab_size: int
    num_layers: int = 2
    num_heads: int = 4
    d_model: int = 128
    d_ff: int = 512
    dropout: float = 0.1
    activation: str = "relu"
    positional: str = "sinusoidal"  # or "learned"
    max_length: int = 64

    def validate(self) -> None:
        checks = [
            (1 <= self.num_layers <= 12, f"num_layers must be in 1..12, got {self.num_layers}"),
            (1 <= self.num_heads <= 32, f"num_heads must be in 1..32, got {self.num_heads}"),
            (8 <= self.d_model <= 2048, f"d_model must be in 8..2048, got {self.d_model}"),
            (
                self.d_model % self.num_heads == 0,
                f"d_model ({self.d_model}) must be divisible by num_heads ({self.num_heads})",
            ),
            (8 <= self.d_ff <= 8192, f"d_ff must be in 8..8192, got {self.d_ff}"),
            (0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.activation in ("relu", "gelu"), "activation must be relu or gelu"),
            (self.positional in ("sinusoidal", "learned"), "positional must be sinusoidal or learned"),
            (2 <= self.max_length <= 1024, "max_length must be in 2..1024"),
        ]
        require(checks)

    @property
    def key_dim(self) -> int:
        return self.d_model // self.num_heads


def sinusoidal_encoding(length: int, d_model: int) -> np.ndarray:
    """The paper's fixed positional encodings, ``(length, d_model)``."""
    positions = np.arange(length)[:, None]  # (L, 1)
    rates = 1.0 / np.power(10000.0, (2 * (np.arange(d_model) // 2)) / d_model)  # (d_model,)
    angles = positions * rates  # (L, d_model)
    encoding = np.zeros((length, d_model), dtype=np.float32)
    encoding[:, 0::2] = np.sin(angles[:, 0::2])
    encoding[:, 1::2] = np.cos(angles[:, 1::2])
    return encoding


@keras.saving.register_keras_serializable(package="s2s_viz")
class PositionalEncoding(keras.layers.Layer):
    """Adds position vectors to ``(B, T, d_model)``: fixed sinusoids or learned (one trainable vector per position)."""

    def __init__(self, max_length: int, d_model: int, kind: str = "sinusoidal", **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.d_model, self.kind = max_length, d_model, kind

    def build(self, input_shape=None):
        if self.kind == "learned":
            self.table = self.add_weight(
                shape=(self.max_length, self.d_model),
                initializer=keras.initializers.RandomNormal(stddev=0.02),
                name="table",
            )
        else:
            self.table = ops.convert_to_tensor(sinusoidal_encoding(self.max_length, self.d_model))
        self.built = True

    def call(self, x, positions=None):
        if positions is None:
            return x + self.table[: ops.shape(x)[1]]  # (B, T, d) + (T, d)
        return x + ops.take(self.table, positions, axis=0)  # positions (B, T)

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length, "d_model": self.d_model, "kind": self.kind}


@keras.saving.register_keras_serializable(package="s2s_viz")
class EncoderBlock(keras.layers.Layer):
    """Self-attention + add & norm, feed-forward + add & norm. Returns ``(x, attention (B, h, S, S))``.

    ``norm_first=False`` (post-LN, "Attention is all you need"): ``x = LN(x + sublayer(x))``. ``norm_first=True``
    (pre-LN, the ViT paper's and the notes' order): ``x = x + sublayer(LN(x))``; the residual stream itself is
    never normalised, so a final layer norm after the last block is part of the model.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.1,
        activation: str = "relu",
        norm_first: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.norm_first = norm_first
        self.d_model, self.num_heads, self.d_ff, self.dropout_rate, self.activation = (
            d_model,
            num_heads,
            d_ff,
            dropout,
            activation,
        )
        self.self_attention = ScratchMultiHeadAttention(num_heads, d_model // num_heads, dropout, name="self_attention")
        self.ffn_in = keras.layers.Dense(d_ff, activation=activation, name="ffn_in")
        self.ffn_out = keras.layers.Dense(d_model, name="ffn_out")
        self.norm_attention = keras.layers.LayerNormalization(epsilon=1e-6, name="norm_attention")
        self.norm_ffn = keras.layers.LayerNormalization(epsilon=1e-6, name="norm_ffn")
        self.dropout = keras.layers.Dropout(dropout)

    def build(self, input_shape):
        self.self_attention.build(input_shape, input_shape)
        self.ffn_in.build(input_shape)
        self.ffn_out.build((*input_shape[:-1], self.d_ff))
        self.norm_attention.build(input_shape)
        self.norm_ffn.build(input_shape)
        self.built = True

    def feed_forward(self, x, training=False):
        return self.ffn_out(self.dropout(self.ffn_in(x), training=training))

    def call(self, x, attention_mask=None, training=False):
        x, weights, _ = self.run(x, attention_mask, training)
        return x, weights

    def run(self, x, attention_mask=None, training=False):
        """The block, recording the residual stream: ``(x, attention, stages)``, where ``stages`` lists
        ``(name, (B, S, d_model))`` in order. Dropout (training only) sits on each sub-layer's output before it
        is added to the stream, and inside the feed-forward network after its first layer."""
        stages = [("block input", x)]
        if self.norm_first:  # pre-LN: normalise what each sub-layer reads, add its output to the raw stream
            normed = self.norm_attention(x)
            attended, weights = self.self_attention(normed, normed, attention_mask=attention_mask, training=training)
            x = x + self.dropout(attended, training=training)
            stages += [("layer norm", normed), ("multi-head attention", attended), ("add", x)]
            normed = self.norm_ffn(x)
            fed = self.feed_forward(normed, training)
            x = x + self.dropout(fed, training=training)
            stages += [("layer norm", normed), ("feed-forward", fed), ("add (block output)", x)]
            return x, weights, stages
        attended, weights = self.self_attention(x, x, attention_mask=attention_mask, training=training)
        added = x + self.dropout(attended, training=training)
        x = self.norm_attention(added)  # add & norm
        stages += [("multi-head attention", attended), ("add", added), ("layer norm", x)]
        fed = self.feed_forward(x, training)
        added = x + self.dropout(fed, training=training)
        x = self.norm_ffn(added)  # add & norm
        stages += [("feed-forward", fed), ("add", added), ("layer norm (block output)", x)]
        return x, weights, stages

    def get_config(self):
        return {
            **super().get_config(),
            "d_model": self.d_model,
            "num_heads": self.num_heads,
            "d_ff": self.d_ff,
            "dropout": self.dropout_rate,
            "activation": self.activation,
            "norm_first": self.norm_first,
        }


@keras.saving.register_keras_serializable(package="s2s_viz")
class DecoderBlock(EncoderBlock):
    """Causal self-attention, cross-attention and feed-forward, each with add & norm."""

    def __init__(
        self, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.1, activation: str = "relu", **kwargs
    ):
        super().__init__(d_model, num_heads, d_ff, dropout, activation, **kwargs)
        self.cross_attention = ScratchMultiHeadAttention(
            num_heads, d_model // num_heads, dropout, name="cross_attention"
        )
        self.norm_cross = keras.layers.LayerNormalization(epsilon=1e-6, name="norm_cross")

    def build(self, input_shape):
        super().build(input_shape)
        self.cross_attention.build(input_shape, input_shape)
        self.norm_cross.build(input_shape)
        self.built = True

    def call(self, x, memory, self_mask=None, cross_mask=None, training=False):
        attended, self_weights = self.self_attention(
            x, x, attention_mask=self_mask, use_causal_mask=True, training=training
        )
        x = self.norm_attention(x + self.dropout(attended, training=training))
        attended, cross_weights = self.cross_attention(x, memory, attention_mask=cross_mask, training=training)
        x = self.norm_cross(x + self.dropout(attended, training=training))
        x = self.norm_ffn(x + self.dropout(self.feed_forward(x, training), training=training))
        return x, self_weights, cross_weights

    def step(self, x, cache_keys, cache_values, position, memory_keys, memory_values, memory_mask):
        """One new position ``x`` ``(B, 1, d)`` with the cache of earlier ones ``(B, h, L, d_k)``.

        Returns ``(x, cache_keys, cache_values, cross_weights (B, h, 1, S))``.
        """
        attended, cache_keys, cache_values = self.self_attention.attend_step(x, cache_keys, cache_values, position)
        x = self.norm_attention(x + attended)
        attended, cross_weights = self.cross_attention.attend_memory(x, memory_keys, memory_values, memory_mask)
        x = self.norm_cross(x + attended)
        x = self.norm_ffn(x + self.feed_forward(x))
        return x, cache_keys, cache_values, cross_weights


@keras.saving.register_keras_serializable(package="s2s_viz")
class TransformerTranslator(keras.Model):
    """Character-level Transformer encoder-decoder with the same step interface as ``RNNSeq2Seq``.

    Call arguments: ``(source_ids, decoder_input_ids)``; returns logits ``(B, T, V)``.
    """

    has_attention_weights = True
    decode_with_xla = True  # s2s_viz.decoding compiles the step loop with XLA (fixed-shape buckets)

    def __init__(self, config: dict, **kwargs):
        super().__init__(**kwargs)
        self.spec = TransformerConfig(**config)
        self.spec.validate()
        spec = self.spec
        self.source_embedding = TokenEmbedding(spec.source_vocab_size, spec.d_model, name="source_embedding")
        self.target_embedding = TokenEmbedding(spec.target_vocab_size, spec.d_model, name="target_embedding")
        self.source_positions = PositionalEncoding(
            spec.max_length, spec.d_model, spec.positional, name="source_positions"
        )
        self.target_positions = PositionalEncoding(
            spec.max_length, spec.d_model, spec.positional, name="target_positions"
        )
        self.encoder_blocks = [
            EncoderBlock(spec.d_model, spec.num_heads, spec.d_ff, spec.dropout, spec.activation, name=f"encoder_{i}")
            for i in range(spec.num_layers)
        ]
        self.decoder_blocks = [
            DecoderBlock(spec.d_model, spec.num_heads, spec.d_ff, spec.dropout, spec.activation, name=f"decoder_{i}")
            for i in range(spec.num_layers)
        ]
        self.dropout = keras.layers.Dropout(spec.dropout)
        self.output_layer = keras.layers.Dense(spec.target_vocab_size, name="output")
        self.scale = float(np.sqrt(spec.d_model))
        self.build()

    def build(self, input_shape=None):
        if self.built:
            return
        shape = (None, None, self.spec.d_model)
        for layer in (self.source_embedding, self.target_embedding, self.source_positions, self.target_positions):
            layer.build()
        for block in [*self.encoder_blocks, *self.decoder_blocks]:
            block.build(shape)
        self.output_layer.build(shape)
        self.built = True

    @property
    def max_source_positions(self) -> int:
        return self.spec.max_length

    def _embed(self, ids, embedding, positions, training, position_ids=None):
        x = embedding(ids) * self.scale  # (B, T, d_model)
        return self.dropout(positions(x, position_ids), training=training)

    def encode_full(self, source_ids, training=False):
        source_mask = ops.not_equal(source_ids, 0)  # (B, S)
        x = self._embed(source_ids, self.source_embedding, self.source_positions, training)
        pair_mask = ops.expand_dims(source_mask, 1)  # (B, 1, S): every query may read real keys
        weights = []
        for block in self.encoder_blocks:
            x, attention = block(x, attention_mask=pair_mask, training=training)
            weights.append(attention)
        return x, source_mask, weights

    def decode_full(self, decoder_input_ids, memory, source_mask, training=False):
        x = self._embed(decoder_input_ids, self.target_embedding, self.target_positions, training)
        self_weights, cross_weights = [], []
        for block in self.decoder_blocks:
            x, self_attention, cross_attention = block(
                x, memory, cross_mask=ops.expand_dims(source_mask, 1), training=training
            )
            self_weights.append(self_attention)
            cross_weights.append(cross_attention)
        return self.output_layer(x), self_weights, cross_weights

    def call(self, inputs, training=False):
        source_ids, decoder_input_ids = inputs
        memory, source_mask, _ = self.encode_full(source_ids, training)
        return self.decode_full(decoder_input_ids, memory, source_mask, training)[0]

    def encoder_stages(self, source_ids, block: int) -> list:
        """The residual stream through encoder block ``block``: ``[(stage name, (B, S, d_model))]``."""
        source_mask = ops.not_equal(source_ids, 0)
        x = self._embed(source_ids, self.source_embedding, self.source_positions, False)
        pair_mask = ops.expand_dims(source_mask, 1)
        for index, encoder_block in enumerate(self.encoder_blocks):
            x, _, stages = encoder_block.run(x, attention_mask=pair_mask)
            if index == block:
                return stages
        raise ValueError(f"block must be in 0..{len(self.encoder_blocks) - 1}, got {block}")

    def attention_maps(self, source_ids, decoder_input_ids) -> dict:
        """Every attention of a teacher-forced pass: per layer ``(B, h, ., .)`` arrays."""
        memory, source_mask, encoder_self = self.encode_full(source_ids)
        _, decoder_self, cross = self.decode_full(decoder_input_ids, memory, source_mask)
        return {"encoder_self": encoder_self, "decoder_self": decoder_self, "cross": cross}

    # ---- the step interface (see s2s_viz.decoding) ---------------------------------------------------
    def encode(self, source_ids, training=False):
        memory, source_mask, _ = self.encode_full(source_ids, training)
        batch = ops.shape(source_ids)[0]
        keys, values = [], []
        for block in self.decoder_blocks:
            memory_keys, memory_values = block.cross_attention.project_keys_values(memory)  # (B, h, S, d_k) each
            keys.append(memory_keys)
            values.append(memory_values)
        empty = ops.zeros((batch, self.spec.num_heads, self.spec.max_length, self.spec.key_dim))
        states = {
            "position": ops.zeros((batch,), dtype="int32"),
            "keys": [empty for _ in self.decoder_blocks],
            "values": [empty for _ in self.decoder_blocks],
        }
        return {"outputs": memory, "mask": source_mask, "cross_keys": keys, "cross_values": values}, states

    def decode_step(self, token_ids, states, memory, training=False):
        position = states["position"]  # (B,)
        x = self._embed(
            ops.expand_dims(token_ids, 1),
            self.target_embedding,
            self.target_positions,
            False,
            ops.expand_dims(position, 1),
        )
        keys, values = [], []
        for index, block in enumerate(self.decoder_blocks):
            x, k, v, cross = block.step(
                x,
                states["keys"][index],
                states["values"][index],
                position,
                memory["cross_keys"][index],
                memory["cross_values"][index],
                memory["mask"],
            )
            keys.append(k)
            values.append(v)
        logits = self.output_layer(x[:, 0])  # (B, V)
        alpha = ops.mean(cross[:, :, 0], axis=1)  # (B, S): the last layer's cross-attention, mean over heads
        return logits, {"position": position + 1, "keys": keys, "values": values}, alpha

    def pad_memory(self, memory, width: int):
        """``memory`` from :meth:`encode` padded to ``width`` source positions, masked: batched decoding encodes a
        long batch in parts, each only as wide as its own longest source (``StepDecoder.run_tokens``), and joins
        them."""
        more = width - memory["mask"].shape[1]

        def pad(x, axis):
            return ops.pad(x, [[0, more] if i == axis else [0, 0] for i in range(len(x.shape))])

        return {
            "outputs": pad(memory["outputs"], 1),
            "mask": pad(memory["mask"], 1),
            "cross_keys": [pad(x, 2) for x in memory["cross_keys"]],
            "cross_values": [pad(x, 2) for x in memory["cross_values"]],
        }

    def fit_cache(self, states, length: int):
        """``states`` with each self-attention cache cut or padded (with zeros, which are never read) to ``length``
        positions. Each step reads its whole cache, masked past the positions written: batched decoding keeps it
        only as long as the steps to come need (``StepDecoder.run_tokens``); a full one at batch 512 is 110 MB read per
        step."""

        def fit(cache):
            have = cache.shape[2]
            if have >= length:
                return cache[:, :, :length]
            return ops.pad(cache, [[0, 0], [0, 0], [0, length - have], [0, 0]])

        return {
            "position": states["position"],
            "keys": [fit(cache) for cache in states["keys"]],
            "values": [fit(cache) for cache in states["values"]],
        }

    def get_config(self):
        return {"config": asdict(self.spec), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
