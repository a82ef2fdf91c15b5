#!/usr/bin/env bash
# Train the shipped models with the project's own command, as their cards record.
# Usage: scripts/train_shipped.sh [--per-core] [NAME ...]   (default: every config in configs/)
#   --per-core: as many trainings at once as there are cores, each pinned to its own core (taskset); on a small
#   CPU this trains about twice as much per hour as one training on every core (`s2s-viz bench cores`).
set -u
cd "$(dirname "$0")/.."
per_core=0
if [ "${1:-}" = "--per-core" ]; then per_core=1; shift; fi
names=("$@")
[ ${#names[@]} -eq 0 ] && names=($(ls configs/*.toml | xargs -n1 basename | sed 's/\.toml$//'))

train() {  # NAME [CORE]
  local pin=()
  [ -n "${2:-}" ] && pin=(taskset -c "$2")
  echo "=== $1 ${2:+on core $2 }$(date)"
  "${pin[@]}" s2s-viz train --config "configs/$1.toml" --output checkpoints --evaluate || echo "=== $1 FAILED"
}

if [ $per_core -eq 0 ]; then
  for name in "${names[@]}"; do train "$name"; done
else
  cores=$(nproc)
  for ((i = 0; i < ${#names[@]}; i += cores)); do
    for ((k = 0; k < cores && i + k < ${#names[@]}; k++)); do train "${names[i + k]}" "$k" & done
    wait
  done
fi
echo "=== all done $(date)"
