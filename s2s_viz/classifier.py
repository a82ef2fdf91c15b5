"""A trained digit classifier (bidirectional RNN or ViT): any picture in, probabilities and explanations out."""

from __future__ import annotations

import numpy as np

from . import backend, explain
from .data.digits import to_mnist


class DigitClassifier:
    """What ``s2s_viz.load`` returns for an MNIST model.

    ``classify(image)`` gives the 10 probabilities; ``attention(image)`` the ViT's maps (class-token attention
    per block and head, rollout, position-embedding similarity); ``hidden_states(image)`` the Bi-RNN's
    per-row forward and backward outputs. Every method takes any picture ``to_mnist`` accepts.
    """

    def __init__(self, model, card: dict):
        self.model = model
        self.card = card
        # One compiled graph per question: eager Keras dispatches op by op, ten times slower for one image.
        self._logits = backend.compile_function(lambda x: model(x, training=False), model)
        self._attention = (
            backend.compile_function(model.attention_maps, model) if hasattr(model, "attention_maps") else None
        )
        self._hidden = backend.compile_function(model.hidden_states, model) if hasattr(model, "hidden_states") else None

    @property
    def name(self) -> str:
        return self.card.get("name", "unnamed")

    @property
    def architecture(self) -> str:
        return self.card.get("architecture", "")

    def prepare(self, image) -> np.ndarray:
        """The 28x28 MNIST-like input, ``(1, 28, 28)``: a float 28x28 array in [0, 1] is taken as it is."""
        return _prepared(image)[None]

    def classify_batch(self, images) -> np.ndarray:
        """``classify`` for many pictures at once: each prepared alike, one model call; ``(N, 10)``."""
        prepared = np.stack([_prepared(image) for image in images])
        logits = backend.to_numpy(self._logits(prepared))
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def classify(self, image) -> np.ndarray:
        logits = backend.to_numpy(self._logits(self.prepare(image)))[0]
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    def attention(self, image, head_fusion: str = "mean", discard_ratio: float = 0.0) -> dict:
        if self._attention is None:
            raise ValueError(f"{self.name} is a {self.architecture} model; only a ViT has attention maps")
        maps = [a[0] for a in backend.to_numpy(self._attention(self.prepare(image)))]  # each (h, N+1, N+1)
        return {
            "class_token": [[explain.class_token_attention(a, head) for head in range(a.shape[0])] for a in maps],
            "class_token_mean": [explain.class_token_attention(a) for a in maps],
            "rollout": explain.rollout(maps, head_fusion, discard_ratio),
            "position_similarity": explain.position_similarity(np.asarray(self.model.position_embedding)),
            "patch_size": self.model.spec.patch_size,
        }

    def hidden_states(self, image) -> dict:
        if self._hidden is None:
            raise ValueError(f"{self.name} is a {self.architecture} model; only an RNN has hidden states")
        return {name: states[0] for name, states in backend.to_numpy(self._hidden(self.prepare(image))).items()}


def _prepared(image) -> np.ndarray:
    if (
        isinstance(image, np.ndarray)
        and image.shape == (28, 28)
        and image.dtype.kind == "f"
        and 0 <= image.min() <= image.max() <= 1
    ):
        return image.astype(np.float32)  # already the model's input
    return to_mnist(image)
