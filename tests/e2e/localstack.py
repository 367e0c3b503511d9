"""Start and stop `python -m devstack.run` in a subprocess for the end-to-end tests: loopback, free
ports, the given state directory, every wait bounded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def partnerctl() -> list[str]:
    script = Path(sys.executable).parent / "partnerctl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "devstack.cli"]


class Running:
    def __init__(self, proc: subprocess.Popen, env: dict[str, str], directory: Path, log: Path, startup: float):
        self.proc, self.env, self.directory, self.log, self.startup = proc, env, directory, log, startup
        self.info = json.loads((directory / "run.json").read_text())
        self.api = self.info["apiUrl"]

    def get(self, path: str) -> tuple[int, object]:
        try:
            with urllib.request.urlopen(self.api + path, timeout=30) as resp:  # noqa: S310
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def text(self, path: str) -> str:
        with urllib.request.urlopen(self.api + path, timeout=30) as resp:  # noqa: S310
            return resp.read().decode()

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*partnerctl(), *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout, check=False)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def stack_env(directory: Path) -> dict[str, str]:
    env = {**os.environ, "MOTO_PORT": str(free_port()), "API_PORT": str(free_port()), "DEVSTACK_DIR": str(directory),
           "PYTHONUNBUFFERED": "1", "LOCAL_LOG_LEVEL": "WARNING", "LOCAL_SCHEDULE": "manual", "MOTO_MODE": "thread"}
    for var in ("PARTNERCTL_API", "PARTNERCTL_MOTO_ENDPOINT", "AWS_ENDPOINT_URL"):
        env.pop(var, None)
    return env


def start(directory: Path, env: dict[str, str], log_name: str = "run.log") -> Running:
    """The stack in its own process group (so a test can kill the whole group), once it answers."""
    log = directory / log_name
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = started + STARTUP_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"devstack.run exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        info = directory / "run.json"
        if info.exists():
            try:
                described = json.loads(info.read_text())
                if described["pid"] != proc.pid:
                    raise ValueError("run.json of another run")
                with urllib.request.urlopen(described["apiUrl"] + "/_local/status",  # noqa: S310
                                            timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (OSError, ValueError, KeyError):
                pass
        if time.monotonic() > deadline:
            stop(proc)
            pytest.fail(f"the local stack was not ready after {STARTUP_TIMEOUT} s:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
    return Running(proc, env, directory, log, time.monotonic() - started)


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> int:
    """Stop the stack with `sig` (SIGKILL: its whole process group); returns its exit status."""
    if proc.poll() is None:
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    return proc.returncode
