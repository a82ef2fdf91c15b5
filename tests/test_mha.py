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


# ---- Keras's semantics at the edges (cases after Keras's own multi_head_attention_test.py) ------------------
def built_pair(num_heads=2, key_dim=4, query_length=5, value_length=7, seed=0, **options):
    """A Keras layer and ours with the same options and weights, and inputs for them."""
    reference = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim, **options)
    ours_options = {k: v for k, v in options.items() if k != "attention_axes"}
    mine = ScratchMultiHeadAttention(num_heads, key_dim, **ours_options)
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(2, query_length, 8)).astype("float32")
    value = rng.normal(size=(2, value_length, 6)).astype("float32")
    reference(query, value)
    mine(query, value)
    mine.copy_weights_from(reference)
    return reference, mine, query, value


def assert_same(reference, mine, query, value, **call):
    expected, expected_scores = reference(query, value, return_attention_scores=True, **call)
    output, probabilities = mine(query, value, **call)
    np.testing.assert_allclose(output, expected, atol=1e-5)
    np.testing.assert_allclose(probabilities, expected_scores, atol=1e-5)
    return np.asarray(output), np.asarray(probabilities)


def test_a_two_dimensional_mask_is_read_as_t_by_s_even_when_heads_equal_t():
    reference, mine, query, value = built_pair(num_heads=5, key_dim=2, query_length=5, value_length=7)
    mask = np.tril(np.ones((5, 7), dtype=bool), k=1)  # (T, S), with h == T: an easy place to misplace an axis
    _, probabilities = assert_same(reference, mine, query, value, attention_mask=mask)
    assert np.all(probabilities[:, :, ~mask] == 0)


def test_masks_of_every_rank_keras_accepts_give_the_same_result():
    reference, mine, query, value = built_pair(num_heads=2, key_dim=4)
    base = np.tril(np.ones((5, 7), dtype=bool))
    per_batch = np.stack([base, np.ones_like(base)])  # (B, T, S)
    per_head = np.ones((2, 2, 5, 7), dtype=bool)  # (B, h, T, S): each head of each sentence its own mask
    per_head[0, 0], per_head[1, 1, :, -3:] = base, False
    for mask in (base, per_batch, per_batch[:, None], per_head, base[None, None]):
        assert_same(reference, mine, query, value, attention_mask=mask)


def test_a_mask_that_does_not_broadcast_is_refused():
    _, mine, query, value = built_pair()
    with pytest.raises(ValueError, match="does not broadcast"):
        mine(query, value, attention_mask=np.ones((2, 3, 5, 7), dtype=bool))  # 3 heads for a 2-head layer
    with pytest.raises(ValueError, match="at most 4"):
        mine(query, value, attention_mask=np.ones((1, 2, 2, 5, 7), dtype=bool))


def test_a_query_with_every_key_masked_reads_nothing_as_in_keras():
    reference, mine, query, value = built_pair()
    mask = np.ones((2, 5, 7), dtype=bool)
    mask[0, 1, :] = False  # the second query of the first sentence may read no key
    output, probabilities = assert_same(reference, mine, query, value, attention_mask=mask)
    assert np.all(probabilities[0, :, 1] == 0)
    np.testing.assert_allclose(output[0, 1], np.asarray(mine.b_O), atol=1e-6)  # zero context: the bias alone


@pytest.mark.parametrize("use_causal_mask", [False, True])
def test_masks_carried_by_the_inputs_are_honoured_as_in_keras(use_causal_mask):
    query_ids = np.array([[1, 2, 3, 0, 0], [3, 3, 1, 1, 2], [1, 0, 0, 0, 0]])
    value_ids = np.array([[5, 4, 0], [3, 0, 0], [2, 1, 1]])
    query_embedding = keras.layers.Embedding(4, 8, mask_zero=True)
    value_embedding = keras.layers.Embedding(6, 8, mask_zero=True)
    reference = keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)
    mine = ScratchMultiHeadAttention(2, 2)
    reference(query_embedding(query_ids), value_embedding(value_ids))
    mine(query_embedding(query_ids), value_embedding(value_ids))
    mine.copy_weights_from(reference)
    # Keras's layer removes the masks from its inputs, so each layer gets freshly embedded (masked) inputs.
    expected, _ = reference(
        query_embedding(query_ids),
        value_embedding(value_ids),
        use_causal_mask=use_causal_mask,
        return_attention_scores=True,
    )  # the score path: Keras's fused path gives padded queries (which read no key) other values than zeros
    output, probabilities = mine(
        query_embedding(query_ids), value_embedding(value_ids), use_causal_mask=use_causal_mask
    )
    np.testing.assert_allclose(output, expected, atol=1e-5)
    # the hand-written mask of Keras's test: padded queries read nothing, padded keys are never read
    expected_mask = np.array(
        [[[1, 1, 0]] * 3 + [[0, 0, 0]] * 2, [[1, 0, 0]] * 5, [[1, 1, 1]] + [[0, 0, 0]] * 4], dtype=bool
    )
    if use_causal_mask:
        expected_mask &= np.array([[1, 0, 0], [1, 1, 0]] + [[1, 1, 1]] * 3, dtype=bool)
    np.testing.assert_array_equal(np.asarray(probabilities)[:, 0] > 0, expected_mask)


def test_the_output_keeps_the_query_mask_without_a_warning(recwarn):
    query_ids = np.array([[1, 2, 0], [3, 0, 0]])
    masked = keras.layers.Embedding(4, 8, mask_zero=True)(query_ids)
    output, _ = ScratchMultiHeadAttention(2, 4)(masked, np.ones((2, 4, 8), "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(output._keras_mask), query_ids != 0)
    assert not [w for w in recwarn if "mask" in str(w.message)]


@pytest.mark.parametrize(
    "options",
    [
        {"use_bias": False},
        {"output_shape": 3},
        {"output_shape": (3, 2)},
        {"value_dim": 3},
        {"value_dim": 5, "use_bias": False},
    ],
)
def test_options_equal_keras(options):
    reference, mine, query, value = built_pair(**options)
    output, _ = assert_same(reference, mine, query, value)
    expected_tail = options.get("output_shape", 8)
    assert output.shape[2:] == ((expected_tail,) if isinstance(expected_tail, int) else expected_tail)


def test_a_hand_worked_example_with_identity_weights():
    """Identity projections, zero biases, one head: the output is softmax(q k^T / sqrt(d)) v, worked by hand."""
    mine = ScratchMultiHeadAttention(1, 2)
    query = np.array([[[1.0, 0.0]]], "float32")  # (1, 1, 2)
    keys = np.array([[[1.0, 0.0], [0.0, 1.0]]], "float32")  # (1, 2, 2)
    values = np.array([[[10.0, 0.0], [0.0, 20.0]]], "float32")
    mine(query, values, keys)
    identity = np.eye(2, dtype="float32")[:, None, :]  # (d, h=1, d_k)
    mine.set_weights(
        [
            identity,
            np.zeros((1, 2)),
            identity,
            np.zeros((1, 2)),
            identity,
            np.zeros((1, 2)),
            identity[:, 0][None],
            np.zeros(2),
        ]
    )
    output, probabilities = mine(query, values, keys)
    first = np.exp(1 / np.sqrt(2)) / (np.exp(1 / np.sqrt(2)) + 1)  # scores 1/sqrt(2) and 0
    np.testing.assert_allclose(np.asarray(probabilities)[0, 0, 0], [first, 1 - first], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(output)[0, 0], [10 * first, 20 * (1 - first)], rtol=1e-5)


def test_other_attention_axes_are_refused():
    with pytest.raises(ValueError, match="attention_axes"):
        ScratchMultiHeadAttention(2, 4, attention_axes=(2,))
    ScratchMultiHeadAttention(2, 4, attention_axes=(1,))  # the sequence axis: what this layer does


def test_copy_weights_from_refuses_what_it_cannot_copy():
    _, mine, query, value = built_pair()
    gated = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, use_gate=True)
    gated(query, value)
    with pytest.raises(ValueError, match="use_gate"):
        mine.copy_weights_from(gated)
    wider = keras.layers.MultiHeadAttention(num_heads=2, key_dim=5)
    wider(query, value)
    with pytest.raises(ValueError, match="kernels differ in shape"):
        mine.copy_weights_from(wider)
    no_bias = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, use_bias=False)
    no_bias(query, value)
    with pytest.raises(ValueError, match="biases"):
        mine.copy_weights_from(no_bias)
    with pytest.raises(TypeError):
        mine.copy_weights_from(keras.layers.Dense(3))


def test_copy_weights_from_a_layer_inside_a_model():
    query_input, value_input = keras.Input((5, 8)), keras.Input((7, 6))
    attended = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, name="inner")(query_input, value_input)
    model = keras.Model([query_input, value_input], keras.layers.Dense(3)(attended))
    _, mine, query, value = built_pair()
    mine.copy_weights_from(model.get_layer("inner"))
    assert_same(model.get_layer("inner"), mine, query, value)


def test_config_round_trips_with_the_new_options():
    layer = ScratchMultiHeadAttention(2, 4, value_dim=3, use_bias=False, output_shape=(3, 2))
    twin = ScratchMultiHeadAttention.from_config(layer.get_config())
    assert (twin.value_dim, twin.use_bias, twin.output_shape_) == (3, False, (3, 2))


def test_the_walkthrough_with_its_own_value_size_equals_keras():
    from s2s_viz import explain

    parts = explain.mha_walkthrough("attention", num_heads=3, key_dim=4, seed=2, causal=True, value_dim=6)
    assert parts["Q"].shape == (3, 9, 4) and parts["V"].shape == (3, 9, 6) and parts["weighted"].shape == (3, 9, 6)
    assert parts["concatenated"].shape == (9, 18) and parts["output"].shape == (9, 12)  # W_O: h*d_v -> d_model
    assert parts["max_output_difference"] < 1e-5 and parts["max_probability_difference"] < 1e-5
