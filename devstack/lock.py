"""One local stack per state directory: the pid lock file, and the ports it needs."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from pathlib import Path

from devstack.config import HOST


class StartupError(Exception):
    """Refusal to start, with the one-line reason."""


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire_lock(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pid_file = directory / "run.pid"
    for _ in range(2):
        try:
            fd = os.open(pid_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                other = int(pid_file.read_text().strip() or "0")
            except (OSError, ValueError):
                other = 0
            if other != os.getpid() and pid_alive(other):
                raise StartupError(
                    f"already running (pid {other}, lock {pid_file}); stop it with Ctrl-C or `kill {other}`"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()  # stale lock of a process that is gone
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        return pid_file
    raise StartupError(f"cannot take the lock {pid_file}")


def check_port(port: int, name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as exc:
            why = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
            raise StartupError(f"port {port} on {HOST} {why}; set {name}=<free port>") from None
