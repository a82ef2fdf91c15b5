"""The real app, launched on a free local port in a subprocess, for API and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]


APP_PIDS: dict[str, int] = {}  # the app's URL -> its server process


@pytest.fixture(scope="session")
def app_rss(app_url):
    """The running app's resident memory in bytes, read now (from /proc)."""

    def read() -> int:
        with open(f"/proc/{APP_PIDS[app_url]}/status") as status:
            kilobytes = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        return kilobytes * 1024

    return read


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_user_models(tmp_path_factory):
    """The running app's own user-model folder (where it saves what it trains)."""
    return tmp_path_factory.mktemp("app-user-models")


@pytest.fixture(scope="session")
def app_log(tmp_path_factory):
    """Where the running app's output goes."""
    return tmp_path_factory.mktemp("app-log") / "app.log"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, app_user_models, app_log):
    """``python app.py`` with a private user-model folder and a short training limit; yields its URL."""
    port = free_port()
    user_models = app_user_models
    # One unreadable checkpoint in the folder must not stop the app from starting.
    (user_models / "broken.json").write_text("{not json")
    (user_models / "broken.keras").write_bytes(b"junk")
    log = app_log
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "S2S_VIZ_USER_MODELS": str(user_models),
        "S2S_VIZ_MAX_TRAIN_S": "120",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "S2S_VIZ_WARM_UP": "views",  # the tabs' views drawn at start; other translators compile when a test asks
    }
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the app stopped: {log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            return False

    try:
        wait_until(answers, 120, "the app to answer", every=0.5)
    except (AssertionError, RuntimeError):
        process.kill()
        raise
    APP_PIDS[url] = process.pid
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (the suite runs on two workers), every app test goes to one worker: one app server."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("app"))
