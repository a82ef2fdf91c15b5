"""Checkpoints: atomic, checked against their card, safe to load, and never outside their folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest

import s2s_viz
from s2s_viz import checkpoints
from s2s_viz.checkpoints import CheckpointError


@pytest.fixture
def saved(tiny_translator, user_models):
    """The tiny translator saved under the user model folder as 'mine'."""
    card = {k: v for k, v in tiny_translator.card.items() if k != "unknown_fields"}
    checkpoints.save(tiny_translator.model, card, user_models, "mine")
    return user_models


def test_round_trip_gives_identical_translations_and_attention(tiny_translator, saved):
    loaded = s2s_viz.load("mine")
    a, b = tiny_translator.translate("abcdef"), loaded.translate("abcdef")
    assert a.text == b.text
    np.testing.assert_allclose(a.attention, b.attention, atol=1e-6)
    assert [m.name for m in s2s_viz.list_models() if m.origin == "user"] == ["mine"]


def test_truncated_file_names_the_file(saved):
    path = saved / "mine.keras"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="mine.keras: the card does not match"):
        s2s_viz.load("mine")
    card = json.loads((saved / "mine.json").read_text())
    card.pop("weights_sha256")
    (saved / "mine.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="mine.keras: not a readable .keras file"):
        s2s_viz.load("mine")


def test_card_that_does_not_match_its_weights(saved):
    card = json.loads((saved / "mine.json").read_text())
    card["target_vocab"]["tokens"] = card["target_vocab"]["tokens"][:-2]
    (saved / "mine.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="do not match the model"):
        s2s_viz.load("mine")


def test_unknown_card_fields_are_kept_aside(saved):
    card = json.loads((saved / "mine.json").read_text())
    card["favourite_colour"] = "blue"
    (saved / "mine.json").write_text(json.dumps(card))
    assert s2s_viz.load("mine").card["unknown_fields"] == ["favourite_colour"]


def test_lambda_layer_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "ran"

    def leaves_a_mark(x, path=str(marker)):
        with open(path, "a") as handle:
            handle.write("ran\n")
        return x * 2

    inputs = keras.Input((2,))
    outputs = keras.layers.Lambda(leaves_a_mark)(inputs)
    model = keras.Model(inputs, outputs)
    assert marker.exists()  # the function does leave its mark whenever it runs...
    model.save(tmp_path / "evil.keras")
    marker.unlink()
    (tmp_path / "evil.json").write_text(json.dumps({"name": "evil", "kind": "translator", "architecture": "x"}))
    with pytest.raises(CheckpointError, match="refused: it contains 'Lambda'"):
        s2s_viz.load(str(tmp_path / "evil.keras"))
    assert not marker.exists()


def test_foreign_class_is_refused(tmp_path, saved):
    source = saved / "mine.keras"
    target = tmp_path / "foreign.keras"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config["module"], config["registered_name"] = "os", "os>system"
                data = json.dumps(config).encode()
            new.writestr(item, data)
    card = json.loads((saved / "mine.json").read_text())
    card.pop("weights_sha256")
    (tmp_path / "foreign.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="neither a Keras class nor one of s2s-viz's"):
        s2s_viz.load(str(target))


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "/etc/passwd", "a\x00b", "x" * 300, "", ".hidden", "a/b", "my-model\n", "my\tmodel"]
)
def test_unsafe_names_are_refused(name):
    with pytest.raises(CheckpointError, match="invalid model name|NUL"):
        s2s_viz.load(name)


def test_unknown_name_lists_what_exists(saved):
    with pytest.raises(CheckpointError, match="no model named 'nope'; available: .*mine"):
        s2s_viz.load("nope")


def test_broken_checkpoint_is_listed_with_why(saved):
    (saved / "broken.json").write_text("{not json")
    (saved / "broken.keras").write_bytes(b"junk")
    infos = {m.name: m for m in s2s_viz.list_models()}
    assert infos["broken"].broken and "unreadable card" in infos["broken"].broken
    assert infos["mine"].broken is None


def test_kill_during_save_keeps_the_previous_checkpoint(saved):
    """kill -9 a process in the middle of saving: the old checkpoint still loads, no partial file is listed."""
    script = textwrap.dedent(
        f"""
        import os, sys
        import s2s_viz
        from s2s_viz import checkpoints
        translator = s2s_viz.load("mine")
        original = translator.model.save
        def slow_save(path, *args, **kwargs):
            original(path, *args, **kwargs)
            print("saving", flush=True)
            sys.stdin.read()  # until the test kills this process
        translator.model.save = slow_save
        card = {{k: v for k, v in translator.card.items() if k != "unknown_fields"}}
        checkpoints.save(translator.model, card, {str(saved)!r}, "mine")
        """
    )
    before = (saved / "mine.keras").read_bytes(), s2s_viz.load("mine").translate("abcd")
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=os.environ.copy()
    )
    assert process.stdout.readline().strip() == b"saving"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (saved / "mine.keras").read_bytes() == before[0]
    after = s2s_viz.load("mine").translate("abcd")
    assert after.text == before[1].text
    np.testing.assert_allclose(after.attention, before[1].attention, atol=1e-6)
    assert [m.name for m in s2s_viz.list_models() if m.origin == "user"] == ["mine"]


def test_user_models_are_pruned_beyond_the_quota(user_models):
    user_models.mkdir(parents=True, exist_ok=True)
    for index in range(5):
        (user_models / f"m{index}.keras").write_bytes(b"x" * 100)
        (user_models / f"m{index}.json").write_text("{}")
        os.utime(user_models / f"m{index}.keras", (1000 + index, 1000 + index))  # m4 is the newest
    removed = checkpoints.prune_user_models(max_count=3, max_bytes=10**9, keep="m0")
    assert removed == ["m1"] and (user_models / "m0.keras").exists() and not (user_models / "m1.json").exists()
    # By bytes: newest first, each pair is 102 bytes; beyond 250 bytes the older ones go.
    assert checkpoints.prune_user_models(max_count=10, max_bytes=250) == ["m2", "m0"]
    assert checkpoints.prune_user_models(max_count=0, max_bytes=0, keep="m4") == ["m3"]


def test_a_card_whose_model_settings_differ_from_the_weights_is_refused(tmp_path):
    import shutil

    for suffix in (".keras", ".json"):
        shutil.copy(checkpoints.shipped_dir() / f"lstm-char-en-fr{suffix}", tmp_path / f"liar{suffix}")
    card = json.loads((tmp_path / "liar.json").read_text())
    assert card["model_config"]["latent_dim"] == 256
    card["model_config"]["latent_dim"] = 128
    (tmp_path / "liar.json").write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match=r"does not describe its model \(latent_dim: card 128, weights 256\)"):
        s2s_viz.load(str(tmp_path / "liar.keras"))


def test_the_models_kept_loaded_are_bounded_in_bytes(monkeypatch):
    """A model asked again is the one kept; past the byte bound the least recently used is let go."""
    import s2s_viz

    monkeypatch.setattr(s2s_viz, "_LOADED", type(s2s_viz._LOADED)())
    monkeypatch.setenv("S2S_VIZ_LOADED_BYTES", str(1_000_000))  # both dates and blank models fit; a third does not
    dates = s2s_viz.loaded("attention-dates")
    assert s2s_viz.loaded("attention-dates") is dates
    blank = s2s_viz.loaded("blank-bi-en", "blank")
    assert s2s_viz.loaded("attention-dates") is dates and len(s2s_viz._LOADED) == 2
    s2s_viz.loaded("blank-forward-en", "blank")  # the least recently used (the blank one) goes
    assert len(s2s_viz._LOADED) == 2 and s2s_viz.loaded("blank-bi-en", "blank") is not blank
