"""Helpers shared by the grading test suites."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def real_std_streams():
    """Grade with sys.stdout/sys.stderr on file descriptors 1 and 2, as the `mali-ssr grade` command has them.

    (The grading children re-point Python's streams at their log themselves; tests/test_bad_input.py checks
    the case where the caller's streams are not fds 1 and 2.)
    """
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def build_course(root, assignments, config_extra: str = "", copy_all_sources: bool = True):
    """A course folder the way an instructor has one: the course's nbgrader_config.py (plus ``config_extra``),
    its solutions/, and ``assignments`` released with ``nbgrader generate_assignment`` (gradebook rows included).

    The one place the test suites build courses (grading, bad input, hostile work, the routes, the formgrader).
    """
    import shutil
    from pathlib import Path

    from mali_ssr.exercises import generate_in_course

    repo = Path(__file__).resolve().parents[1]
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    config = (repo / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(config + ("\n" + config_extra + "\n" if config_extra else ""),
                                             encoding="utf-8")
    names = None if copy_all_sources else list(assignments)
    for folder in sorted((repo / "solutions").iterdir()):
        if folder.is_dir() and (names is None or folder.name in names):
            shutil.copytree(folder, root / "solutions" / folder.name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    if assignments:
        generate_in_course(root, sorted(assignments))
    return root


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(command: list[str], cwd, env: dict, port: int, token: str, start_timeout: float = 90):
    """Start a Jupyter server ``command`` (bound to 127.0.0.1:``port``, token auth), yield its base URL, stop it.

    The one way the grading suites run a real server: in its own session, waited for through ``/api/status``
    for at most ``start_timeout`` seconds, stopped by its PID's process group (SIGTERM, then SIGKILL).
    """
    import os
    import signal
    import subprocess
    import tempfile
    import time
    import urllib.request

    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty server never blocks on a full pipe
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("the Jupyter server did not start: " + " ".join(command) + "\n"
                                       + log.read()[-3000:]) from None
                time.sleep(0.3)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
        log.close()


def require_sandbox(why: str = "") -> None:
    """Skip where the grading sandbox cannot run; in CI (CI set), fail instead: there it must run."""
    import os

    import pytest

    from mali_ssr.sandbox.policy import detect

    missing = detect().missing()
    if missing:
        message = f"the grading sandbox cannot run here{why}: " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " (it must run in CI)")
        pytest.skip(message)
