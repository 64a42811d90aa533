"""The process tree below a kernel, as the memory watch and the grader's clean-up read it from /proc."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from mali_ssr.sandbox.kernel import _descendants_by_scan, descendants


@pytest.fixture
def tree():
    """sh -> (sleep, sh -> (sleep, sleep)): five processes, three levels."""
    top = subprocess.Popen(["sh", "-c", "sleep 30 & sh -c 'sleep 30 & sleep 30 & wait' & wait"])
    deadline = time.monotonic() + 10
    while len(_descendants_by_scan(top.pid)) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    yield top
    for pid in _descendants_by_scan(top.pid):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    top.wait()


def test_the_children_lists_give_the_same_tree_as_a_scan_of_all_processes(tree):
    if not os.path.exists(f"/proc/{tree.pid}/task/{tree.pid}/children"):
        pytest.skip("this kernel keeps no per-task children lists (descendants() scans /proc here)")
    found = descendants(tree.pid)
    assert len(found) == 5 and found[0] == tree.pid
    assert sorted(found) == sorted(_descendants_by_scan(tree.pid))
    assert sorted(descendants(os.getpid())) == sorted(_descendants_by_scan(os.getpid()))


def test_a_process_that_is_gone_has_no_tree():
    gone = subprocess.Popen(["true"])
    gone.wait()
    assert descendants(gone.pid) == [] and _descendants_by_scan(gone.pid) == []
