#!/usr/bin/env bash
# Train the shipped models one after another with the project's own command, as their cards record.
# Usage: scripts/train_shipped.sh [NAME ...]   (default: every config in configs/)
set -u
cd "$(dirname "$0")/.."
names=("$@")
[ ${#names[@]} -eq 0 ] && names=($(ls configs/*.toml | xargs -n1 basename | sed 's/\.toml$//'))
for name in "${names[@]}"; do
  echo "=== $name $(date)"
  s2s-viz train --config "configs/$name.toml" --output checkpoints --evaluate || echo "=== $name FAILED"
done
echo "=== all done $(date)"
