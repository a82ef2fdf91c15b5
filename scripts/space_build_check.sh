#!/usr/bin/env bash
# What Hugging Face Spaces does with this repository, done here: a fresh virtual environment,
# `pip install -r requirements.txt`, `python app.py`; then the page and one translation must answer.
# Usage: bash scripts/space_build_check.sh   (exits non-zero, with the app's log, if anything fails)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${app_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
python="$work/venv/bin/python"
"$python" -m pip install -q --upgrade pip
"$python" -m pip install -q -r requirements.txt
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
GRADIO_SERVER_NAME=127.0.0.1 GRADIO_SERVER_PORT=$port GRADIO_ANALYTICS_ENABLED=False "$python" app.py > "$work/app.log" 2>&1 &
app_pid=$!
if ! "$python" - "$port" "$app_pid" <<'PY'
import json, os, sys, time, urllib.request

port, pid = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 180
while True:
    try:
        urllib.request.urlopen(base + "/", timeout=5)
        break
    except OSError:
        os.kill(pid, 0)  # the app is still there
        if time.monotonic() > deadline:
            sys.exit("the page did not answer in 180 s")
        time.sleep(1)
request = urllib.request.Request(
    base + "/gradio_api/call/translate",
    data=json.dumps({"data": ["attention-char-en-fr", "I am cold.", "greedy", 4, 1.0, 0]}).encode(),
    headers={"Content-Type": "application/json"},
)
event = json.load(urllib.request.urlopen(request, timeout=30))["event_id"]
stream = urllib.request.urlopen(f"{base}/gradio_api/call/translate/{event}", timeout=120).read().decode()
if "J'ai froid." not in stream:
    sys.exit("no translation: " + stream[:2000])
PY
then
  tail -40 "$work/app.log"
  echo "space build check: failed"
  exit 1
fi
echo "space build check: a fresh 'pip install -r requirements.txt' serves the app, and it translates"
