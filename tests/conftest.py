"""Shared fixtures: a non-interactive matplotlib backend, and a small valid data set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "src" / "mali_ssr" / "course_data"


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped data files, to break in tests."""
    target = tmp_path / "course_data"
    shutil.copytree(DATA_DIR, target)
    return target
