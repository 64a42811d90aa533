"""`mali-ssr instructor`: JupyterLab rooted at the course folder, where the formgrader finds nbgrader_config.py.

The README's first-time instructor met an empty formgrader because the server was rooted in the students'
workspace. Here the command's own server (loopback, token off, bounded, stopped by process group) is asked, over
the formgrader's REST API, for the assignments: it must list every assignment of the course.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from browser_support import Server, jupyter_env
from grading_support import build_course
from mali_ssr import cli

ROOT = Path(__file__).resolve().parents[1]


def test_instructor_command_roots_lab_at_the_course_and_opens_the_formgrader(tmp_path):
    command = cli.instructor_command(tmp_path, 9999, True, ["--", "--ServerApp.ip=127.0.0.1"])
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert "--ServerApp.default_url=/formgrader" in command
    assert command[-1] == "--ServerApp.ip=127.0.0.1" and "--no-browser" in command and "--port=9999" in command


def test_outside_a_course_the_command_says_where_to_run_it(tmp_path, capsys):
    assert cli.main(["instructor", "--course", str(tmp_path)]) == 2
    assert "nbgrader_config.py is missing" in capsys.readouterr().err


@pytest.mark.slow
def test_the_formgrader_lists_the_course_assignments(tmp_path):
    names = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    course = build_course(tmp_path / "course", names)
    env = jupyter_env(tmp_path / "jupyter")
    server = Server(lambda port: [sys.executable, "-m", "mali_ssr", "instructor", "--course", str(course),
                                  "--no-browser", "--port", str(port)],
                    env=env, cwd=tmp_path, log=tmp_path / "server.log")
    try:
        with urllib.request.urlopen(f"{server.url}/formgrader/api/assignments", timeout=30) as response:
            listed = sorted(a["name"] for a in json.loads(response.read()))
    finally:
        server.stop()
    assert listed == names
