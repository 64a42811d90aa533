"""The project's own linter settings (pyproject.toml, [tool.ruff]) hold for all of its Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format=concise",
                           "src", "tests", "benchmarks", "scripts", "hatch_build.py", "nbgrader_config.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, "ruff check (fix these, or `ruff check --fix`):\n" + done.stdout + done.stderr
