"""Multi-head attention from scratch equals keras.layers.MultiHeadAttention with the same weights."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from s2s_viz.models.mha import ScratchMultiHeadAttention


def pair(num_heads, key_dim, query_dim=8, value_dim=8):
    reference = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim)
    mine = ScratchMultiHeadAttention(num_heads, key_dim)
    rng = np.random.default_rng(num_heads * 10 + key_dim)
    query = rng.normal(size=(2, 5, query_dim)).astype("float32")
    value = rng.normal(size=(2, 7, value_dim)).astype("float32")
    reference(query, value)
    mine(query, value)
    mine.copy_weights_from(reference)
    return reference, mine, query, value


@pytest.mark.parametrize(("num_heads", "key_dim"), [(1, 4), (2, 3), (4, 8), (8, 2)])
@pytest.mark.parametrize("self_attention", [True, False])
@pytest.mark.parametrize("masked", [False, True])
def test_scratch_equals_keras(num_heads, key_dim, self_attention, masked):
    reference, mine, query, value = pair(num_heads, key_dim, value_dim=8 if self_attention else 6)
    if self_attention:
        value = query
    mask = None
    if masked:
        mask = np.ones((2, query.shape[1], value.shape[1]), dtype=bool)
        mask[0, :, -2:] = False  # the first sentence's last two keys are padding
    expected, expected_scores = reference(query, value, attention_mask=mask, return_attention_scores=True)
    output, probabilities = mine(query, value, attention_mask=mask)
    np.testing.assert_allclose(output, expected, atol=1e-5)
    np.testing.assert_allclose(probabilities, expected_scores, atol=1e-5)
    if masked:
        assert np.all(np.asarray(probabilities)[0, :, :, -2:] == 0)


def test_causal_mask_equals_keras():
    reference, mine, query, _ = pair(2, 4)
    expected, expected_scores = reference(query, query, use_causal_mask=True, return_attention_scores=True)
    output, probabilities = mine(query, query, use_causal_mask=True)
    np.testing.assert_allclose(output, expected, atol=1e-5)
    np.testing.assert_allclose(probabilities, expected_scores, atol=1e-5)
    assert np.allclose(np.triu(np.asarray(probabilities)[0, 0], k=1), 0)


def test_intermediates_have_the_documented_shapes_and_relations():
    _, mine, query, value = pair(4, 3)
    _, _, parts = mine(query, value, return_intermediates=True)
    assert parts["Q"].shape == (2, 4, 5, 3) and parts["K"].shape == (2, 4, 7, 3)
    np.testing.assert_allclose(np.asarray(parts["scaled"]) * np.sqrt(3), parts["raw_scores"], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(parts["probabilities"]).sum(-1), 1.0, atol=1e-5)
    assert parts["concatenated"].shape == (2, 5, 12)
