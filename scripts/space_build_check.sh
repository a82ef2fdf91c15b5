#!/usr/bin/env bash
# What Hugging Face Spaces does with this repository, done here: a fresh virtual environment,
# `pip install -r requirements.txt`, `python app.py`; then the page and one translation must answer.
# Usage: bash scripts/space_build_check.sh   (exits non-zero, with the app's log, if anything fails)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${app_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q -r requirements.txt
port=$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GRADIO_SERVER_NAME=127.0.0.1 GRADIO_SERVER_PORT=$port GRADIO_ANALYTICS_ENABLED=False \
  "$work/venv/bin/python" app.py > "$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 180); do
  if curl -sf "http://127.0.0.1:$port/" > /dev/null; then break; fi
  if ! kill -0 "$app_pid" 2>/dev/null; then tail -40 "$work/app.log"; echo "space build check: the app exited"; exit 1; fi
  sleep 1
done
answer=$(curl -sf -X POST "http://127.0.0.1:$port/gradio_api/call/translate" -H 'Content-Type: application/json' \
  -d '{"data": ["attention-char-en-fr", "I am cold.", "greedy", 4, 1.0, 0]}') || { tail -40 "$work/app.log"; exit 1; }
event=$(echo "$answer" | "$work/venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["event_id"])')
result=$(curl -sf -N --max-time 120 "http://127.0.0.1:$port/gradio_api/call/translate/$event")
if ! echo "$result" | grep -q "J'ai froid."; then
  echo "$result" | head -c 2000; tail -40 "$work/app.log"; echo "space build check: no translation"; exit 1
fi
echo "space build check: a fresh 'pip install -r requirements.txt' serves the app, and it translates"
