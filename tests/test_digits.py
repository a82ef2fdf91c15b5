"""Digits: picture preprocessing, the bidirectional RNN, the ViT and its explanations."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import needs_mnist
from PIL import Image, ImageDraw

import s2s_viz
from s2s_viz import explain
from s2s_viz.data.digits import ImageError, to_mnist
from s2s_viz.models import BiRNNClassifier, VisionTransformer
from s2s_viz.training import DigitTrainConfig, train_digits


def stroke_one(size=200, ink=0, paper=255, mode="L", offset=(0, 0)):
    picture = Image.new(mode, (size, size), paper)
    draw = ImageDraw.Draw(picture)
    x = size // 3 + offset[0]
    draw.line([(x, size // 5 + offset[1]), (x, size - size // 4 + offset[1])], fill=ink, width=size // 12)
    return picture


def centre_of_mass(array):
    ys, xs = np.indices(array.shape)
    return (ys * array).sum() / array.sum(), (xs * array).sum() / array.sum()


def test_a_drawn_one_lands_centred_and_scaled_to_twenty_pixels():
    digit = to_mnist(stroke_one(offset=(40, -20)))
    cy, cx = centre_of_mass(digit)
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1
    rows = np.nonzero(digit.max(axis=1) > 0.1)[0]
    assert 18 <= rows.max() - rows.min() + 1 <= 21
    assert digit.dtype == np.float32 and 0 <= digit.min() and digit.max() <= 1


def test_white_on_black_and_black_on_white_give_the_same_input():
    dark_on_light = to_mnist(stroke_one(ink=0, paper=255))
    light_on_dark = to_mnist(stroke_one(ink=255, paper=0))
    np.testing.assert_allclose(dark_on_light, light_on_dark, atol=0.02)


def test_transparent_sketch_colour_and_sixteen_bit_pictures():
    reference = to_mnist(stroke_one())
    sketch = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(sketch).line([(66, 40), (66, 150)], fill=(0, 0, 0, 255), width=16)
    np.testing.assert_allclose(to_mnist(np.asarray(sketch)), reference, atol=0.1)
    coloured = stroke_one(mode="RGB", ink=(200, 0, 0), paper=(250, 250, 240))
    assert np.abs(to_mnist(coloured) - reference).mean() < 0.05
    sixteen = (np.asarray(stroke_one(), dtype=np.uint16) * 257).astype(np.uint16)
    np.testing.assert_allclose(to_mnist(sixteen), reference, atol=0.02)
    assert to_mnist({"composite": np.asarray(stroke_one()), "layers": []}).shape == (28, 28)


@pytest.mark.parametrize(
    "picture", [np.zeros((100, 100)), np.full((100, 100), 255, np.uint8), np.zeros((1, 1)), None, {"composite": None}]
)
def test_empty_or_blank_pictures_ask_for_a_digit(picture):
    with pytest.raises(ImageError, match="draw a digit first|empty"):
        to_mnist(picture)


def test_big_gif_truncated_and_non_images():
    big = stroke_one(size=4000)
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    assert to_mnist(buffer.getvalue()).shape == (28, 28)
    frames = [stroke_one(), stroke_one(ink=128)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    assert to_mnist(gif.getvalue()).shape == (28, 28)
    with pytest.raises(ImageError, match="not a readable image"):
        to_mnist(buffer.getvalue()[:200])
    with pytest.raises(ImageError, match="not a readable image"):
        to_mnist(b"this is not an image")
    palette = stroke_one().convert("P")
    assert to_mnist(palette).shape == (28, 28)


@pytest.mark.parametrize(
    ("merge_mode", "features"), [("concat", 24), ("sum", 12), ("mul", 12), ("ave", 12), ("none", 24)]
)
def test_bidirectional_merge_modes_give_the_right_sizes(merge_mode, features):
    model = BiRNNClassifier({"units": 12, "merge_mode": merge_mode})
    images = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    assert model.features(images).shape == (3, features)
    assert model(images).shape == (3, 10)


def test_forward_and_backward_layers_may_differ():
    model = BiRNNClassifier({"cell": "lstm", "units": 16, "backward_cell": "gru", "backward_units": 8})
    images = np.random.default_rng(0).random((2, 28, 28)).astype("float32")
    assert model.features(images).shape == (2, 24)
    states = model.hidden_states(images)
    assert states["forward"].shape == (2, 28, 16) and states["backward"].shape == (2, 28, 8)
    assert type(model.rnn.backward_layer).__name__ == "GRU"
    # The backward direction's output at row 0 is its last step: it equals what Bidirectional produced.
    np.testing.assert_allclose(
        np.asarray(states["backward"])[:, 0], np.asarray(model.rnn.backward_layer(images)), atol=1e-5
    )
    np.testing.assert_allclose(
        np.asarray(states["forward"])[:, -1], np.asarray(model.rnn.forward_layer(images)), atol=1e-5
    )
    with pytest.raises(ValueError, match="needs equal forward and backward sizes"):
        BiRNNClassifier({"units": 16, "backward_units": 8, "merge_mode": "sum"})


def test_unidirectional_baseline():
    model = BiRNNClassifier({"units": 10, "bidirectional": False})
    assert model(np.zeros((1, 28, 28), "float32")).shape == (1, 10)
    assert set(model.hidden_states(np.zeros((1, 28, 28), "float32"))) == {"forward"}


def test_vit_blocks_are_distinct_and_patches_are_row_major():
    model = VisionTransformer({"patch_size": 7, "d_model": 16, "num_heads": 2, "num_layers": 3, "d_ff": 32})
    assert len({id(block) for block in model.blocks}) == 3
    images = np.arange(28 * 28, dtype="float32").reshape(1, 28, 28)
    patches = np.asarray(model.patches(images))
    assert patches.shape == (1, 16, 49)
    np.testing.assert_array_equal(patches[0, 1].reshape(7, 7), images[0, :7, 7:14])
    maps = model.attention_maps(images)
    assert len(maps) == 3 and maps[0].shape == (1, 2, 17, 17)
    with pytest.raises(ValueError, match="patch_size must divide"):
        VisionTransformer({"patch_size": 5})


def test_rollout_of_identity_attention_is_identity():
    identity = [np.stack([np.eye(17)] * 4) for _ in range(3)]
    np.testing.assert_allclose(explain.rollout_matrix(identity), np.eye(17))
    for fusion in ("mean", "max", "min"):
        np.testing.assert_allclose(explain.rollout_matrix(identity, fusion, discard_ratio=0.5), np.eye(17))
    uniform = [np.full((2, 5, 5), 0.2)]
    assert explain.rollout(uniform).shape == (2, 2)


def test_discarding_the_weakest_attention_by_hand():
    """One block, one head, three tokens: the three weakest weights go, then the residual mix, worked by hand."""
    attention = [np.array([[[0.5, 0.3, 0.2], [0.15, 0.8, 0.05], [0.25, 0.1, 0.65]]])]
    # 0.05, 0.1 and 0.15 are dropped; each row is mixed half-and-half with the identity and renormalised
    expected = np.array([[0.75, 0.15, 0.1], [0.0, 1.0, 0.0], [0.125 / 0.95, 0.0, 0.825 / 0.95]])
    np.testing.assert_allclose(explain.rollout_matrix(attention, discard_ratio=0.34), expected, atol=1e-12)
    kept = np.array([[0.75, 0.15, 0.1], [0.075, 0.9, 0.025], [0.125, 0.05, 0.825]])
    np.testing.assert_allclose(explain.rollout_matrix(attention), kept, atol=1e-12)


def test_position_similarity_is_a_grid_of_grids_with_ones_on_the_diagonal():
    embedding = np.random.default_rng(0).normal(size=(17, 8))
    similarity = explain.position_similarity(embedding)
    assert similarity.shape == (4, 4, 4, 4)
    grid = similarity.reshape(16, 16)
    np.testing.assert_allclose(np.diag(grid), 1.0, atol=1e-12)
    np.testing.assert_allclose(grid, grid.T, atol=1e-12)
    patches = embedding[1:]  # the class token's own embedding is left out
    a, b = patches[0 * 4 + 1], patches[2 * 4 + 3]  # patch (row 0, column 1) against patch (row 2, column 3)
    assert similarity[0, 1, 2, 3] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@needs_mnist
@pytest.mark.parametrize("architecture", ["birnn", "vit"])
def test_tiny_models_learn_on_real_mnist_and_round_trip(tmp_path, architecture):
    model = (
        {"units": 32}
        if architecture == "birnn"
        else {"patch_size": 7, "d_model": 32, "num_heads": 2, "num_layers": 2, "d_ff": 64, "mlp_head_units": 32}
    )
    config = DigitTrainConfig(  # the Bi-RNN learns faster: fewer images and epochs reach the same bar
        name=f"tiny-{architecture}",
        architecture=architecture,
        model=model,
        epochs=2 if architecture == "birnn" else 3,
        limit=2000 if architecture == "birnn" else 3000,
        batch_size=64,
        learning_rate=3e-3,
    )
    result = train_digits(config, tmp_path)
    history = result.history["loss"]
    assert history[-1] < history[0]
    classifier = s2s_viz.load(str(result.path))
    image = np.asarray(stroke_one())
    logits = np.asarray(result.model(classifier.prepare(image)))[0]
    np.testing.assert_allclose(classifier.classify(image), np.exp(logits) / np.exp(logits).sum(), atol=1e-5)
    assert classifier.card["metrics"]["test_accuracy"] > 25  # well above chance (10%) after a few seconds
    if architecture == "vit":
        maps = classifier.attention(image)
        assert maps["rollout"].shape == (4, 4) and len(maps["class_token"]) == 2
    else:
        assert classifier.hidden_states(image)["backward"].shape == (28, 32)


@needs_mnist
def test_mnist_digits_are_left_as_they_are():
    from s2s_viz.data.digits import load_mnist

    digits = load_mnist()["x_test"][:300]
    for digit in digits:
        np.testing.assert_allclose(to_mnist(digit), digit / 255.0, atol=1e-6)
        buffer = io.BytesIO()
        Image.fromarray(digit).save(buffer, format="PNG")
        np.testing.assert_allclose(to_mnist(buffer.getvalue()), digit / 255.0, atol=1e-6)
    inverted = 255 - digits[0]  # dark ink on light paper: inverted, then left alone
    np.testing.assert_allclose(to_mnist(inverted), digits[0] / 255.0, atol=1e-6)


@needs_mnist
@pytest.mark.slow
@pytest.mark.parametrize("name", ["birnn-mnist", "vit-mnist"])
def test_classify_on_raw_test_images_scores_the_card(name, tmp_path):
    """Raw uint8 test images (all 10,000) score the card's accuracy; 2,000 of them as PNG files (lossless) get the
    very labels their arrays got."""
    import s2s_viz
    from s2s_viz.data.digits import load_mnist

    classifier = s2s_viz.load(name)
    mnist = load_mnist()
    x, y = mnist["x_test"], mnist["y_test"]
    labels = classifier.classify_batch(x).argmax(axis=1)
    accuracy = 100 * float((labels == y).mean())
    assert accuracy == pytest.approx(classifier.card["metrics"]["test_accuracy"], abs=0.2)
    paths = []
    for index, digit in enumerate(x[:2000]):
        paths.append(tmp_path / f"{index}.png")
        Image.fromarray(digit).save(paths[-1])
    np.testing.assert_array_equal(classifier.classify_batch(paths).argmax(axis=1), labels[:2000])


def test_norm_first_puts_layer_norm_before_each_sub_layer(tmp_path):
    """Post-LN blocks hand on a normalised stream (each token's vector has mean 0 and deviation 1 before the
    learned scale); pre-LN blocks (the ViT paper's order) add each sub-layer to the raw stream."""
    import keras

    images = np.random.default_rng(0).random((3, 28, 28)).astype("float32")
    spreads = {}
    for norm_first in (False, True):
        keras.utils.set_random_seed(0)
        model = VisionTransformer(
            {"d_model": 32, "num_heads": 2, "num_layers": 2, "d_ff": 32, "norm_first": norm_first}
        )
        tokens, _ = model.encode(images)
        spreads[norm_first] = np.asarray(tokens).std(axis=-1)
        assert model.blocks[1].norm_first is norm_first
        path = tmp_path / f"vit-{norm_first}.keras"
        model.save(path)
        again = keras.models.load_model(path)
        assert again.spec.norm_first is norm_first
        np.testing.assert_allclose(np.asarray(again(images)), np.asarray(model(images)), atol=1e-5)
    np.testing.assert_allclose(spreads[False], 1.0, atol=1e-2)
    assert np.abs(spreads[True] - 1.0).max() > 0.1
