"""The trainer's contract: batches reshuffled each epoch, honest events, a NaN stopped with the last good epoch kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
from helpers import small_config

import s2s_viz
from s2s_viz.training import BucketBatches, TrainingError, TranslatorTrainConfig, train_translator


def test_batches_are_reshuffled_every_epoch_and_cover_every_pair():
    rng = np.random.default_rng(0)
    sources = [list(rng.integers(1, 9, size=rng.integers(2, 12))) for _ in range(500)]
    batches = BucketBatches(sources, [[1, *s, 2] for s in sources], batch_size=32, seed=5)
    orders = [batches.batch_indices(epoch, shuffle=True) for epoch in range(3)]
    for order in orders:
        assert sorted(np.concatenate(order).tolist()) == list(range(500))  # every pair once per epoch
    assert [b.tolist() for b in orders[0]] != [b.tolist() for b in orders[1]] != [b.tolist() for b in orders[2]]
    assert [b.tolist() for b in batches.batch_indices(1, True)] == [b.tolist() for b in orders[1]]  # reproducible
    # the stream fit reads: its second epoch is not its first again
    stream = batches.forever(shuffle=True)
    first = [next(stream)[0][0] for _ in range(len(batches))]
    second = [next(stream)[0][0] for _ in range(len(batches))]

    def rows(epoch):
        return sorted(tuple(int(i) for i in row[row > 0]) for batch in epoch for row in batch)

    assert [b.tolist() for b in first] != [b.tolist() for b in second]
    assert rows(first) == rows(second) == sorted(tuple(s) for s in sources)


def test_where_every_shape_compiles_batches_take_few_shapes_and_the_filled_rows_add_no_loss():
    """JAX compiles a training step for every shape it meets: the batches are padded to a few widths chosen for the
    whole training, and the last short batch is filled up with rows whose targets are empty (no loss)."""
    from s2s_viz.models import masked_loss
    from s2s_viz.training.batches import fewer_widths

    assert fewer_widths([16] * 25 + [24] * 42 + [32] * 9 + [40, 48, 64], epochs=4) == [24, 64]  # 6 shapes -> 2
    assert fewer_widths([16] * 25 + [24] * 42 + [32] * 9 + [40, 48, 64], epochs=400)[:3] == [16, 24, 32]
    assert fewer_widths([8], epochs=4) == [8]
    rng = np.random.default_rng(0)
    sources = [list(rng.integers(1, 9, size=rng.integers(2, 40))) for _ in range(500)]
    targets = [[1, *s[: rng.integers(1, len(s) + 1)], 2] for s in sources]
    plain = BucketBatches(sources, targets, batch_size=32, seed=5)
    few = BucketBatches(sources, targets, batch_size=32, seed=5, few_shapes_for=4)

    def shapes(batches, epoch):
        return {(b[0][0].shape, b[0][1].shape) for b in map(batches.make_batch, batches.batch_indices(epoch, True))}

    assert len(shapes(few, 0) | shapes(few, 1)) < len(shapes(plain, 0) | shapes(plain, 1))
    assert {source[0] for source, _ in shapes(few, 0)} == {32}  # every batch full
    indices = plain.batch_indices(0, shuffle=False)[-1]  # the short one: 500 = 15 x 32 + 20
    (source, decoder_input), target = few.make_batch(indices)
    (real_source, real_input), real_target = plain.make_batch(indices)
    assert len(indices) == 20 and source.shape[0] == 32 and not target[20:].any()
    assert np.array_equal(source[:20, : real_source.shape[1]], real_source)
    assert np.array_equal(target[:20, : real_target.shape[1]], real_target)
    logits = rng.normal(size=(*target.shape, 10)).astype("float32")
    padded_loss = float(masked_loss(target, logits))
    real_loss = float(masked_loss(real_target, logits[:20, : real_target.shape[1]]))
    assert padded_loss == pytest.approx(real_loss, rel=1e-6)


def test_a_classifiers_last_batch_filled_up_with_weighted_out_rows_scores_as_its_real_rows():
    """On JAX a digit or blank classifier's last short batch is filled up to the batch size (one shape, one
    compilation): the copies weigh 0, and loss and accuracy are those of the real rows alone."""
    from s2s_viz.training import ArrayBatches, DigitTrainConfig
    from s2s_viz.training.config import compile_classifier

    rng = np.random.default_rng(1)
    x, y = rng.random((70, 4)).astype("float32"), rng.integers(0, 3, 70)
    batches = ArrayBatches(x, y, batch_size=32)
    assert batches.full_rows is (keras.backend.backend() == "jax")
    batches.full_rows = True
    last = batches.batch_indices(0, shuffle=False)[-1]
    filled_x, filled_y, weights = batches.make_batch(last)
    assert filled_x.shape == (32, 4) and weights.tolist() == [1.0] * 6 + [0.0] * 26
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    compile_classifier(model, DigitTrainConfig(), steps_per_epoch=3)
    real = model.evaluate(x[last], y[last], verbose=0, return_dict=True)
    filled = model.evaluate(filled_x, filled_y, sample_weight=weights, batch_size=32, verbose=0, return_dict=True)
    assert filled["loss"] == pytest.approx(real["loss"], rel=1e-6)
    assert filled["accuracy"] == pytest.approx(real["accuracy"])


def test_training_warns_nothing_about_shuffling_and_events_carry_none_not_strings(tmp_path):
    events = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train_translator(small_config(epochs=1), tmp_path, on_event=events.append, stop=None)
    assert not [w for w in caught if "shuffle" in str(w.message)]
    done = [e for e in events if e["type"] == "done"][0]
    assert done["checkpoint"] == str(tmp_path / "small.keras")
    assert all(e.get("checkpoint") != "None" for e in events)


def test_limit_is_honoured_for_toy_tasks(tmp_path):
    result = train_translator(small_config(epochs=1, limit=128), tmp_path)
    assert result.card["data"]["train_pairs"] == 128
    assert result.card["training"]["distribution"]["global_batch"] == 64


class PoisonAt(keras.callbacks.Callback):
    """Forces a NaN into the model's first weight at one batch of one epoch (counted from 1)."""

    def __init__(self, epoch: int, batch: int):
        super().__init__()
        self.target = (epoch, batch)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch + 1) == self.target:
            weight = self.model.trainable_weights[0]
            weight.assign(np.full(weight.shape, np.nan, dtype="float32"))


def test_a_nan_mid_training_is_reported_and_the_last_good_epoch_kept(tmp_path):
    events = []
    with pytest.raises(TrainingError, match=r"the loss became nan at epoch 2, batch 3"):
        train_translator(small_config(epochs=3), tmp_path, on_event=events.append, callbacks=[PoisonAt(2, 3)])
    errors = [e for e in events if e["type"] == "error"]
    assert len(errors) == 1 and "last good epoch is kept" in errors[0]["message"]
    assert errors[0]["checkpoint"] == str(tmp_path / "small.keras")
    kept = s2s_viz.load(str(tmp_path / "small.keras"))
    assert kept.card["training"]["epochs_completed"] == 1
    assert all(np.isfinite(w).all() for w in kept.model.get_weights())


POISONED_CLI = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_training import PoisonAt
    from s2s_viz import cli
    from s2s_viz.training import translators

    original = translators.fit_and_save
    translators.fit_and_save = lambda *args, **kwargs: original(*args, **{{**kwargs, "callbacks": [PoisonAt(2, 3)]}})
    sys.exit(cli.main(["train", "--data", "toy:copy", "--epochs", "3", "--latent-dim", "16", "--limit", "640",
                       "--name", "poisoned", "--output", {output!r}]))
    """
)


def test_the_cli_reports_a_nan_in_one_line_and_keeps_the_last_good_epoch(tmp_path):
    from pathlib import Path

    script = POISONED_CLI.format(tests=str(Path(__file__).parent), output=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]
    failures = [line for line in result.stderr.splitlines() if line.startswith(("training failed", "error:"))]
    assert failures == [
        "training failed: the loss became nan at epoch 2, batch 3; "
        "lower the learning rate (the last good epoch is kept)"
    ]
    assert "Traceback" not in result.stderr
    assert s2s_viz.load(str(tmp_path / "poisoned.keras")).card["training"]["epochs_completed"] == 1


def test_an_epoch_held_in_memory_is_written_when_the_training_is_stopped(tmp_path, monkeypatch):
    """Epochs are written at most every SAVE_EVERY_S; one completed but not yet written is never lost."""
    import threading

    from s2s_viz import checkpoints
    from s2s_viz.training import fit

    monkeypatch.setattr(fit, "SAVE_EVERY_S", 1e9)  # nothing is due after the first epoch's write
    writes, original = [], checkpoints.save
    monkeypatch.setattr(
        checkpoints,
        "save",
        lambda model, card, *a: writes.append(card["training"]["epochs_completed"]) or original(model, card, *a),
    )
    stop = threading.Event()

    def on_event(event):
        if event["type"] == "epoch" and event["epoch"] == 3:
            stop.set()  # stopped after epoch 3 of 6: epochs 2 and 3 were held in memory

    result = train_translator(small_config(epochs=6), tmp_path, on_event=on_event, stop=stop)
    assert writes == [1, 3]  # the first epoch at once, the third when the training stopped
    saved = s2s_viz.load(str(tmp_path / "small.keras"))
    assert saved.card["training"]["epochs_completed"] == 3 and len(saved.card["training"]["history"]["loss"]) == 3
    for ours, theirs in zip(saved.model.get_weights(), result.model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)  # the returned model is the one written


def test_ctrl_c_mid_epoch_still_writes_the_last_completed_epoch(tmp_path, monkeypatch):
    import keras

    from s2s_viz.training import fit

    monkeypatch.setattr(fit, "SAVE_EVERY_S", 1e9)

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if self.epoch == 2 and batch == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_translator(small_config(epochs=5), tmp_path, callbacks=[CtrlC()])
    assert s2s_viz.load(str(tmp_path / "small.keras")).card["training"]["epochs_completed"] == 2


def test_the_train_tab_reports_a_nan(monkeypatch, user_models):
    from s2s_viz.training import BackgroundTraining, translators
    from s2s_viz.ui import train as train_tab

    # in this process, so that the poisoned fit reaches it (the app's own process transport is tested below)
    monkeypatch.setattr(train_tab, "TrainingProcess", BackgroundTraining)
    original = translators.fit_and_save
    monkeypatch.setattr(
        translators, "fit_and_save", lambda *a, **k: original(*a, **{**k, "callbacks": [PoisonAt(2, 2)]})
    )
    updates = list(
        train_tab.train(
            "translator: LSTM seq2seq",
            "toy:copy",
            "tab-nan",
            3,
            64,
            0.005,
            16,
            1,
            1.0,
            640,
            "same",
            "concat",
            "both",
            "7",
            None,
            session={},
        )
    )
    status = updates[-1][0]
    assert "Training failed" in status and "the loss became nan at epoch 2, batch 2" in status
    assert (user_models / "tab-nan.keras").exists()


def test_interval_means_run_on_across_epochs_and_add_up_to_the_epoch_means(tmp_path):
    events = []
    train_translator(small_config(epochs=2, toy_count=2560, batch_size=32), tmp_path, on_event=events.append)
    for epoch in (1, 2):
        batches = [e for e in events if e["type"] == "batch" and e["epoch"] == epoch]
        counts = np.diff([0] + [e["batch"] for e in batches])
        weighted = sum(c * e["interval_loss"] for c, e in zip(counts, batches, strict=True)) / counts.sum()
        assert weighted == pytest.approx(batches[-1]["loss"], rel=1e-4)  # Keras's running mean at the epoch's end
    etas = [e["eta_s"] for e in events if e["type"] == "batch"]
    assert etas[-1] == pytest.approx(0.0, abs=1e-6) and all(eta is None or eta >= 0 for eta in etas)


def test_a_training_process_streams_its_events_and_saves_the_model(tmp_path):
    from s2s_viz.training import TrainingProcess

    run = TrainingProcess(train_translator, small_config(name="in-a-process", epochs=2), tmp_path)
    events = list(run.iter_events())
    kinds = [event["type"] for event in events]
    assert "batch" in kinds and kinds.count("epoch") == 2 and kinds[-1] == "done"
    assert np.isfinite(events[-2]["val_loss"])
    translator = s2s_viz.load(str(tmp_path / "in-a-process.keras"))  # a model the app can use at once
    assert translator.card["name"] == "in-a-process" and translator.translate("abc").steps
    run.process.wait(timeout=30)
    assert run.process.returncode == 0 and run.error is None


def test_a_crashed_training_process_is_reported_not_fatal(tmp_path):
    from s2s_viz.training import TrainingProcess

    run = TrainingProcess(train_translator, small_config(name="crashes", epochs=50, toy_count=6400), tmp_path)
    seen = []
    for event in run.iter_events():
        seen.append(event)
        if event["type"] == "batch":
            run.process.kill()  # as the kernel's out-of-memory killer would
    assert seen[-1] == {"type": "error", "message": "the training process ended unexpectedly (exit code -9)"}


@pytest.mark.parametrize(
    ("what", "options", "expected"),
    [
        ("digits: bidirectional LSTM", ("gru", "sum", "both", "7"), {"backward_cell": "gru", "merge_mode": "sum"}),
        ("digits: bidirectional LSTM", ("same", "concat", "forward only", "7"), {"bidirectional": False}),
        ("digits: Vision Transformer", ("same", "concat", "both", "14"), {"patch_size": 14}),
    ],
)
def test_the_train_tab_builds_each_digit_option_into_the_model(what, options, expected):
    from s2s_viz.ui import train as train_tab

    _, config = train_tab.make_config(what, "mnist", "options", 1, 64, 0.01, 32, 1, 1.0, 300, *options)
    assert expected.items() <= config.model.items()
    if "backward_cell" not in expected and "patch_size" not in expected:
        assert "backward_cell" not in config.model  # "as the forward": the core's default


def test_an_impossible_digit_option_is_refused_with_the_cores_reason():
    import gradio as gr

    from s2s_viz.ui import train as train_tab

    with pytest.raises(gr.Error, match="patch"):
        train_tab.make_config(
            "digits: Vision Transformer",
            "mnist",
            "options",
            1,
            64,
            0.01,
            32,
            1,
            1.0,
            300,
            "same",
            "concat",
            "both",
            "5",
        )


def test_every_run_of_the_forcing_experiment_is_scored_both_ways(tmp_path):
    """Teacher forcing and reinjection, each scored after every epoch with the gold characters fed and free-running,
    on the same validation pairs, with the seconds its epoch took."""
    from s2s_viz.training import forcing_experiment_configs

    runs = forcing_experiment_configs("toy:dates", 1, feedback="argmax")
    assert [config.model["teacher_forcing_ratio"] for _, config in runs] == [1.0, 0.0]
    assert all(config.score_both_ways and config.model["feedback"] == "argmax" for _, config in runs)
    scored = {}
    for label, config in runs:
        small = TranslatorTrainConfig(
            **{**config.__dict__, "toy_count": 256, "validation_pairs": 40, "model": {**config.model, "latent_dim": 16}}
        )
        events = []
        train_translator(small, tmp_path / label.split()[0], on_event=events.append)
        epoch = next(event for event in events if event["type"] == "epoch")
        scored[label] = epoch
        assert 0.0 < epoch["forced_val_loss"] < 10 and 0 <= epoch["free_exact"] <= 100 and epoch["epoch_s"] > 0
        assert 0 <= epoch["free_chrf"] <= 100
    # the reinjected model's own validation loss is free-running; its teacher-forced one is another number
    reinjected = scored[runs[1][0]]
    assert reinjected["forced_val_loss"] != pytest.approx(reinjected["val_loss"], rel=1e-3)


def test_the_forcing_verdict_is_computed_from_the_numbers():
    from s2s_viz.training.forcing import forcing_verdict

    def run(seconds, loss, exact):
        return [{"epoch_s": seconds, "forced_val_loss": loss, "free_exact": exact, "free_chrf": exact / 2}]

    said = forcing_verdict({"teacher forcing": run(2.0, 0.4, 80.0), "reinjection": run(6.0, 0.9, 30.0)})
    assert "teacher forcing wrote better on its own (80% vs 30% exact)" in said and "0.33x" in said
    said = forcing_verdict({"teacher forcing": run(2.0, 0.4, 20.0), "reinjection": run(5.0, 0.9, 60.0)})
    assert "reinjection wrote better on its own (60% vs 20% exact), at 2.5x the time per epoch" in said
    said = forcing_verdict({"teacher forcing": run(2.0, 0.4, 0.0), "reinjection": run(5.0, 0.9, 0.0)})
    assert "too close to call" in said and "better" not in said  # no verdict on 0% against 0%
    tied = [{"epoch_s": 2.0, "forced_val_loss": 0.4, "free_exact": 0.0, "free_chrf": 31.0}]
    said = forcing_verdict({"teacher forcing": tied, "reinjection": run(5.0, 0.9, 0.0)})
    assert "by chrF teacher forcing wrote better on its own (31.0 vs 0.0)" in said


def test_argmax_feedback_feeds_the_most_likely_character_and_still_trains():
    from s2s_viz.models import RNNSeq2Seq, masked_loss

    rng = np.random.default_rng(0)
    source, target = rng.integers(1, 12, (4, 6)), rng.integers(2, 10, (4, 5))
    target[:, 0] = 1
    outputs = {}
    for feedback in ("soft", "argmax"):
        keras.utils.set_random_seed(0)
        model = RNNSeq2Seq(
            {
                "source_vocab_size": 12,
                "target_vocab_size": 10,
                "latent_dim": 8,
                "teacher_forcing_ratio": 0.0,
                "feedback": feedback,
            }
        )
        outputs[feedback] = np.asarray(model((source, target)))
        model.compile(optimizer="adam", loss=masked_loss)
        before = [w.numpy().copy() for w in model.trainable_weights]
        model.train_on_batch((source, target), np.roll(target, -1, axis=1))
        assert all(np.any(w.numpy() != b) for w, b in zip(model.trainable_weights, before) if "embedding" not in w.path)
    assert np.abs(outputs["soft"] - outputs["argmax"]).max() > 1e-4  # a different input from step 1 on
    with pytest.raises(ValueError, match="feedback must be one of"):
        RNNSeq2Seq({"source_vocab_size": 12, "target_vocab_size": 10, "feedback": "sample"})


def test_the_train_tab_builds_word_level_and_the_notes_attentions():
    from s2s_viz.training.recipes import WHAT, make_config

    def built(fragment):
        what = next(name for name in WHAT if fragment in name)
        return make_config(what, "toy:dates", "a-name", 1, 64, 0.001, 64, 1, 1.0, 1000)[1]

    words = built("word level")
    assert words.level == "word" and words.max_words == 5000
    assert words.model["embedding_dim"] == 64 and words.model["tie_embeddings"]
    assert built("learned attention").model["attention"] == "learned"
    assert built("Dense across positions").model["attention"] == "positional"


def test_xla_compiles_each_training_step_and_trains_the_same_model(tmp_path):
    from s2s_viz.cli import _train_settings, build_parser

    plain = train_translator(small_config(), tmp_path / "plain")
    compiled = train_translator(small_config(xla=True), tmp_path / "xla")
    assert (plain.model.jit_compile, compiled.model.jit_compile) == (False, True)
    assert compiled.card["training"]["config"]["xla"] is True
    # the same seed and batches: XLA changes how each step is computed, not what is learned
    np.testing.assert_allclose(compiled.history["loss"], plain.history["loss"], rtol=0.02)
    settings = _train_settings(build_parser().parse_args(["train", "--data", "toy:copy", "--xla"]))
    assert settings["xla"] is True
    assert "xla" not in _train_settings(build_parser().parse_args(["train", "--data", "toy:copy"]))


@pytest.mark.parametrize("order", ["luong", "bahdanau"])
def test_bfloat16_training_learns_and_saves_float32_weights_the_app_runs_in_float32(tmp_path, order):
    from s2s_viz.cli import _train_settings, build_parser

    model = {"latent_dim": 16, "bidirectional": True, "attention": "additive", "attention_order": order}
    events = []
    result = train_translator(
        small_config(precision="bfloat16", model=model, score_both_ways=True, toy_count=320),
        tmp_path,
        on_event=events.append,
        sample_sources=["abc"],
    )
    assert result.model.compute_dtype == "bfloat16" and keras.config.dtype_policy().name == "float32"
    assert result.history["loss"][-1] < result.history["loss"][0]
    ends = [event for event in events if event.get("samples")]
    assert ends and "attention" in ends[-1]["samples"][0]  # the live model decodes and attends while it trains
    loaded = s2s_viz.load(str(result.path))
    assert loaded.card["training"]["config"]["precision"] == "bfloat16"
    assert loaded.model.compute_dtype == "float32" and all(w.dtype == "float32" for w in loaded.model.weights)
    assert loaded.translate("abc").text == loaded.translate_batch(["abc"])[0]
    settings = _train_settings(build_parser().parse_args(["train", "--data", "toy:copy", "--precision", "bfloat16"]))
    assert settings["precision"] == "bfloat16"
    with pytest.raises(ValueError, match="precision must be one of float32, bfloat16"):
        small_config(precision="float16").validate()
