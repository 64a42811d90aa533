"""The one reader of nbgrader cell metadata: which cell is a test, an answer, locked set-up code.

Built on nbgrader's own predicates (:mod:`nbgrader.utils`), made safe for the
raw JSON of a submission, where metadata can be of any shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


def meta(cell) -> dict:
    found = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
    return found if isinstance(found, dict) else {}


def grade_id(cell) -> str | None:
    gid = meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def source(cell) -> str:
    text = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(text) if isinstance(text, list) else str(text)


def is_test_cell(cell) -> bool:
    """An autograded test: a code cell with points, not an answer."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_answer_cell(cell) -> bool:
    m = meta(cell)
    return bool(m.get("solution")) or (bool(m.get("grade")) and cell.get("cell_type") == "markdown")


def is_setup_cell(cell) -> bool:
    """A locked code cell that is not a test: instructor code, restored from the source by nbgrader."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("locked")) and not m.get("grade") and not m.get("solution")


def split_hidden(text: str) -> tuple[str, str]:
    """A test cell's (visible part, hidden part), with nbgrader's own delimiters."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    cell = new_code_cell(text, metadata={"nbgrader": {"grade": True, "locked": True, "grade_id": "x", "points": 0}})
    ClearHiddenTests(enforce_metadata=False).preprocess_cell(cell, {}, 0)
    return cell.source, "" if cell.source.strip() == text.strip() else text


@dataclass(frozen=True)
class ReleasedCell:
    cell_type: str
    meta: dict
    source: str


def released_cells(path: Path) -> dict[str, ReleasedCell]:
    """The cells of a released notebook by grade id: the one view tampering checks and metadata repair share."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        from ..i18n import _
        from .course import CourseError

        raise CourseError(_("the released notebook {path} is missing, so submissions cannot be checked against it: "
                            "run `nbgrader generate_assignment {assignment} --force`").format(
            path=path, assignment=path.parent.name)) from None
    cells = {}
    for cell in nb.get("cells", []):
        gid = grade_id(cell)
        if gid and gid not in cells:
            cells[gid] = ReleasedCell(cell.get("cell_type", ""), meta(cell), source(cell))
    return cells
