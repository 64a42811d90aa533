"""`mali-ssr check-answers`: a self-learner's own notebook, graded by the full tests of the public version.

The visible checks in an exercise only say whether an answer has the right
*form*. Self-learners have the solutions but no grader, so this runs nbgrader's
own autograde, with the course's configuration (the sandbox where it can run,
the re-check outside the kernel), on a copy of the learner's notebook in a
throw-away course folder, and prints the score of every question with the
same non-revealing messages a class gets in its feedback. The learner's files
are never changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import _
from . import notebooks
from .course import Course, CourseError

STUDENT = "me"


@dataclass
class QuestionScore:
    grade_id: str
    score: float | None  # None: a written answer, marked by a person
    max_score: float
    message: str = ""


@dataclass
class AnswerReport:
    assignment: str
    questions: list[QuestionScore] = field(default_factory=list)
    sandboxed: bool = True

    @property
    def total(self) -> float:
        return sum(q.score or 0 for q in self.questions)

    @property
    def autograded_max(self) -> float:
        return sum(q.max_score for q in self.questions if q.score is not None)

    def lines(self) -> list[str]:
        out = []
        for q in self.questions:
            if q.score is None:
                out.append(_("  {q}: written answer ({max:g} points), not marked automatically: compare it with the "
                             "model answer in solutions/").format(q=q.grade_id, max=q.max_score))
            else:
                line = _("  {q}: {score:g} / {max:g}").format(q=q.grade_id, score=q.score, max=q.max_score)
                out.append(line + (f" — {q.message}" if q.message else ""))
        out.append(_("Total: {score:g} / {max:g} points checked automatically.").format(
            score=self.total, max=self.autograded_max))
        if not self.sandboxed:
            out.append(_("(run without the grading sandbox: it needs Linux with bubblewrap; your own code is fine to "
                         "run, but a class's submissions are not)"))
        return out


def source_root() -> Path:
    """The course's nbgrader sources and configuration, as installed (wheel) or in the repository."""
    from ..workspace import notebooks_root

    root = notebooks_root()
    for candidate in (root / "nbgrader_config.py", root.parent / "nbgrader_config.py"):
        if candidate.is_file():
            return candidate.parent
    raise CourseError(_("the course's nbgrader configuration is not installed with this package: reinstall it"))


def which_assignment(notebook: Path, solutions: Path) -> str:
    """The assignment a notebook belongs to: by its grade ids (a renamed copy still works)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CourseError(_("{path} is not a readable notebook ({error}): open it in JupyterLab and save it "
                            "again").format(path=notebook, error=type(exc).__name__)) from None
    mine = {notebooks.grade_id(c) for c in cells if isinstance(c, dict)} - {None}
    best, overlap = None, 0
    for folder in sorted(p for p in solutions.iterdir() if p.is_dir()):
        ids = set()
        for path in folder.glob("*.ipynb"):
            ids |= {notebooks.grade_id(c) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]} - {None}
        if len(mine & ids) > overlap:
            best, overlap = folder.name, len(mine & ids)
    if best is None:
        raise CourseError(_("{path} holds none of the course's assignment cells: give the path of an exercise "
                            "notebook, e.g. exercises/01_history/01_history.ipynb").format(path=notebook))
    return best


def check_answers(notebook: str | Path, timeout: float = 600) -> AnswerReport:
    """Grade ``notebook`` with the full tests of its assignment; never writes beside it."""
    from ..sandbox.policy import detect

    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise CourseError(_("no notebook at {path}: give the path of your exercise notebook, e.g. "
                            "exercises/01_history/01_history.ipynb").format(path=notebook))
    source = source_root()
    assignment = which_assignment(notebook, source / "solutions")
    sandboxed = not detect().missing()
    with tempfile.TemporaryDirectory(prefix="mali-ssr-answers-") as tmp:
        root = Path(tmp)
        shutil.copy(source / "nbgrader_config.py", root / "nbgrader_config.py")
        course = Course.load(root)  # the throw-away course's folders, as its nbgrader configuration names them
        shutil.copytree(source / "solutions" / assignment, course.source_dir / assignment)
        names = [p.name for p in course.source_notebooks(assignment)]
        target = course.submission(STUDENT, assignment)
        target.mkdir(parents=True)
        shutil.copyfile(notebook, target / names[0])
        from ..exercises import generate_in_course, nbgrader_env

        generate_in_course(root, [assignment])
        command = [sys.executable, "-m", "nbgrader", "autograde", assignment, f"--student={STUDENT}"]
        if not sandboxed:
            command.append("--SandboxKernelManager.allow_unsandboxed=True")
        done = subprocess.run(command, cwd=root, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout)
        graded = course.autograded(STUDENT, assignment) / names[0]
        if done.returncode != 0 or not graded.is_file():
            raise CourseError(_("your notebook could not be graded: {why}").format(
                why=(done.stderr.strip().splitlines() or ["?"])[-1]))
        report = AnswerReport(assignment, _scores(root, assignment), sandboxed)
        messages = _messages(graded)
        for q in report.questions:
            q.message = messages.get(q.grade_id, "")
        return report


def _scores(root: Path, assignment: str) -> list[QuestionScore]:
    from .course import Course
    from .gradebook import open_gradebook

    course = Course.load(root)
    out = []
    with open_gradebook(course) as gb:
        submission = gb.find_submission(assignment, STUDENT)
        for nb in submission.notebooks:
            for grade in nb.grades:
                written = grade.cell.cell_type == "markdown"
                out.append(QuestionScore(grade.name, None if written else float(grade.auto_score or 0),
                                         float(grade.max_score)))
    order = {gid: i for i, gid in enumerate(_order(course, assignment))}
    return sorted(out, key=lambda q: order.get(q.grade_id, 999))


def _order(course, assignment: str) -> list[str]:
    ids: list[str] = []
    for path in course.source_notebooks(assignment):
        ids += [notebooks.grade_id(c) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                if notebooks.grade_id(c)]
    return ids


def _messages(graded: Path) -> dict[str, str]:
    """The grader's verdict stored on each failed test cell (what a class sees in its feedback)."""
    found = {}
    for cell in json.loads(graded.read_text(encoding="utf-8"))["cells"]:
        if notebooks.is_test_cell(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    found[notebooks.grade_id(cell)] = str(output.get("evalue", ""))
    return found
