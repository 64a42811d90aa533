"""What a submission changed that it should not have: flags for the instructor, and the metadata repair.

Both read the released notebook through one function
(:func:`~mali_ssr.grading.notebooks.released_cells`), so "which cells were
released" cannot mean two things. Routine facts of a normal run (outputs saved
after running the notebook) are not flags; flags are few and mean something.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from ..i18n import _
from . import notebooks
from .course import Course

FOREIGN = "wrong notebook"  # a flag that starts with this means: not graded at all

# Kinds of flag, most severe first (docs/grading-safety.md, "Flags"): the grade command lists flags in this order,
# one flag per kind and student, and ranks the students by their most severe flag.
UNGRADED = "ungraded"   # a foreign or unreadable notebook, a crash, a timeout: no grade at all
UNSAFE = "unsafe"       # links, devices, oversized files: left out of grading
TESTS = "tests"         # test or locked cells edited, deleted, converted, re-pointed; cells dressed as the course's
RECHECK = "recheck"     # a test passed in the notebook and failed the independent re-check
KERNEL = "kernel"       # the kernel died or was stopped, a cell ran past the time limit
FILES = "files"         # extra or missing files
SEVERITY = (UNGRADED, UNSAFE, TESTS, RECHECK, KERNEL, FILES)


class Flag(str):
    """A flag's text (what the instructor reads) with its kind, by which flags are ranked and merged."""

    kind: str

    def __new__(cls, kind: str, text: str):
        flag = super().__new__(cls, text)
        flag.kind = kind if kind in SEVERITY else RECHECK
        return flag

    def __reduce__(self):
        return Flag, (self.kind, str(self))


def severity(flag: str) -> int:
    """0 for the most severe kind; a plain string counts as a re-check flag."""
    return SEVERITY.index(getattr(flag, "kind", RECHECK))


def rank_flags(flags: list[str]) -> list[Flag]:
    """One flag per kind, most severe first: several findings of one cause make one flag, not several.

    Texts of one kind are joined with "; " in the order found; a text already contained in another of its kind
    (a "could not be graded: X" beside X itself) is dropped.
    """
    by_kind: dict[str, list[str]] = {}
    for flag in flags:
        texts = by_kind.setdefault(getattr(flag, "kind", RECHECK), [])
        if str(flag) not in texts:
            texts.append(str(flag))
    ranked = []
    for kind in SEVERITY:
        texts = by_kind.get(kind, [])
        kept = [t for t in texts if not any(t != other and t in other for other in texts)]
        if kept:
            ranked.append(Flag(kind, "; ".join(kept)))
    return ranked


def inspect_submission(course: Course, assignment: str, student: str, folder: Path | None = None) -> list[str]:
    """The flags of one submission (nbgrader restores or ignores what they name; the instructor should know)."""
    flags: list[Flag] = []
    folder = folder or course.submission(student, assignment)
    expected = {p.name for p in course.source_notebooks(assignment)}
    support = set(course.support_files(assignment))
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in expected | support | {"timestamp.txt"} \
                and ".ipynb_checkpoints" not in path.parts:
            flags.append(Flag(FILES, _("extra file {name!r} in the submission (not given to the grading kernel)").format(
                name=rel)))
    for name in sorted(expected):
        submitted = folder / name
        if not submitted.is_file():
            flags.append(Flag(FILES, _("{name} is missing from the submission (its questions score 0)").format(name=name)))
            continue
        try:
            cells = json.loads(submitted.read_text(encoding="utf-8"))["cells"]
            if not isinstance(cells, list):
                raise TypeError("cells")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            flags.append(Flag(UNGRADED, _("{name} is not a readable notebook ({error}): it cannot be graded").format(
                name=name, error=type(exc).__name__)))
            continue
        flags += _notebook_flags(course, assignment, name, cells)
    return flags


def _notebook_flags(course: Course, assignment: str, name: str, cells: list) -> list[Flag]:
    flags = _cell_flags(course, assignment, name, cells)
    return [f if isinstance(f, Flag) else Flag(TESTS, f) for f in flags]


def _cell_flags(course: Course, assignment: str, name: str, cells: list) -> list[str]:
    flags: list[str] = []
    released = notebooks.released_cells(course.released_notebook(assignment, name))
    by_id: dict[str, dict] = {}
    for cell in cells:
        gid = notebooks.grade_id(cell)
        if gid:
            if gid in by_id:
                flags.append(_("cell {gid} appears more than once (only the first is graded)").format(gid=gid))
                continue
            by_id[gid] = cell
    answer_ids = {gid for gid, c in released.items() if c.meta.get("grade") or c.meta.get("solution")}
    if by_id and not set(by_id) & answer_ids:
        return [Flag(UNGRADED, _("{foreign}: {name} holds none of this assignment's cells (a notebook of another "
                                 "assignment?); it was not graded").format(foreign=FOREIGN, name=name))]
    for gid, original in released.items():
        if not original.meta.get("locked"):
            continue
        mine = by_id.get(gid)
        if mine is None:
            flags.append(_("locked cell {gid} was deleted or its metadata removed (restored for grading)").format(gid=gid))
            continue
        if mine.get("cell_type") != original.cell_type:
            flags.append(_("locked cell {gid} was turned into a {kind} cell (restored)").format(
                gid=gid, kind=mine.get("cell_type")))
        if notebooks.source(mine).strip() != original.source.strip():
            flags.append(_("locked cell {gid} was edited (the original was restored for grading)").format(gid=gid))
        mine_meta = notebooks.meta(mine)
        if original.meta.get("grade") != mine_meta.get("grade") or original.meta.get("locked") != mine_meta.get("locked"):
            flags.append(_("cell {gid}: its nbgrader metadata was changed (restored)").format(gid=gid))
        elif original.meta.get("grade") and not original.meta.get("solution") \
                and mine_meta.get("points") != original.meta.get("points"):
            flags.append(_("test cell {gid}: its points were changed (restored)").format(gid=gid))
    for gid, cell in by_id.items():
        if gid not in released:
            test = notebooks.is_test_cell(cell)
            flags.append((_("cell {gid} claims to be a test cell but is not one of the assignment's (its nbgrader "
                            "metadata was removed for grading)") if test else
                          _("cell {gid} claims to be an assignment cell but is not one of the assignment's (its "
                            "nbgrader metadata was removed for grading)")).format(gid=gid))
    return flags


class NormaliseMetadata(Preprocessor):
    """First sanitising step: put back the nbgrader metadata of every cell as it was released.

    nbgrader trusts the metadata in the submitted file, so a student who turns
    a test cell's ``grade`` flag off, duplicates a cell, or invents a new
    "test" cell can make the whole notebook ungradeable. Here each cell's
    nbgrader metadata is replaced by the released version for its grade id
    (first occurrence only); any other nbgrader metadata is removed. A missing
    released notebook is an error (the message says which command makes it).
    """

    enabled = True

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        name = resources.get("unique_key") or ""
        course = Course.from_config(self.config, os.getcwd())
        released = notebooks.released_cells(course.released_notebook(str(info.get("assignment", "")), f"{name}.ipynb"))
        seen = set()
        for cell in nb.cells:
            if "nbgrader" not in cell.get("metadata", {}):
                continue
            gid = notebooks.grade_id(cell)
            if gid in released and gid not in seen:
                seen.add(gid)
                original = released[gid]
                cell.metadata["nbgrader"] = copy.deepcopy(original.meta)
                if original.meta.get("locked") and cell.cell_type != original.cell_type:
                    cell.cell_type = original.cell_type
                    cell.pop("outputs", None), cell.pop("execution_count", None)
                    if original.cell_type == "code":
                        cell["outputs"], cell["execution_count"] = [], None
            else:
                del cell.metadata["nbgrader"]
        return nb, resources
