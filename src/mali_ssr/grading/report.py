"""`mali-ssr report`: scores per student and per question, and where the class struggled.

Reads nbgrader's gradebook (never writes it) and produces a CSV an instructor
can open in a spreadsheet, plus a chart of the share of points earned on each
question, so that a hard question stands out at a glance.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import _
from .course import Course, CourseError
from .gradebook import open_gradebook


@dataclass
class ClassScores:
    assignment: str
    questions: list[str]  # grade ids, in notebook order
    max_points: dict[str, float]
    students: dict[str, dict[str, float | None]]  # student -> question -> score (None: not yet graded)
    ungraded: list[str] = field(default_factory=list)  # submitted, but no grades at all (could not be graded)

    def totals(self) -> dict[str, float]:
        return {s: sum(v or 0 for v in row.values()) for s, row in self.students.items()}


def _question_order(course: Course, assignment: str) -> list[str]:
    from . import notebooks

    order: list[str] = []
    for path in course.source_notebooks(assignment):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        order += [notebooks.grade_id(c) for c in nb.get("cells", [])
                  if notebooks.meta(c).get("grade") and notebooks.grade_id(c)]
    return order


def collect(root: str | Path, assignment: str) -> ClassScores:
    """Read every submission's scores for ``assignment`` from the gradebook (None: waiting for manual grading)."""
    from nbgrader.api import MissingEntry

    course = Course.load(root)
    if course.gradebook_file is not None and not course.gradebook_file.is_file():
        raise CourseError(_("no gradebook in {root}: grade the assignment first (mali-ssr grade {a})").format(
            root=course.root, a=assignment))
    with open_gradebook(course) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(_("assignment {a!r} is not in the gradebook: run `nbgrader generate_assignment {a} "
                                "--force`").format(a=assignment)) from None
        max_points: dict[str, float] = {}
        for notebook in record.notebooks:
            for cell in notebook.grade_cells:
                max_points[cell.name] = float(cell.max_score)
        order = [q for q in _question_order(course, assignment) if q in max_points]
        order += sorted(q for q in max_points if q not in order)
        students: dict[str, dict[str, float | None]] = {}
        for submission in gb.assignment_submissions(assignment):
            row: dict[str, float | None] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    graded = grade.manual_score is not None or (not grade.needs_manual_grade
                                                                and grade.auto_score is not None)
                    row[grade.name] = float(grade.score) if graded else None
            students[submission.student.id] = row
        failed = never_autograded(gb, assignment)
    students = {s: row for s, row in students.items() if s not in failed}
    ungraded = sorted((set(course.students_who_submitted(assignment)) - set(students)) | failed)
    if not students and not ungraded:
        raise CourseError(_("no graded submission of {a!r} yet: run mali-ssr grade {a}").format(a=assignment))
    return ClassScores(assignment, order, max_points, dict(sorted(students.items())), ungraded)


def never_autograded(gb, assignment: str) -> set[str]:
    """Students whose submission is in the gradebook but was never autograded (the grading failed).

    nbgrader records a submission before it runs it, with every grade empty; a graded one has a score on
    each autograder test (a grade cell that is not an answer cell). Without this, a submission that could
    not be graded would look like one waiting for manual marks.
    """
    record = gb.find_assignment(assignment)
    tests = {c.name for nb in record.notebooks for c in nb.grade_cells} - {
        c.name for nb in record.notebooks for c in nb.solution_cells}
    if not tests:
        return set()
    return {sub.student.id for sub in gb.assignment_submissions(assignment)
            if all(g.auto_score is None and g.manual_score is None for nb in sub.notebooks for g in nb.grades)}


def status(row: dict[str, float | None], questions: list[str]) -> str:
    """complete, or how many marks still wait for manual grading."""
    pending = sum(1 for q in questions if row.get(q) is None)
    return _("complete") if not pending else _("{n} mark(s) pending manual grading").format(n=pending)


def write_csv(scores: ClassScores, path: Path) -> Path:
    """One row per student; pending marks are written as "pending", ungradable submissions say so, never 0."""
    path.parent.mkdir(parents=True, exist_ok=True)
    totals = scores.totals()
    max_total = f"{sum(scores.max_points.values()):g}"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *scores.questions, "total", "max_total", "status"])
        writer.writerow(["(max points)", *[f"{scores.max_points[q]:g}" for q in scores.questions], max_total, "", ""])
        for student, row in scores.students.items():
            cells = ["pending" if row.get(q) is None else f"{row[q]:g}" for q in scores.questions]
            pending = any(row.get(q) is None for q in scores.questions)
            total = f"{totals[student]:g}" + ("+pending" if pending else "")
            writer.writerow([student, *cells, total, max_total, status(row, scores.questions)])
        for student in scores.ungraded:
            writer.writerow([student, *[""] * len(scores.questions), "", max_total,
                             _("not graded: the submission could not be graded (see mali-ssr grade's list)")])
    return path


def write_figure(scores: ClassScores, path: Path) -> Path:
    from matplotlib.figure import Figure

    from ..plots import score_distribution_chart

    per_question = {q: [row[q] for row in scores.students.values() if row.get(q) is not None]
                    for q in scores.questions}
    per_question = {q: v for q, v in per_question.items() if v}
    fig = Figure(figsize=(8, 0.45 * max(len(per_question), 2) + 1.5), layout="constrained")
    ax = fig.add_subplot()
    score_distribution_chart(per_question, scores.max_points, ax=ax)
    ax.set_yticks(range(1, len(per_question) + 1))
    ax.set_yticklabels([_("{q} (n={n})").format(q=q, n=len(v)) for q, v in per_question.items()])
    ax.set_title(_("{a}: share of points per question ({n} students; n = answers marked)").format(
        a=scores.assignment, n=len(scores.students)))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def hardest_questions(scores: ClassScores, n: int = 3) -> list[tuple[str, float]]:
    """The questions with the lowest mean share of points (autograded or already marked)."""
    shares = []
    for q in scores.questions:
        values = [row[q] for row in scores.students.values() if row.get(q) is not None]
        if values and scores.max_points[q]:
            shares.append((q, sum(values) / len(values) / scores.max_points[q]))
    return sorted(shares, key=lambda item: item[1])[:n]
