"""Every route that runs student code for grading runs it in the same sandbox, with the configured limits.

One course, assignment 01_history, a probing submission whose answer cell
reports what its kernel sees (its PID, its memory limit, whether the course's
solutions and gradebook are reachable, every notebook it can find on
``sys.path``) and tries to write a file into the course folder. It is graded
through plain ``nbgrader autograde``, through the formgrader's Autograde
handler (a real Jupyter server, driven over HTTP), and run by ``nbgrader
validate``. The course's nbgrader_config.py sets a memory limit of 1536 MB so
the test can tell the configured limits from the defaults. Each route is also
run once with the sandbox turned off, to show that the probe would see it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from grading_support import build_course, free_port, require_sandbox, running_server
from mali_ssr.exercises import answer_cells, fill_answers, nbgrader_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
A = "01_history"
MEMORY_MB = 1536
MARK = "PROBE-REPORT:"
PROBE = r'''
import glob as _g, json as _j, os as _o, resource as _r, sys as _s
_root = _o.environ.get("MALI_SSR_TEST_COURSE", "")
def _readable(p):
    try:
        open(p, "rb").read(10)
        return True
    except OSError:
        return False
_found = [p for d in _s.path if _o.path.isdir(d) for p in _g.glob(d + "/**/solutions/**/*.ipynb", recursive=True)]
try:
    open(_o.path.join(_root, "escaped.txt"), "w").write("out")
except OSError:
    pass
print("''' + MARK + r'''" + _j.dumps({"pid": _o.getpid(), "memory_mb": _r.getrlimit(_r.RLIMIT_AS)[0] // 2**20,
      "solutions": _readable(_o.path.join(_root, "solutions/01_history/01_history.ipynb"))
      or _readable("../../../solutions/01_history/01_history.ipynb"),
      "gradebook": _readable(_o.path.join(_root, "gradebook.db")), "found": _found[:3]}))
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require_sandbox()
    root = tmp_path_factory.mktemp("routes")
    build_course(root, [A], f"c.SandboxKernelManager.memory_mb = {MEMORY_MB}", copy_all_sources=False)
    exercise = json.loads((root / "exercises" / A / f"{A}.ipynb").read_text())
    solution = json.loads((root / "solutions" / A / f"{A}.ipynb").read_text())
    answers = {gid: "SOLUTION" for gid in answer_cells(solution)}
    first = next(g for g in answer_cells(solution) if g.startswith("q"))
    source = next("".join(c["source"]) for c in solution["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == first)
    answers[first] = source + PROBE
    for student in ("probe", "probe_off", "via_formgrader"):
        folder = root / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text(json.dumps(fill_answers(exercise, solution, answers)))
    return root


def _env(root: Path) -> dict:
    return {**nbgrader_env(), "MALI_SSR_TEST_COURSE": str(root)}


def _report(root: Path, student: str) -> dict:
    nb = json.loads((root / "autograded" / student / A / f"{A}.ipynb").read_text())
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            if MARK in text:
                return json.loads(text.split(MARK, 1)[1].splitlines()[0])
    raise AssertionError(f"no probe report in {student}'s autograded notebook")


def _assert_sandboxed(report: dict) -> None:
    assert report["pid"] < 10, report  # its own PID namespace
    assert report["memory_mb"] == MEMORY_MB, report  # the limits configured in nbgrader_config.py
    assert not report["solutions"] and not report["gradebook"], report
    assert report["found"] == [], report


def _nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=_env(root), capture_output=True,
                          text=True, timeout=300)


def test_plain_nbgrader_autograde_runs_in_the_sandbox(course):
    done = _nbgrader(course, "autograde", A, "--student=probe")
    assert done.returncode == 0, done.stderr[-2000:]
    _assert_sandboxed(_report(course, "probe"))
    assert not (course / "escaped.txt").exists()


def test_with_the_sandbox_off_the_probe_sees_the_course(course):
    """The control: the same probe, sandbox turned off by configuration, reads the solutions (so the test can fail)."""
    done = _nbgrader(course, "autograde", A, "--student=probe_off", "--SandboxKernelManager.enabled=False")
    assert done.returncode == 0, done.stderr[-2000:]
    report = _report(course, "probe_off")
    assert report["solutions"] and report["pid"] > 10, report
    assert "WITHOUT the sandbox" in done.stderr
    (course / "escaped.txt").unlink()


def test_formgrader_autograde_button_runs_in_the_sandbox(course):
    """POST to the formgrader's own autograde handler on a real Jupyter server bound to loopback."""
    port, token = free_port(), "routes-test-token"
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}", "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with running_server(command, course, _env(course), port, token) as base:
        request = urllib.request.Request(f"{base}/formgrader/api/submission/{A}/via_formgrader/autograde",
                                         data=b"", method="POST", headers={"Authorization": f"token {token}"})
        answer = json.loads(urllib.request.urlopen(request, timeout=240).read())
        assert answer.get("success"), answer.get("error") or answer
    _assert_sandboxed(_report(course, "via_formgrader"))
    assert not (course / "escaped.txt").exists()


def test_nbgrader_validate_runs_in_the_sandbox(course):
    notebook = f"submitted/probe/{A}/{A}.ipynb"
    done = _nbgrader(course, "validate", notebook)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (course / "escaped.txt").exists(), "validate ran the submission outside the sandbox"
    off = _nbgrader(course, "validate", notebook, "--SandboxKernelManager.enabled=False")
    assert off.returncode == 0, off.stderr[-2000:]
    assert (course / "escaped.txt").exists(), "the control: without the sandbox the probe writes into the course"
    (course / "escaped.txt").unlink()


def test_no_hidden_test_line_reaches_autograded_or_feedback(course):
    done = _nbgrader(course, "generate_feedback", A, "--student=probe")
    assert done.returncode == 0, done.stderr[-2000:]
    solution = json.loads((course / "solutions" / A / f"{A}.ipynb").read_text())
    hidden, elsewhere = [], []
    for cell in solution["cells"]:
        text = "".join(cell["source"])
        for block in re.findall(r"BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, re.S):
            hidden += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
        elsewhere.append(re.sub(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS", "", text, flags=re.S))
    # a line the answer cells share (the method, e.g. a filter_events call) is no secret
    hidden = [line for line in hidden if not any(line in text for text in elsewhere)]
    assert hidden
    for folder in ("autograded", "feedback"):
        for path in (course / folder).rglob("*"):
            if path.is_file():
                text = path.read_text(errors="replace")
                leaked = [line for line in hidden if line in text]
                assert not leaked, f"{path} holds hidden test lines: {leaked[:2]}"
