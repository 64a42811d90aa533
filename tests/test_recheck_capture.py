"""The values a test checks are asked for with the request of the cell just before it, when that cell ran cleanly;
otherwise with a request of their own. Either way the re-check sees the same values."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from traitlets.config import Config

from mali_ssr.grading import recheck

pytestmark = pytest.mark.slow  # starts a kernel


def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": nbgrader.pop("grade_id"), "locked": False, "solution": False,
                                 "grade": False, "schema_version": 3, **nbgrader}
    return cell


def _notebook() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        _cell("prefix = 'a'", grade_id="setup", locked=True),
        _cell("answer = prefix + 'b'", grade_id="a1", solution=True),
        new_markdown_cell("Between the answer and its test: never sent to the kernel."),
        _cell("assert answer == 'ab'", grade_id="t1", grade=True, locked=True, points=1),
        _cell("raise ValueError('not answered')\nsecond = 'x'", grade_id="a2", solution=True),
        _cell("assert second == 'x'", grade_id="t2", grade=True, locked=True, points=1),
        _cell("third = 'c'", grade_id="a3", solution=True),
        _cell("assert third == 'c'", grade_id="t3", grade=True, locked=True, points=1),
        _cell("assert answer + third == 'abc'", grade_id="t4", grade=True, locked=True, points=1),
    ])


def _run(ask_ahead: bool, monkeypatch) -> tuple[nbformat.NotebookNode, list[list[str]]]:
    separate: list[list[str]] = []
    capture = recheck.RecheckingExecute._capture

    async def counted(self, names):
        separate.append(names)
        return await capture(self, names)

    monkeypatch.setattr(recheck.RecheckingExecute, "_capture", counted)
    if not ask_ahead:
        monkeypatch.setattr(recheck.RecheckingExecute, "_next_test", lambda self, index: None)
    # trusted code: no sandbox needed to see which requests carry the values
    executor = recheck.RecheckingExecute(timeout=60, allow_errors=True, kernel_name="python3",
                                         config=Config({"SandboxKernelManager": {"enabled": False}}))
    nb, resources = _notebook(), {}
    executor.preprocess(nb, resources)
    return nb, separate


def test_values_come_with_the_cell_before_unless_it_failed(monkeypatch):
    nb, separate = _run(ask_ahead=True, monkeypatch=monkeypatch)
    captured = {c.metadata["nbgrader"]["grade_id"]: c.metadata.get(recheck.CELL_TAG) for c in nb.cells
                if c.cell_type == "code" and c.metadata["nbgrader"]["grade"]}
    # the kernel's repr of each value; None: not defined
    assert captured == {"t1": {"answer": "'ab'"}, "t2": {"second": None}, "t3": {"third": "'c'"},
                        "t4": {"answer": "'ab'", "third": "'c'"}}
    # only t2 asked on its own: the cell before it raised, so the kernel evaluated nothing with its request
    assert separate == [["second"]]


def test_asking_ahead_gives_the_values_asking_separately_gives(monkeypatch):
    ahead, _ = _run(ask_ahead=True, monkeypatch=monkeypatch)
    with monkeypatch.context() as patch:
        alone, separate = _run(ask_ahead=False, monkeypatch=patch)
    assert len(separate) == 4
    values = [c.metadata.get(recheck.CELL_TAG) for c in ahead.cells if c.cell_type == "code"]
    assert values == [c.metadata.get(recheck.CELL_TAG) for c in alone.cells if c.cell_type == "code"]
    assert [c.get("outputs") for c in ahead.cells if c.cell_type == "code"] == \
        [c.get("outputs") for c in alone.cells if c.cell_type == "code"]
