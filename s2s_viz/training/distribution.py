"""Training on several devices or machines with ``tf.distribute``: mirrored replicas, all-reduced gradients.

``mirrored`` puts one replica on every local GPU (or on the logical CPUs configured); ``multiworker`` runs one
process per machine, each told the cluster and its own place in it by the ``TF_CONFIG`` environment variable:

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'

Worker 0 is the chief: only it writes the checkpoint and its card; the others write nowhere a user would look.

How the input is spread, on purpose: every worker builds the same global batches in the same order (same data,
same seed), and replica ``r`` of ``R`` takes rows ``r, r + R, ...`` of each one, padded to that global batch's
width. So every replica sees a tensor of the same shape at every step (collective ops are then traced in the same
order on every worker), and the model learns from exactly the batches a one-device run would see. That is a
per-worker input function (``distribute_datasets_from_function``), not TensorFlow's auto-sharding, which cannot
shard a generator by file and would give the workers batches of different widths.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import DISTRIBUTION_STRATEGIES


class DistributionError(ValueError):
    """A distribution setting that cannot work; the message names the cause and the fix."""


@dataclass(frozen=True)
class Cluster:
    """Where this process stands: its worker index among ``workers``; worker 0 is the chief."""

    workers: int
    index: int
    addresses: tuple[str, ...]

    @property
    def is_chief(self) -> bool:
        return self.index == 0


def read_tf_config(text: str | None = None) -> Cluster:
    """Parse and check ``TF_CONFIG`` (default: the environment) before TensorFlow starts.

    Refuses, with the fix named: missing or non-JSON text, no worker list, an index outside it, a task type other
    than ``worker``, and an address listed twice (two workers cannot listen on one port).
    """
    text = os.environ.get("TF_CONFIG") if text is None else text
    if not text:
        raise DistributionError(
            "--strategy multiworker needs TF_CONFIG, e.g. "
            '\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}\''
        )
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise DistributionError(f"TF_CONFIG is not valid JSON ({error.msg} at character {error.pos})") from error
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    workers = cluster.get("worker") if isinstance(cluster, dict) else None
    if not isinstance(workers, list) or not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise DistributionError('TF_CONFIG needs "cluster": {"worker": ["host:port", ...]} with at least one address')
    if set(cluster) - {"worker", "chief"} or "chief" in cluster:
        raise DistributionError('TF_CONFIG: list every machine under "worker" (worker 0 acts as the chief)')
    duplicates = sorted({w for w in workers if workers.count(w) > 1})
    if duplicates:
        raise DistributionError(
            f"TF_CONFIG lists {', '.join(duplicates)} more than once; give each worker its own host:port"
        )
    if not isinstance(task, dict) or task.get("type") != "worker":
        raise DistributionError('TF_CONFIG needs "task": {"type": "worker", "index": N}')
    index = task.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(workers):
        raise DistributionError(
            f"TF_CONFIG task index must be 0..{len(workers) - 1} (this worker's place in the list), got {index!r}"
        )
    return Cluster(workers=len(workers), index=index, addresses=tuple(workers))


_STRATEGIES: dict = {}
_JOINED_MARKER = "S2S_VIZ_JOINED_MARKER"  # a file the watchdog waits for (see agree)


def worker_timeout_s() -> float:
    """How long a worker waits for the others to start (``S2S_VIZ_WORKER_TIMEOUT_S``, default 300 s)."""
    return float(os.environ.get("S2S_VIZ_WORKER_TIMEOUT_S", "300"))


_WATCHDOG = """
import json, os, signal, socket, sys, time
parent, marker, timeout_s = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
index, addresses = int(sys.argv[4]), json.loads(sys.argv[5])
deadline = time.monotonic() + timeout_s
while time.monotonic() < deadline:
    if os.path.exists(marker):
        os.remove(marker)
        sys.exit(0)
    try:
        os.kill(parent, 0)
    except OSError:
        sys.exit(0)
    time.sleep(0.2)
def answers(address):
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=2).close()
        return True
    except (OSError, ValueError):
        return False
silent = [a for i, a in enumerate(addresses) if i != index and not answers(a)]
who = "not answering: " + ", ".join(silent) if silent else "every address answers, but not every worker joined"
print(f"error: worker {index} waited {timeout_s:.0f} s for the other workers ({who}); start every worker with the "
      "same TF_CONFIG cluster (S2S_VIZ_WORKER_TIMEOUT_S sets the wait)", file=sys.stderr, flush=True)
os.kill(parent, signal.SIGKILL)
"""


def exit_if_cluster_not_joined(cluster: Cluster, timeout_s: float) -> None:
    """For a command-line worker: end it with one line if the cluster has not formed within ``timeout_s``.

    TensorFlow waits for every listed worker without limit, holding Python's interpreter lock and ignoring
    SIGTERM meanwhile, so no thread or signal handler of this process could act: a small watchdog process
    does, naming the addresses that do not answer. It leaves quietly once :func:`agree` has heard every worker.
    """
    import subprocess
    import tempfile

    handle, marker = tempfile.mkstemp(prefix="s2s-viz-joined-")
    os.close(handle)
    os.remove(marker)
    os.environ[_JOINED_MARKER] = marker
    subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WATCHDOG,
            str(os.getpid()),
            marker,
            str(timeout_s),
            str(cluster.index),
            json.dumps(cluster.addresses),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )


def get_strategy(name: str):
    """The ``tf.distribute`` strategy named (one per process: a cluster is joined once), or ``None`` for ``none``."""
    if name not in DISTRIBUTION_STRATEGIES:
        raise DistributionError(f"strategy must be one of {', '.join(DISTRIBUTION_STRATEGIES)}, got {name!r}")
    if name == "none":
        return None
    import keras

    if keras.backend.backend() != "tensorflow":
        return _keras_data_parallel(name, keras)
    if name not in _STRATEGIES:
        import tensorflow as tf

        if name == "multiworker":
            read_tf_config()  # a readable refusal before TensorFlow tries to reach anyone
            _STRATEGIES[name] = tf.distribute.MultiWorkerMirroredStrategy()
        else:
            _STRATEGIES[name] = tf.distribute.MirroredStrategy()
    return _STRATEGIES[name]


def _keras_data_parallel(name: str, keras) -> None:
    """On JAX, ``mirrored`` is Keras's own data parallelism over every local device (``keras.distribution``): each
    variable built afterwards is replicated, each batch split; the trainer then sees one global batch (no strategy).
    """
    if name != "mirrored" or keras.backend.backend() != "jax":
        raise DistributionError(
            f"strategy {name!r} needs TensorFlow (tf.distribute); on {keras.backend.backend()} use 'none'"
            + (" or 'mirrored' (keras.distribution, JAX)" if keras.backend.backend() == "jax" else "")
        )
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    return None


def cluster_of(strategy) -> Cluster:
    """This process's place: from ``TF_CONFIG`` for a multi-worker strategy, else a cluster of one."""
    if strategy is None:
        return Cluster(workers=1, index=0, addresses=())
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return read_tf_config()
    return Cluster(workers=1, index=0, addresses=())


def replica_shares(batch_rows: int, replicas: int) -> list:
    """Which rows of a global batch each replica takes: replica ``r`` gets rows ``r, r + R, r + 2R, ...``."""
    return [slice(r, batch_rows, replicas) for r in range(replicas)]


def distribute(strategy, make_dataset):
    """A distributed dataset from ``make_dataset(first_replica, replicas_here, replicas)``, one call per worker.

    ``make_dataset`` returns a ``tf.data.Dataset`` that yields, for each global batch in order, the shares of the
    replicas ``first_replica .. first_replica + replicas_here - 1`` one after the other (TensorFlow hands a
    worker's elements to its local replicas in turn).
    """

    def per_worker(context):
        replicas = context.num_replicas_in_sync
        here = replicas // context.num_input_pipelines
        return make_dataset(context.input_pipeline_id * here, here, replicas)

    import tensorflow as tf

    options = tf.distribute.InputOptions(experimental_fetch_to_device=False)
    return strategy.distribute_datasets_from_function(per_worker, options)


def adapt_model(model, strategy) -> None:
    """Two Keras 3 (3.15) gaps under ``MultiWorkerMirroredStrategy``, closed for this model (keras-team/keras#20585).

    1. ``fit`` builds a distributed model by averaging the first batch across all replicas with
       ``strategy.reduce``, which fails for nested inputs ("Attempt to convert a value (PerReplica...)").
       Building needs only the shapes, which every replica has locally: the model is built from this worker's
       own share. Every worker still consumes that one batch, as Keras does, so the workers stay in step.
    2. Each step's logs are averaged over the workers with ``strategy.reduce("MEAN", value, axis=0)``, which
       fails on a scalar loss ("Invalid reduction dimension 0"): the steps here return each log as a vector of
       one, which that reduction averages over the replicas. (The epoch figures, the history and the card,
       come from Keras's metric variables, summed across every replica when read outside a step.)
    """
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return

    def as_vectors(step):
        return lambda data: tf.nest.map_structure(lambda value: tf.reshape(value, (1,)), step(data))

    model.train_step = as_vectors(model.train_step)
    model.test_step = as_vectors(model.test_step)

    def local_build(iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, batches in iterator:
                first = next(batches)
                data_batch = tf.nest.map_structure(
                    lambda value: (
                        strategy.experimental_local_results(value)[0]
                        if isinstance(value, tf.distribute.DistributedValues)
                        else value
                    ),
                    first,
                )
                break
        with strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    model._maybe_symbolic_build = local_build


def explain_failure(error: BaseException, cluster: Cluster) -> tuple[str, bool]:
    """One line naming why a distributed training failed and what to do (never a dumped tensor), and whether
    it was a lost worker (the job can resume from the last backup)."""
    import re

    text = f"{error.__class__.__name__}: {error}"
    if error.__class__.__name__ in ("UnavailableError", "CancelledError", "AbortedError") or "unhealthy" in text:
        lost = sorted(set(re.findall(r"/job:worker/(?:replica:\d+/)?task:(\d+)", text)) - {str(cluster.index)})
        who = f"worker {', '.join(lost)}" if lost else "another worker"
        return (
            f"worker {cluster.index}: {who} stopped answering mid-training; start it again with the same command, "
            "and the job resumes from the last completed epoch's backup",
            True,
        )
    return text.splitlines()[0][:300], False


def agree(strategy, cluster: Cluster, settings: dict, resumed_epoch: int) -> list[int]:
    """Check that every worker trains with the same settings; returns each worker's resumed epoch.

    One gather across the cluster: workers started with different settings would feed differently shaped
    batches into the same collective ops and hang, so they are refused here with the fix named.
    """
    import tensorflow as tf

    text = json.dumps(settings, sort_keys=True, default=str)
    fingerprint = int.from_bytes(hashlib.sha256(text.encode()).digest()[:3], "big")
    mine = tf.constant([[fingerprint, resumed_epoch, cluster.index]], dtype=tf.int32)
    gathered = strategy.gather(strategy.run(lambda: tf.identity(mine)), axis=0).numpy()
    if os.environ.get(_JOINED_MARKER):
        Path(os.environ[_JOINED_MARKER]).touch()  # every worker answered: the watchdog can go
    by_worker = {int(index): (int(print_), int(epoch)) for print_, epoch, index in gathered}
    differing = sorted(index for index, (print_, _) in by_worker.items() if print_ != fingerprint)
    if differing:
        raise DistributionError(
            f"worker {cluster.index}'s training settings differ from worker(s) {', '.join(map(str, differing))}; "
            "start every worker with the same command and settings (only TF_CONFIG's index differs)"
        )
    return [by_worker[index][1] for index in sorted(by_worker)]
