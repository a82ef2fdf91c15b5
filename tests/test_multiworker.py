"""Multi-worker training on loopback: real worker processes, started as docs/distributed.md says, on free local ports.

Every process here is bounded in time and killed if it overstays; each test stops by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import needs_mnist, wait_until

from s2s_viz.bench import free_ports

pytestmark = pytest.mark.slow

# One small task, the same for the undisturbed run, the one-worker run and the lost-worker run.
TASK = [
    "--data",
    "toy:reverse",
    "--latent-dim",
    "32",
    "--epochs",
    "3",
    "--batch-size",
    "64",
    "--limit",
    "1024",
    "--learning-rate",
    "0.01",
    "--seed",
    "3",
    "--attention",
    "additive",
]
DEADLINE_S = 240


def tf_config(ports: list[int], index: int) -> str:
    return json.dumps(
        {"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]}, "task": {"type": "worker", "index": index}}
    )


def s2s_viz_command() -> list[str]:
    script = Path(sys.executable).parent / "s2s-viz"
    return [str(script)] if script.exists() else [sys.executable, "-m", "s2s_viz"]


class Worker:
    """One `s2s-viz train --strategy multiworker` process with its TF_CONFIG; its output goes to a log file."""

    def __init__(self, ports, index, args, output: Path, extra_env=None):
        self.log_path = output.parent / f"worker-{index}-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "TF_CONFIG": tf_config(ports, index),
            "S2S_VIZ_WORKER_TIMEOUT_S": "60",
            **(extra_env or {}),
        }
        command = [*s2s_viz_command(), "train", *args, "--strategy", "multiworker", "--output", str(output)]
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait(self, deadline: float) -> int:
        try:
            return self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"worker overstayed; its log:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # TensorFlow ignores SIGTERM while it waits for peers
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def run_workers(count, args, outputs, extra_env=None, deadline_s=DEADLINE_S):
    ports = free_ports(count)
    workers = [Worker(ports, i, args, outputs[i], extra_env) for i in range(count)]
    deadline = time.monotonic() + deadline_s
    try:
        codes = [worker.wait(deadline) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    return codes, [worker.log() for worker in workers]


def user_visible_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    """Two workers train the attention translator to the end, each with its own output folder."""
    root = tmp_path_factory.mktemp("undisturbed")
    outputs = [root / "chief", root / "worker1"]
    codes, logs = run_workers(2, [*TASK, "--name", "mw-attention"], outputs)
    assert codes == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    return outputs, logs


def test_two_workers_train_and_only_the_chief_writes(undisturbed):
    outputs, logs = undisturbed
    assert user_visible_files(outputs[0]) == ["mw-attention.json", "mw-attention.keras"]  # no backup left either
    assert user_visible_files(outputs[1]) == []
    card = json.loads((outputs[0] / "mw-attention.json").read_text())
    assert card["training"]["distribution"] == {
        "strategy": "multiworker",
        "workers": 2,
        "replicas": 2,
        "global_batch": 64,
        "per_replica_batch": 32,
    }
    assert card["training"]["epochs_completed"] == 3
    assert "saved by the chief (worker 0)" in logs[1]
    import s2s_viz

    translator = s2s_viz.load(str(outputs[0] / "mw-attention.keras"))
    assert translator.translate("abc").attention is not None


def test_multiworker_loss_follows_one_worker(undisturbed, tmp_path):
    """Same global batch and seed: the two-worker curve follows a one-worker run within 3% per epoch."""
    from s2s_viz.cli import _train_settings, build_parser
    from s2s_viz.training import TranslatorTrainConfig, train_translator

    outputs, _ = undisturbed
    multi = json.loads((outputs[0] / "mw-attention.json").read_text())["training"]["history"]["loss"]
    settings = _train_settings(build_parser().parse_args(["train", *TASK, "--name", "one-worker"]))
    one = train_translator(TranslatorTrainConfig.from_dict(settings), tmp_path).history["loss"]
    assert len(one) == len(multi) == 3
    for single, distributed in zip(one, multi, strict=True):
        assert abs(single - distributed) <= 0.03 * single, (one, multi)
    assert multi[-1] < multi[0]


def test_a_lost_worker_is_survived(undisturbed, tmp_path):
    """Kill worker 1 mid-epoch, start it again: the job resumes from the last backup and finishes."""
    outputs = [tmp_path / "chief", tmp_path / "worker1"]
    args = [*TASK, "--name", "mw-attention"]
    ports = free_ports(2)
    chief, worker = Worker(ports, 0, args, outputs[0]), Worker(ports, 1, args, outputs[1])
    deadline = time.monotonic() + DEADLINE_S
    try:
        card = outputs[0] / "mw-attention.json"
        wait_until(
            lambda: card.exists() and json.loads(card.read_text())["training"]["epochs_completed"] >= 1,
            deadline - time.monotonic(),
            "the chief's first epoch",
        )
        wait_until(lambda: "epoch 2 batch" in worker.log(), deadline - time.monotonic(), "worker 1 in epoch 2", 0.05)
        before = chief.log()  # read before the kill: the chief may notice the lost worker at once
        worker.kill()
        assert "restarting worker to resume" not in before
        restarted = Worker(ports, 1, args, outputs[1])
        assert chief.wait(deadline) == 0, chief.log()[-3000:]
        assert restarted.wait(deadline) == 0, restarted.log()[-3000:]
    finally:
        for process in (chief, worker):
            process.kill()
    assert "stopped answering mid-training" in chief.log()
    assert "restarting worker to resume (attempt 1 of 3)" in chief.log()
    assert user_visible_files(outputs[0]) == ["mw-attention.json", "mw-attention.keras"]
    final = json.loads(card.read_text())["training"]
    assert final["epochs_completed"] == 3 and len(final["history"]["loss"]) == 3
    reference = json.loads((undisturbed[0][0] / "mw-attention.json").read_text())["training"]["history"]["loss"]
    assert abs(final["history"]["loss"][-1] - reference[-1]) <= 0.03 * reference[-1], (final["history"], reference)
    import s2s_viz

    assert s2s_viz.load(str(outputs[0] / "mw-attention.keras")).translate("abc").text is not None


def test_three_workers_train_a_transformer(tmp_path):
    outputs = [tmp_path / f"w{i}" for i in range(3)]
    args = [
        "--architecture",
        "transformer",
        "--num-layers",
        "1",
        "--data",
        "toy:copy",
        "--epochs",
        "1",
        "--batch-size",
        "48",
        "--limit",
        "192",
        "--name",
        "mw-transformer",
    ]
    codes, logs = run_workers(3, args, outputs)
    assert codes == [0, 0, 0], "\n".join(log[-2000:] for log in logs)
    card = json.loads((outputs[0] / "mw-transformer.json").read_text())
    assert card["training"]["distribution"]["replicas"] == 3
    assert card["training"]["distribution"]["per_replica_batch"] == 16
    assert user_visible_files(outputs[1]) == user_visible_files(outputs[2]) == []


@needs_mnist
def test_two_workers_train_a_digit_model(tmp_path):
    outputs = [tmp_path / "w0", tmp_path / "w1"]
    args = [
        "--kind",
        "digits",
        "--architecture",
        "birnn",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--limit",
        "1024",
        "--name",
        "mw-digits",
    ]
    codes, logs = run_workers(2, args, outputs)
    assert codes == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    card = json.loads((outputs[0] / "mw-digits.json").read_text())
    assert card["training"]["distribution"]["workers"] == 2
    assert 0 <= card["metrics"]["test_accuracy"] <= 100
    assert user_visible_files(outputs[1]) == []


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith(("error:", "training failed:"))]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("{not json", "TF_CONFIG is not valid JSON"),
        (
            '{"cluster": {"worker": ["127.0.0.1:5000", "127.0.0.1:5000"]}, "task": {"type": "worker", "index": 0}}',
            "127.0.0.1:5000 more than once",
        ),
        ('{"cluster": {"worker": ["127.0.0.1:5000"]}, "task": {"type": "worker", "index": 3}}', "index must be 0..0"),
    ],
)
def test_bad_tf_config_is_refused_before_tensorflow_starts(config, expected):
    started = time.monotonic()
    result = subprocess.run(
        [
            *s2s_viz_command(),
            "train",
            "--data",
            "toy:copy",
            "--strategy",
            "multiworker",
            "--output",
            tempfile.mkdtemp(),
        ],
        env={**os.environ, "TF_CONFIG": config},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(error_lines(result.stderr)) == 1
    assert time.monotonic() - started < 30


def test_an_unreachable_worker_is_named_after_a_bounded_wait(tmp_path):
    ports = free_ports(2)
    lone = Worker(ports, 0, ["--data", "toy:copy", "--epochs", "1"], tmp_path / "w0", {"S2S_VIZ_WORKER_TIMEOUT_S": "5"})
    code = lone.wait(time.monotonic() + 90)
    assert code == -signal.SIGKILL  # the watchdog ends a worker that TensorFlow keeps waiting
    assert f"not answering: 127.0.0.1:{ports[1]}" in lone.log()
    assert len(error_lines(lone.log())) == 1


def test_workers_with_different_settings_are_refused(tmp_path):
    ports = free_ports(2)
    common = ["--data", "toy:copy", "--epochs", "1", "--limit", "256", "--name", "mismatch"]
    workers = [
        Worker(ports, 0, [*common, "--batch-size", "64"], tmp_path / "w0"),
        Worker(ports, 1, [*common, "--batch-size", "32"], tmp_path / "w1"),
    ]
    deadline = time.monotonic() + 120
    try:
        codes = [worker.wait(deadline) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    assert codes == [1, 1]
    for worker in workers:
        assert "training settings differ" in worker.log()
        assert len(error_lines(worker.log())) == 1 and "Traceback" not in worker.log()
    shutil.rmtree(tmp_path, ignore_errors=True)
