"""The gradebook, opened in one place, as a context manager that always closes it."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence

from ..i18n import _
from .course import Course, CourseError


@contextlib.contextmanager
def open_gradebook(course: Course) -> Iterator[object]:
    """nbgrader's :class:`~nbgrader.api.Gradebook` for the course, closed and disposed on the way out."""
    from nbgrader.api import Gradebook

    gb = Gradebook(course.db_url, course_id=course.course_id)
    try:
        yield gb
    finally:
        gb.close()
        gb.engine.dispose()


def has_assignment(course: Course, assignment: str) -> bool:
    from nbgrader.api import MissingEntry

    if course.gradebook_file is not None and not course.gradebook_file.is_file():
        return False
    with open_gradebook(course) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False


def require_free(course: Course, wait: float = 5.0) -> None:
    """Fail early, and clearly, if another process holds the gradebook (formgrader, another nbgrader)."""
    path = course.gradebook_file
    if path is None or not path.is_file():
        return
    try:
        connection = sqlite3.connect(path, timeout=wait)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        raise CourseError(_("the gradebook {path} is in use by another process ({detail}); close the formgrader or "
                            "wait for the other nbgrader command, then run this again. Nothing was graded.").format(
            path=path, detail=exc)) from None


def flag_submissions(course: Course, assignment: str, students: Sequence[str], cleared: Sequence[str] = ()) -> None:
    """Set nbgrader's own flag on these students' notebooks, so the formgrader's "Flagged?" column shows them;
    take it off the ``cleared`` students' notebooks."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gb:
        for student, value in [*((s, True) for s in students), *((s, False) for s in cleared)]:
            try:
                submission = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                notebook.flagged = value
        gb.db.commit()


def snapshot(course: Course, assignment: str) -> dict:
    """Everything the gradebook holds about an assignment's submissions, without ids or run times.

    Two gradings of the same submissions are "identical" when their snapshots
    are equal; tests and benchmarks compare `mali-ssr grade` with plain
    `nbgrader autograde` this way.
    """
    with open_gradebook(course) as gb:
        result: dict = {"students": sorted(s.id for s in gb.students), "submissions": {}}
        for sub in gb.assignment_submissions(assignment):
            notebooks = {}
            for nb in sub.notebooks:
                notebooks[nb.name] = {
                    "flagged": nb.flagged,
                    "late_penalty": nb.late_submission_penalty,
                    "grades": {g.name: (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade)
                               for g in nb.grades},
                    "comments": {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments},
                }
            result["submissions"][sub.student.id] = {
                "timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
                "notebooks": notebooks,
            }
        return result
