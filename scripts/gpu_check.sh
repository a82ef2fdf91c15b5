#!/usr/bin/env bash
# The GPU, measured: on a machine with an NVIDIA GPU and PyTorch or JAX already installed (no package index needed),
# train one epoch of every model kind the Train tab offers (its own settings), the Train tab's *try this* whole, one
# epoch of the attention en-fr configuration, and decode with every shipped translator, under each backend found;
# write samples/s, seconds and ms per sentence per backend and device to benchmarks/results/gpu.json.
#
#   S2S_VIZ_DATA=/path/to/data scripts/gpu_check.sh [WHEELS]
#
# WHEELS: a folder holding the keras wheel and what it needs beyond the machine's packages (namex, optree), fetched
# on a machine with an index by `pip download --no-deps keras==3.15.1 namex optree` (default: .whl).
# GPU_CHECK_BACKENDS (default "jax torch") chooses the backends; GPU_CHECK_SECONDS bounds each backend's run;
# GPU_CHECK_SECTIONS picks among try_this kinds digits decoding en_fr (default: all but digits, which kinds holds);
# GPU_CHECK_PARTS names a folder for each backend's results as they come (kept if a run is cut short).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! nvidia-smi -L; then
    echo "no NVIDIA GPU here (nvidia-smi failed): nothing to check" >&2
    exit 2
fi
wheels=${1:-.whl}
site=$(mktemp -d)
python3 -m pip install -q --no-index --no-deps --no-compile --target "$site" "$wheels"/*.whl
export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
parts=()
for backend in ${GPU_CHECK_BACKENDS:-jax torch}; do
    if ! python3 -c "import $backend" 2>/dev/null; then
        echo "$backend is not installed here: skipped"
        continue
    fi
    part="${GPU_CHECK_PARTS:-$site}/gpu-$backend.json"
    KERAS_BACKEND=$backend timeout "${GPU_CHECK_SECONDS:-400}" python3 scripts/gpu_check.py --part "$part" ${GPU_CHECK_SECTIONS:+--sections $GPU_CHECK_SECTIONS} || true
    [ -f "$part" ] && parts+=("$part")
done
if [ ${#parts[@]} -eq 0 ]; then
    echo "no backend measured a GPU here" >&2
    exit 2
fi
first=$(basename "${parts[0]}" .json)
KERAS_BACKEND=${first#gpu-} python3 scripts/gpu_check.py --merge "${parts[@]}"
