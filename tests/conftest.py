"""Shared fixtures: real data when ``S2S_VIZ_DATA`` (or ../shared/data) has it, tiny real models, temp folders."""

from __future__ import annotations

import os

import helpers  # noqa: F401  (sets S2S_VIZ_DATA to ../shared/data when it exists)
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def user_models(tmp_path, monkeypatch):
    """Every test gets its own empty user model folder."""
    folder = tmp_path / "user-models"
    monkeypatch.setenv("S2S_VIZ_USER_MODELS", str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_translator(tmp_path_factory):
    """A small attention translator trained a few seconds on the built-in copy task, loaded from its checkpoint."""
    import s2s_viz
    from s2s_viz.training import TranslatorTrainConfig, train_translator

    folder = tmp_path_factory.mktemp("tiny")
    config = TranslatorTrainConfig(
        name="tiny-copy",
        data="toy:copy",
        toy_count=2000,
        validation_pairs=100,
        epochs=2,
        batch_size=64,
        learning_rate=0.01,
        max_source_length=12,
        max_target_length=12,
        model={"latent_dim": 32, "attention": "additive", "attention_units": 16},
    )
    result = train_translator(config, folder)
    return s2s_viz.load(str(result.path))
