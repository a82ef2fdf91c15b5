"""Bad data files and impossible training settings: a clear message naming the problem, never a traceback."""

from __future__ import annotations

import pytest

from s2s_viz.data import DataError, read_pairs
from s2s_viz.training import DigitTrainConfig, TranslatorTrainConfig, train_translator


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("café\tcafé\n".encode("latin-1") * 3, "line 1 \\(not UTF-8"),
        (b"no tabs at all\nstill none\n", "line 1 \\(1 column"),
        (b"a\tb\tc\td\n", "4 column"),
        (bytes(range(256)) * 40, "line 1"),
    ],
)
def test_unusable_files_name_their_bad_lines(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_pairs(path, split="all")


def test_empty_file_cannot_train(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    config = TranslatorTrainConfig(name="empty", data=str(path), epochs=1, model={"latent_dim": 8})
    with pytest.raises(DataError, match="no training pairs"):
        train_translator(config, tmp_path)


def test_long_pairs_are_filtered_by_the_limits(tmp_path):
    path = tmp_path / "pairs.txt"
    lines = [f"short {i}.\tcourt {i}." for i in range(200)] + [f"{'long ' * 20}{i}\t{'long ' * 20}" for i in range(200)]
    path.write_text("\n".join(lines), encoding="utf-8")
    pairs = read_pairs(path, split="all", max_source_length=30, max_target_length=30)
    assert pairs.sources and all(len(s) <= 30 for s in pairs.sources)


def test_a_big_file_is_streamed_not_read_whole(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(400_000):
            handle.write(f"Sentence number {i}.\tPhrase numéro {i}.\n")
    pairs = read_pairs(path, split="all", limit=10)
    assert len(pairs) == 10 and pairs.lines_read < 100


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"epochs": 0}, "epochs must be in 1..1000"),
        ({"epochs": 10_000}, "epochs must be in 1..1000"),
        ({"batch_size": 0}, "batch_size must be in 1..4096"),
        ({"learning_rate": -1}, "learning_rate must be in"),
        ({"name": "../escape"}, "invalid model name"),
        ({"model": {"latent_dim": 100_000}}, "latent_dim must be in 1..4096"),
        ({"strategy": "everywhere"}, "strategy must be one of"),
    ],
)
def test_impossible_translator_settings(tmp_path, overrides, message):
    config = TranslatorTrainConfig(data="toy:copy", toy_count=50, validation_pairs=10, **overrides)
    with pytest.raises(ValueError, match=message):
        train_translator(config, tmp_path)


def test_a_model_too_big_for_memory_is_refused_before_training(tmp_path):
    config = TranslatorTrainConfig(
        data="toy:copy", toy_count=50, validation_pairs=10, batch_size=4096, model={"latent_dim": 4096, "num_layers": 4}
    )
    with pytest.raises(ValueError, match="would need about .* GiB"):
        train_translator(config, tmp_path)


def test_unknown_settings_are_named():
    with pytest.raises(ValueError, match="unknown training settings: epoch"):
        TranslatorTrainConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="architecture must be one of birnn, vit"):
        DigitTrainConfig(architecture="cnn").validate()


def test_the_parameter_estimate_is_close_to_the_real_count():
    from s2s_viz.training import build_translator_model, estimate_parameters

    for model in ({"latent_dim": 64}, {"latent_dim": 32, "bidirectional": True, "num_layers": 2, "cell": "gru"}):
        config = TranslatorTrainConfig(model=model)
        real = build_translator_model(config, 60, 80).count_params()
        assert 0.7 * real <= estimate_parameters(config, 60, 80) <= 1.3 * real


def test_transformer_positions_cover_the_longest_bucketed_batch():
    from s2s_viz.training import build_translator_model

    config = TranslatorTrainConfig(
        architecture="transformer",
        max_source_length=30,
        max_target_length=60,
        bucket_width=8,
        model={"d_model": 16, "num_heads": 2, "d_ff": 32},
    )
    model = build_translator_model(config, 40, 50)
    longest = -(-(60 + 2) // 8) * 8  # a 60-character target with start and end, padded to its bucket
    assert model.spec.max_length >= longest
