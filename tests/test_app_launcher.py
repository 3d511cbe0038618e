"""``hipcheck app``: local only, no outbound lookups, same settings from any folder.

The slow test starts ``hipcheck app`` from a scratch folder whose own
``.streamlit/config.toml`` asks for the opposite (every interface, usage statistics
on), with a socket audit (``tests/socket_audit/sitecustomize.py`` logs every connect,
sendto, bind and name lookup of the app's process). It then loads the page, makes a
cross-origin WebSocket request (the code path where Streamlit looks up the machine's
external address), stops the app and checks: listening on loopback only (or on every
interface with ``--expose``), no connection or name lookup to anything but loopback.
Measured without the launcher (plain ``streamlit run app.py`` from another folder,
headless): it bound 0.0.0.0, connected a UDP socket to 8.8.8.8 and looked up
``checkip.amazonaws.com`` four times.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hipcheck.cli.serve import entry_script, streamlit_flags

REPO = Path(__file__).resolve().parents[1]
AUDIT = REPO / "tests" / "socket_audit"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def test_flags_carry_every_privacy_setting() -> None:
    flags = streamlit_flags(8599, expose=False)
    settings = dict(zip(flags[::2], flags[1::2], strict=True))
    assert settings["--server.address"] == "127.0.0.1"
    assert settings["--browser.gatherUsageStats"] == "false"
    assert settings["--server.headless"] == "true"
    assert settings["--browser.serverAddress"] == "localhost"  # one URL, no IP lookups
    assert settings["--server.port"] == "8599"
    assert streamlit_flags(8599, expose=True)[1] == "0.0.0.0"
    assert entry_script().is_file() and entry_script().parent.name == "app"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _audit(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _host(arg: str) -> str | None:
    """The host of a logged address argument like "('127.0.0.1', 8501)"; None for others."""
    arg = arg.strip()
    if arg.startswith("(") and "," in arg:
        return arg[1:].split(",")[0].strip().strip("'\"")
    return None


@pytest.mark.slow
@pytest.mark.parametrize("expose", [False, True], ids=["local", "expose"])
def test_app_from_another_folder_is_local_and_silent(tmp_path: Path, expose: bool) -> None:
    psutil = pytest.importorskip("psutil")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / ".streamlit").mkdir(parents=True)
    (elsewhere / ".streamlit" / "config.toml").write_text(
        '[browser]\ngatherUsageStats = true\n[server]\naddress = "0.0.0.0"\nheadless = false\n'
    )
    log = tmp_path / "sockets.jsonl"
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(AUDIT), str(REPO / "src")]),
        "HIPCHECK_SOCKET_LOG": str(log),
        "HOME": str(tmp_path),  # no ~/.streamlit of the machine
    }
    env.pop("STREAMLIT_SERVER_ADDRESS", None)
    cmd = [sys.executable, "-c", "from hipcheck.cli import main; main()", "app", "--port",
           str(port), *(["--expose"] if expose else [])]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the app did not start"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as r:
            assert r.status == 200 and b"<html" in r.read().lower()
        from websockets.sync.client import connect

        with pytest.raises(Exception, match="403"):  # cross-origin: refused, without lookups
            connect(
                f"ws://127.0.0.1:{port}/_stcore/stream",
                origin="http://attacker.example:8080",
                open_timeout=10,
            )
        listening = {
            c.laddr.ip
            for c in psutil.Process(proc.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            output = proc.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:
            proc.kill()
            output = proc.communicate()[0].decode()
    assert listening == ({"0.0.0.0"} if expose else {"127.0.0.1"}), listening
    assert "Network URL" not in output and "External URL" not in output, output
    assert f":{port}" in output
    calls = _audit(log)
    assert any(c["call"] == "bind" for c in calls), "the audit did not run"
    for c in calls:
        if c["pid"] != proc.pid:
            continue
        if c["call"] in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
            assert c["args"][0].strip("'\"") in LOOPBACK, f"name lookup: {c}"
        elif c["call"] in ("connect", "connect_ex", "sendto", "create_connection"):
            host = _host(c["args"][-1] if c["call"] != "create_connection" else c["args"][0])
            assert host is None or host in LOOPBACK, f"outbound: {c}"
        elif c["call"] == "bind":
            host = _host(c["args"][-1])
            assert host in (*LOOPBACK, "0.0.0.0" if expose else "127.0.0.1"), f"bind: {c}"
