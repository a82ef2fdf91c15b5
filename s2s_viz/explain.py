"""What a Vision Transformer looks at: numbers only (``viz`` draws them).

* **Class-token attention**: in one block and head, how much the class token ``x0`` reads each patch.
* **Attention rollout** (Abnar & Zuidema 2020): attention of one block mixes tokens that earlier blocks
  already mixed. Rollout follows the mixing through all blocks: fuse the heads of each block (mean, max or
  min), optionally discard the weakest weights, add the identity for the residual connection
  (``A = 0.5 * W + 0.5 * I``), renormalise rows, and multiply the blocks together:
  ``R = A_L ... A_2 A_1``. Row 0 of ``R`` says how much each input patch flows into the class token.
* **Position-embedding similarity**: the cosine similarity between the learned embedding of each patch
  position and every other, as a grid of grids; a trained ViT rediscovers rows and columns.
"""

from __future__ import annotations

import functools

import numpy as np

HEAD_FUSIONS = ("mean", "max", "min")


def _grid(vector: np.ndarray) -> np.ndarray:
    side = int(round(np.sqrt(len(vector))))
    return np.asarray(vector).reshape(side, side)


def class_token_attention(attention: np.ndarray, head: int | None = None) -> np.ndarray:
    """``attention`` ``(h, N+1, N+1)`` of one block -> ``(grid, grid)``: x0's weight on each patch.

    ``head`` None: the mean of the heads.
    """
    weights = attention.mean(axis=0) if head is None else attention[head]
    return _grid(weights[0, 1:])


def rollout_matrix(attentions: list[np.ndarray], head_fusion: str = "mean", discard_ratio: float = 0.0) -> np.ndarray:
    """``R = A_L ... A_1`` over blocks' attention ``(h, N+1, N+1)`` each; returns ``(N+1, N+1)``."""
    if head_fusion not in HEAD_FUSIONS:
        raise ValueError(f"head_fusion must be one of {', '.join(HEAD_FUSIONS)}")
    if not 0.0 <= discard_ratio < 1.0:
        raise ValueError("discard_ratio must be in [0, 1)")
    size = attentions[0].shape[-1]
    result = np.eye(size)
    for attention in attentions:
        fused = getattr(np, head_fusion)(np.asarray(attention, dtype=np.float64), axis=0)  # (N+1, N+1)
        if discard_ratio > 0:
            flat = fused.reshape(-1).copy()
            count = int(flat.size * discard_ratio)
            weakest = np.argsort(flat)[:count]
            weakest = weakest[weakest != 0]  # never drop the class token's attention to itself
            flat[weakest] = 0
            fused = flat.reshape(fused.shape)
        mixed = 0.5 * fused + 0.5 * np.eye(size)  # the residual connection carries each token on
        mixed /= mixed.sum(axis=-1, keepdims=True)
        result = mixed @ result
    return result


def rollout(attentions: list[np.ndarray], head_fusion: str = "mean", discard_ratio: float = 0.0) -> np.ndarray:
    """The class token's rolled-out attention to each patch, ``(grid, grid)``, scaled to a maximum of 1."""
    weights = rollout_matrix(attentions, head_fusion, discard_ratio)[0, 1:]
    peak = weights.max()
    return _grid(weights / peak if peak > 0 else weights)


def position_similarity(position_embedding: np.ndarray) -> np.ndarray:
    """Cosine similarity of each patch position's embedding with every other: ``(grid, grid, grid, grid)``."""
    patches = np.asarray(position_embedding)[1:]  # the class token's own position is left out
    unit = patches / np.maximum(np.linalg.norm(patches, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit.T  # (N, N)
    side = int(round(np.sqrt(len(patches))))
    return similarity.reshape(side, side, side, side)


@functools.lru_cache(maxsize=32)
def _seeded_layers(num_heads: int, key_dim: int, value_dim: int, seed: int):
    """Keras's ``MultiHeadAttention`` with weights drawn from ``seed``, and ours with those weights copied in; built
    once per setting (building the layers costs more than running them on a sentence)."""
    import keras

    from .models.mha import ScratchMultiHeadAttention

    d_model = num_heads * key_dim
    shape = (1, None, d_model)
    keras.utils.set_random_seed(seed)
    reference = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim, value_dim=value_dim)
    reference.build(shape, shape)
    scratch = ScratchMultiHeadAttention(num_heads, key_dim, value_dim=value_dim)
    scratch.build(shape, shape)
    scratch.copy_weights_from(reference)
    return reference, scratch


def mha_walkthrough(
    text: str, num_heads: int = 2, key_dim: int = 8, seed: int = 0, causal: bool = False, value_dim: int | None = None
) -> dict:
    """Self-attention over the characters of ``text``, step by step, checked against Keras's layer.

    ``value_dim`` (d_v, the notes' ``value_dim``) may differ from ``key_dim`` (d_k): queries and keys are
    compared in d_k dimensions, each head's output has d_v, and ``W_O`` maps the h x d_v concatenation back to
    d_model = h x d_k.

    Each character gets a fixed random vector (seeded by the character, so the same character always gets the
    same vector) plus the sinusoidal position encoding; a ``keras.layers.MultiHeadAttention`` with seeded
    weights and our ``ScratchMultiHeadAttention`` with those weights copied in both read the sequence.
    Returns every intermediate of the scratch layer per head (numpy), and the largest absolute difference of
    outputs and of attention probabilities between the two.
    """
    from .models.transformer import sinusoidal_encoding

    if not text:
        raise ValueError("type a sentence first")
    value_dim = key_dim if value_dim is None else value_dim
    if not 1 <= num_heads <= 16 or not 1 <= key_dim <= 64 or not 1 <= value_dim <= 64:
        raise ValueError("heads must be in 1..16, key and value sizes in 1..64")
    d_model = num_heads * key_dim
    vectors = np.stack([np.random.default_rng(ord(char) + 7919 * seed).normal(size=d_model) for char in text])
    x = (vectors + sinusoidal_encoding(len(text), d_model))[None].astype("float32")  # (1, T, d_model)
    reference, scratch = _seeded_layers(int(num_heads), int(key_dim), int(value_dim), int(seed))
    expected, expected_probabilities = reference(x, x, use_causal_mask=causal, return_attention_scores=True)
    output, probabilities, parts = scratch(x, x, use_causal_mask=causal, return_intermediates=True)
    as_numpy = {name: np.asarray(value)[0] for name, value in parts.items() if value is not None and name != "mask"}
    mask = parts.get("mask")
    hidden = None if mask is None else ~np.broadcast_to(np.asarray(mask)[0, 0], (len(text), len(text)))
    return {
        "tokens": list(text),
        "d_model": d_model,
        "value_dim": value_dim,
        "hidden": hidden,  # (T, T) true where a query may not read a key (its score is -inf before the softmax)
        **as_numpy,
        "max_output_difference": float(np.abs(np.asarray(output) - np.asarray(expected)).max()),
        "max_probability_difference": float(
            np.abs(np.asarray(probabilities) - np.asarray(expected_probabilities)).max()
        ),
    }


def residual_norms(translator, text: str, block: int) -> tuple[list[str], list[str], np.ndarray]:
    """The residual stream through a Transformer translator's encoder block ``block`` for ``text``: the stages'
    names, the source's tokens, and the length |x| of each token's vector at each stage ``(stages, S)``.
    ``ValueError`` (``InputError`` for the text) says why it cannot be computed."""
    model = translator.model
    if not hasattr(model, "encoder_stages"):
        raise ValueError(f"{translator.card.get('name', 'this model')} is not a Transformer")
    layers = model.spec.num_layers
    if not 0 <= block < layers:
        raise ValueError(
            f"block must be in 0..{layers - 1} for {translator.card.get('name', 'this model')}, got {block}"
        )
    ids, _, _ = translator.prepare(text)
    stages = model.encoder_stages(np.array([ids], dtype=np.int32), block)  # [(name, (1, S, d_model))]
    norms = np.stack([np.linalg.norm(np.asarray(value)[0], axis=-1) for _, value in stages])  # (stages, S)
    return [name for name, _ in stages], [translator.source_vocab.token(i) for i in ids], norms
