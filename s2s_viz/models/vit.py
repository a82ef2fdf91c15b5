"""The Vision Transformer (Dosovitskiy et al. 2021) on 28x28 digits, as a subclassed ``keras.Model``.

An image becomes a sentence of patches: cut into ``P x P`` patches (P = 4 gives a 7x7 grid of 49 patches,
P = 7 a 4x4 grid of 16), each flattened and linearly projected to ``d_model``. A learned **class token**
``x0`` is put in front, a learned 1-D **position embedding** is added (the model is told nothing about 2-D
layout; it learns it, see ``explain.position_similarity``), and the sequence goes through Transformer
encoder blocks (``transformer.EncoderBlock``). An MLP head reads the class token's final vector, after a final
layer norm.

Layer norm's place: the paper (and the notes) normalise *before* each sub-layer (pre-LN, ``norm_first=True``:
``x + MSA(LN(x))``, ``x + MLP(LN(x))``), which leaves the residual stream un-normalised, hence the final layer norm
before the head. ``norm_first=False`` is the original Transformer's post-LN block (``LN(x + MSA(x))``), with which
the final norm is an extra the paper does not have.

Every layer is created in ``__init__``, one instance per block: nothing is reused by mistake.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from . import require
from .transformer import EncoderBlock


@dataclass
class ViTConfig:
    image_size: int = 28
    patch_size: int = 4
    d_model: int = 64
    num_heads: int = 4
    num_layers: int = 4
    d_ff: int = 128
    mlp_head_units: int = 128
    dropout: float = 0.1
    num_classes: int = 10
    norm_first: bool = False  # True: pre-LN blocks, the paper's order (False: the post-LN block of older checkpoints)

    def validate(self) -> None:
        checks = [
            (
                self.patch_size >= 1 and self.image_size % self.patch_size == 0,
                f"patch_size must divide {self.image_size} (4, 7 or 14 for 28x28), got {self.patch_size}",
            ),
            (
                8 <= self.d_model <= 1024 and self.d_model % self.num_heads == 0,
                "d_model must be in 8..1024 and divisible by num_heads",
            ),
            (1 <= self.num_layers <= 12, "num_layers must be in 1..12"),
            (1 <= self.num_heads <= 16, "num_heads must be in 1..16"),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
        ]
        require(checks)

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        return self.grid**2


@keras.saving.register_keras_serializable(package="s2s_viz")
class VisionTransformer(keras.Model):
    """Patches -> linear projection -> [x0; patches] + positions -> encoder blocks -> MLP head on x0."""

    def __init__(self, config: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.spec = ViTConfig(**(config or {}))
        self.spec.validate()
        spec = self.spec
        self.projection = keras.layers.Dense(spec.d_model, name="patch_projection")
        self.blocks = [
            EncoderBlock(
                spec.d_model, spec.num_heads, spec.d_ff, spec.dropout, "gelu", spec.norm_first, name=f"block_{i}"
            )
            for i in range(spec.num_layers)
        ]
        self.norm = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")
        self.head_hidden = keras.layers.Dense(spec.mlp_head_units, activation="gelu", name="head_hidden")
        self.head_output = keras.layers.Dense(spec.num_classes, name="head_output")
        self.dropout = keras.layers.Dropout(spec.dropout)
        self.build()

    def build(self, input_shape=None):
        if self.built:
            return
        spec = self.spec
        self.class_token = self.add_weight(
            shape=(1, 1, spec.d_model), initializer=keras.initializers.RandomNormal(stddev=0.02), name="class_token"
        )
        self.position_embedding = self.add_weight(
            shape=(spec.num_patches + 1, spec.d_model),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            name="position_embedding",
        )
        self.projection.build((None, None, spec.patch_size**2))
        for block in self.blocks:
            block.build((None, None, spec.d_model))
        self.norm.build((None, spec.d_model))
        self.head_hidden.build((None, spec.d_model))
        self.head_output.build((None, spec.mlp_head_units))
        self.built = True

    def patches(self, images):
        """``(B, 28, 28)`` -> ``(B, N, P*P)``: row-major patches, each flattened."""
        p, g = self.spec.patch_size, self.spec.grid
        x = ops.reshape(ops.cast(images, "float32"), (-1, g, p, g, p))  # (B, gy, py, gx, px)
        x = ops.transpose(x, (0, 1, 3, 2, 4))  # (B, gy, gx, py, px)
        return ops.reshape(x, (-1, g * g, p * p))  # (B, N, P*P)

    def encode(self, images, training=False):
        """Returns the final token vectors ``(B, N+1, d)`` and each block's attention ``(B, h, N+1, N+1)``."""
        x = self.projection(self.patches(images))  # (B, N, d)
        batch = ops.shape(x)[0]
        x0 = ops.broadcast_to(self.class_token, (batch, 1, self.spec.d_model))  # (B, 1, d)
        x = ops.concatenate([x0, x], axis=1) + self.position_embedding  # (B, N+1, d)
        x = self.dropout(x, training=training)
        attention = []
        for block in self.blocks:
            x, weights = block(x, training=training)
            attention.append(weights)
        return x, attention

    def call(self, images, training=False):
        x, _ = self.encode(images, training)
        x0 = self.norm(x[:, 0])  # (B, d): the class token
        return self.head_output(self.dropout(self.head_hidden(x0), training=training))

    def attention_maps(self, images) -> list:
        return self.encode(images)[1]

    def get_config(self):
        return {"config": asdict(self.spec), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
