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
