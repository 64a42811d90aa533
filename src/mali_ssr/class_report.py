"""`mali-ssr report`: scores per student and per question, and where the class struggled.

Reads nbgrader's gradebook (never writes it) and produces a CSV an instructor
can open in a spreadsheet, plus a chart of the share of points earned on each
question, so that a hard question stands out at a glance.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from .grading import CourseError, _course_id, db_url


@dataclass
class ClassScores:
    assignment: str
    questions: list[str]  # grade ids, in notebook order
    max_points: dict[str, float]
    students: dict[str, dict[str, float | None]]  # student -> question -> score (None: not yet graded)

    def totals(self) -> dict[str, float]:
        return {s: sum(v or 0 for v in row.values()) for s, row in self.students.items()}


def _question_order(root: Path, assignment: str) -> list[str]:
    order: list[str] = []
    for path in sorted((root / "solutions" / assignment).glob("*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and meta.get("grade_id"):
                order.append(meta["grade_id"])
    return order


def collect(root: str | Path, assignment: str) -> ClassScores:
    """Read every submission's scores for ``assignment`` from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    root = Path(root).resolve()
    if not (root / "gradebook.db").is_file():
        raise CourseError(f"no gradebook.db in {root}: grade the assignment first (mali-ssr grade {assignment})")
    gb = Gradebook(db_url(root), course_id=_course_id(root))
    try:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(f"assignment {assignment!r} is not in the gradebook") from None
        max_points: dict[str, float] = {}
        for notebook in record.notebooks:
            for cell in notebook.grade_cells:
                max_points[cell.name] = float(cell.max_score)
        order = [q for q in _question_order(root, assignment) if q in max_points]
        order += sorted(q for q in max_points if q not in order)
        students: dict[str, dict[str, float | None]] = {}
        for submission in gb.assignment_submissions(assignment):
            row: dict[str, float | None] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    graded = grade.manual_score is not None or not grade.needs_manual_grade
                    row[grade.name] = float(grade.score) if graded else None
            students[submission.student.id] = row
    finally:
        gb.close()
        gb.engine.dispose()
    if not students:
        raise CourseError(f"no graded submission of {assignment!r} yet: run mali-ssr grade {assignment}")
    return ClassScores(assignment, order, max_points, dict(sorted(students.items())))


def write_csv(scores: ClassScores, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    totals = scores.totals()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *scores.questions, "total", "max_total"])
        writer.writerow(["(max points)", *[f"{scores.max_points[q]:g}" for q in scores.questions],
                         f"{sum(scores.max_points.values()):g}", ""])
        for student, row in scores.students.items():
            cells = ["" if row.get(q) is None else f"{row[q]:g}" for q in scores.questions]
            writer.writerow([student, *cells, f"{totals[student]:g}", f"{sum(scores.max_points.values()):g}"])
    return path


def write_figure(scores: ClassScores, path: Path) -> Path:
    from matplotlib.figure import Figure

    from .plots import score_distribution_chart

    per_question = {q: [row[q] for row in scores.students.values() if row.get(q) is not None]
                    for q in scores.questions}
    per_question = {q: v for q, v in per_question.items() if v}
    fig = Figure(figsize=(8, 0.45 * max(len(per_question), 2) + 1.5), layout="constrained")
    ax = fig.add_subplot()
    score_distribution_chart(per_question, scores.max_points, ax=ax)
    ax.set_title(f"{scores.assignment}: share of points per question ({len(scores.students)} students)")
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
