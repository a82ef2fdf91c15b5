#!/usr/bin/env bash
# The GPU path, checked on a machine with an NVIDIA GPU: install the gpu extra in its own environment, check that
# TensorFlow sees the device, train attention-dates and one epoch of the attention en-fr configuration there, and
# write samples/s, decode ms and batched sentences/s on GPU and CPU to benchmarks/results/gpu.json.
#
#   S2S_VIZ_DATA=/path/to/data scripts/gpu_check.sh        (fra-eng/fra.txt under it; about 15 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! nvidia-smi -L; then
    echo "no NVIDIA GPU here (nvidia-smi failed): nothing to check" >&2
    exit 2
fi
python -m venv .venv-gpu
. .venv-gpu/bin/activate
pip install -q -e ".[gpu]"
python -c "import tensorflow as tf; gpus = tf.config.list_physical_devices('GPU'); print('TensorFlow sees', gpus); assert gpus"
python scripts/gpu_check.py
