"""Nothing reachable that shouldn't be: the file routes refuse system files, the source tree and the data."""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def targets() -> list[str]:
    paths = [
        "/etc/passwd",
        str(ROOT / "app.py"),
        str(ROOT / "s2s_viz" / "__init__.py"),
        "app.py",
        "../../etc/passwd",
        str(ROOT / "checkpoints" / "lstm-char-en-fr.json"),
    ]
    if os.environ.get("S2S_VIZ_DATA"):
        paths.append(str(Path(os.environ["S2S_VIZ_DATA"]) / "fra-eng" / "fra.txt"))
    return paths


def status_of(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(2000)
    except urllib.error.HTTPError as error:
        return error.code, b""


@pytest.mark.parametrize("path", targets())
@pytest.mark.parametrize("route", ["gradio_api/file={}", "file={}", "gradio_api/file/{}"])
def test_file_routes_refuse(app_url, route, path):
    url = app_url + route.format(urllib.parse.quote(path, safe="/"))
    status, body = status_of(url)
    assert status in (400, 403, 404, 405), (url, status, body[:200])
    assert b"root:" not in body and b"import" not in body


def test_the_app_still_translates_after_the_attempts(client):
    """After every refused file request above, the app still does its work: a real translation, right."""
    text = client.predict("attention-char-en-fr", "I am cold.", "greedy", 4, 1.0, 0, api_name="/translate")[0]
    assert text == "J'ai froid."


def test_uploads_over_the_limit_are_refused(client, tmp_path):
    from gradio_client import handle_file

    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + os.urandom(11 * 2**20))
    with pytest.raises(Exception, match="(?i)too large|413|size"):
        client.predict("birnn-mnist", None, handle_file(str(big)), 0, "upload", api_name="/classify_digit")


def test_a_huge_request_body_is_refused_before_it_is_read(app_url):
    """2 MB of JSON to a call, its length declared and streamed in chunks without one: 413 with a sentence, answered
    before the body is taken (the sender may still be writing when the answer comes)."""
    import select
    import socket

    host, port = app_url.split("//")[1].rstrip("/").split(":")

    def answer(head: bytes, chunks) -> bytes:
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            connection.sendall(head)
            try:
                for chunk in chunks:
                    if select.select([connection], [], [], 0)[0]:
                        break  # answered while still sending: what the answer says is what counts
                    connection.sendall(chunk)
            except OSError:
                pass  # the server stopped reading
            received = b""
            while b"\r\n\r\n" not in received or b"larger than" not in received:
                part = connection.recv(65536)
                if not part:
                    break
                received += part
            return received

    path = b"POST /gradio_api/call/translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    body = b'{"data": ["attention-char-en-fr", "' + b"x" * (2 * 2**20) + b'", "greedy", 4, 1.0, 0]}'
    declared = answer(path + f"Content-Length: {len(body)}\r\n\r\n".encode(), [])  # the length alone refuses it
    assert declared.startswith(b"HTTP/1.1 413") and b"larger than 1,048,576 bytes" in declared
    pieces = [body[start : start + 65536] for start in range(0, len(body), 65536)]
    chunked = answer(
        path + b"Transfer-Encoding: chunked\r\n\r\n", [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces]
    )
    assert chunked.startswith(b"HTTP/1.1 413") and b"larger than" in chunked
