"""Host side of the warm kernel template (:mod:`.template`): start it for a grading run, ask it for kernels."""

from __future__ import annotations

import array
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENV_WARM = "MALI_SSR_WARM_KERNELS"  # the template's socket, for the grading children of this run
READY_SECONDS = 30.0


def available() -> str | None:
    """The socket of this run's template, where warm kernels can be used (grading as root, the template ready)."""
    path = os.environ.get(ENV_WARM)
    if not path or os.geteuid() != 0 or not os.path.exists(path):
        return None
    return path


@contextlib.contextmanager
def warm_kernels(log_path: Path, meanwhile=None):
    """Run the template for the length of a grading run; the children forked meanwhile use it.

    ``meanwhile`` (the grader's own warm-up) runs while the template starts, before waiting for it.
    """
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        if meanwhile is not None:
            meanwhile()
        yield None
        return
    folder = tempfile.mkdtemp(prefix="mali-ssr-warm-")  # 0700: only this user reaches the socket
    path = os.path.join(folder, "template")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != ENV_WARM}
    with open(log_path, "ab") as log:
        command = [sys.executable, "-I", "-m", "mali_ssr.sandbox.template", path, str(os.getpid())]
        process = subprocess.Popen(command, env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    saved = os.environ.get(ENV_WARM)
    try:
        if meanwhile is not None:
            meanwhile()
        deadline = time.monotonic() + READY_SECONDS
        while not os.path.exists(path) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        ready = os.path.exists(path)
        if ready:
            os.environ[ENV_WARM] = path
        yield path if ready else None
    finally:
        if saved is None:
            os.environ.pop(ENV_WARM, None)
        else:
            os.environ[ENV_WARM] = saved
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def fork_kernel(path: str, sandbox_pid: int, holder_pid: int, cwd: str, timeout: float = 30.0) -> int:
    """Ask the template for a kernel in the sandbox whose first process is ``sandbox_pid``; its PID on the host."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(timeout)
        connection.connect(path)
        request = json.dumps({"sandbox": sandbox_pid, "holder": holder_pid, "cwd": cwd}).encode()
        connection.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [1, 2]))])
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    answer = json.loads(reply.decode() or "{}")
    if "pid" not in answer:
        raise RuntimeError(answer.get("error", "the warm kernel template gave no answer"))
    return int(answer["pid"])
