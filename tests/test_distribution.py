"""Training with tf.distribute.MirroredStrategy on two logical CPU devices follows the one-device curve."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json, sys, tempfile
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from s2s_viz.training import TranslatorTrainConfig, train_translator
    histories = {}
    for strategy in ("none", "mirrored"):
        config = TranslatorTrainConfig(
            name=f"dist-{strategy}", data="toy:reverse", toy_count=768, validation_pairs=64, epochs=2, batch_size=64,
            learning_rate=0.01, max_source_length=12, max_target_length=12, seed=3, strategy=strategy,
            model={"latent_dim": 32},
        )
        histories[strategy] = train_translator(config, tempfile.mkdtemp()).history["loss"]
    print(json.dumps({"replicas": len(tf.config.list_logical_devices("CPU")), **histories}))
    """
)


def test_mirrored_strategy_matches_one_device():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    histories = json.loads(result.stdout.strip().splitlines()[-1])
    assert histories["replicas"] == 2
    for one, two in zip(histories["none"], histories["mirrored"], strict=True):
        assert abs(one - two) <= 0.03 * one, histories
    assert histories["mirrored"][-1] < histories["mirrored"][0]
