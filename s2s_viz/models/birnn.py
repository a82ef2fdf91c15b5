"""A bidirectional RNN that reads an MNIST digit row by row: 28 timesteps of 28 pixels.

One RNN reads the rows top to bottom (forward), another bottom to top (backward); ``keras.layers.Bidirectional``
runs both and merges their final outputs:

* ``concat``: side by side (128 + 128 units give 256 features),
* ``sum``, ``mul``, ``ave``: element-wise (both directions must then have the same size),
* ``None``: both returned apart; we concatenate them for the classifier.

The two directions may differ in kind and size (``backward_layer``): e.g. an LSTM forward and a GRU backward.
With ``bidirectional=False`` only the forward RNN reads: the baseline to compare against.

``hidden_states(images)`` runs each direction's cell step by step and returns its output at every row, in
row order, for the app's heatmaps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import ops

from . import require

MERGE_MODES = ("concat", "sum", "mul", "ave", "none")


@dataclass
class BiRNNConfig:
    cell: str = "lstm"
    units: int = 128
    backward_cell: str | None = None  # defaults to ``cell``
    backward_units: int | None = None  # defaults to ``units``
    merge_mode: str = "concat"
    bidirectional: bool = True
    dropout: float = 0.0
    num_classes: int = 10

    def validate(self) -> None:
        back_units = self.backward_units or self.units
        checks = [
            (
                self.cell in ("lstm", "gru") and (self.backward_cell or self.cell) in ("lstm", "gru"),
                "cells must be lstm or gru",
            ),
            (1 <= self.units <= 2048 and 1 <= back_units <= 2048, "units must be in 1..2048"),
            (self.merge_mode in MERGE_MODES, f"merge_mode must be one of {', '.join(MERGE_MODES)}"),
            (
                self.merge_mode in ("concat", "none") or back_units == self.units,
                f"merge_mode {self.merge_mode} needs equal forward and backward sizes",
            ),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
        ]
        require(checks)

    @property
    def feature_size(self) -> int:
        back = self.backward_units or self.units
        if not self.bidirectional:
            return self.units
        return self.units + back if self.merge_mode in ("concat", "none") else self.units


def _rnn(kind: str, units: int, name: str, go_backwards: bool = False):
    layer = keras.layers.LSTM if kind == "lstm" else keras.layers.GRU
    return layer(units, go_backwards=go_backwards, name=name)


@keras.saving.register_keras_serializable(package="s2s_viz")
class BiRNNClassifier(keras.Model):
    """Rows as timesteps -> (bidirectional) RNN -> merged final outputs -> 10 logits."""

    def __init__(self, config: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.spec = BiRNNConfig(**(config or {}))
        self.spec.validate()
        spec = self.spec
        forward = _rnn(spec.cell, spec.units, "forward")
        if spec.bidirectional:
            backward = _rnn(
                spec.backward_cell or spec.cell, spec.backward_units or spec.units, "backward", go_backwards=True
            )
            merge = None if spec.merge_mode == "none" else spec.merge_mode
            self.rnn = keras.layers.Bidirectional(
                forward, backward_layer=backward, merge_mode=merge, name="bidirectional"
            )
        else:
            self.rnn = forward
        self.dropout = keras.layers.Dropout(spec.dropout)
        self.head = keras.layers.Dense(spec.num_classes, name="head")
        self.build()

    def build(self, input_shape=None):
        if self.built:
            return
        self.rnn.build((None, 28, 28))
        self.head.build((None, self.spec.feature_size))
        self.built = True

    def features(self, images, training=False):
        x = ops.cast(images, "float32")  # (B, 28 rows = timesteps, 28 pixels)
        merged = self.rnn(x, training=training)
        if isinstance(merged, (list, tuple)):  # merge_mode None: both directions apart
            merged = ops.concatenate(list(merged), axis=-1)
        return merged  # (B, feature_size)

    def call(self, images, training=False):
        return self.head(self.dropout(self.features(images, training), training=training))

    @property
    def directions(self):
        if self.spec.bidirectional:
            return {"forward": self.rnn.forward_layer, "backward": self.rnn.backward_layer}
        return {"forward": self.rnn}

    def hidden_states(self, images) -> dict:
        """Each direction's output at every row, in row order: ``{"forward": (B, 28, units), "backward": ...}``."""
        x = ops.cast(images, "float32")
        batch = ops.shape(x)[0]
        result = {}
        for name, layer in self.directions.items():
            cell = layer.cell
            sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
            states = [ops.zeros((batch, size)) for size in sizes]
            rows = range(27, -1, -1) if name == "backward" else range(28)
            outputs = {}
            for row in rows:
                output, states = cell(x[:, row], states)
                states = list(states) if isinstance(states, (list, tuple)) else [states]
                outputs[row] = output
            result[name] = ops.stack([outputs[row] for row in range(28)], axis=1)  # (B, 28, units)
        return result

    def get_config(self):
        return {"config": asdict(self.spec), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
