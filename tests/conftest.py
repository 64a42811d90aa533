"""Shared fixtures: a non-interactive matplotlib backend, and a small valid data set."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# jsonschema imports rfc3987_syntax, where it is installed, to check "iri" formats, and that compiles 39 grammars on
# import (1.3 s of every test run); nothing tested uses those formats (`mali-ssr grade` skips it the same way)
sys.modules.setdefault("rfc3987_syntax", None)

import pytest  # noqa: E402

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "src" / "mali_ssr" / "course_data"


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data files, to break in tests."""
    target = tmp_path / "course_data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """The wheel of this checkout, built once per test run (building takes about a minute)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(folder.glob("mali_ssr_course-*.whl"))
