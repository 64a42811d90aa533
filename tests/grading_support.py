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
