"""`mali-ssr check-answers`: a self-learner's exact score on right, partly right and wrong work, from the workspace.

The workspace is the one `mali-ssr start` makes; the notebooks are the learner's own copies of the exercise with
answers written in, as tests/test_assignments.py writes them. The learner's file must not change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from mali_ssr import cli
from mali_ssr.exercises import answer_cells, fill_answers
from mali_ssr.grading.answer_check import check_answers
from mali_ssr.workspace import notebooks_root, sync

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
A = "01_history"
CASE = yaml.safe_load((ROOT / "tests" / "assignment_cases" / f"{A}.yaml").read_text())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("learner") / "mali-ssr-course"
    sync(folder, ("course", "exercises"))
    return folder


def _write(workspace: Path, answers: dict[str, str]) -> Path:
    exercise = workspace / "exercises" / A / f"{A}.ipynb"
    solution = json.loads((notebooks_root() / "solutions" / A / f"{A}.ipynb").read_text())
    filled = fill_answers(json.loads(exercise.read_text()), solution, answers)
    exercise.write_text(json.dumps(filled))
    return exercise


def _solution_answers() -> dict[str, str]:
    solution = json.loads((notebooks_root() / "solutions" / A / f"{A}.ipynb").read_text())
    return {gid: "SOLUTION" for gid in answer_cells(solution)}


def test_right_work_scores_full_marks(workspace):
    notebook = _write(workspace, _solution_answers())
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()
    report = check_answers(notebook)
    assert report.assignment == A
    assert report.total == CASE["autograded_points"] == report.autograded_max
    assert all(q.message == "" for q in report.questions if q.score is not None)
    assert [q.grade_id for q in report.questions if q.score is None] == ["w1_started_from_scratch", "w2_ownership_debate"]
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before, "the learner's notebook was changed"


def test_partly_right_work_scores_exactly_and_says_what_is_wrong(workspace):
    answers = _solution_answers()
    lost = 0
    for i, q in enumerate(CASE["questions"]):
        if i % 2 == 0:
            answers[q["answer_cell"]] = q["wrong"]
            lost += q["points"]
    report = check_answers(_write(workspace, answers))
    assert report.total == CASE["autograded_points"] - lost
    wrong = {q["test_cell"] for i, q in enumerate(CASE["questions"]) if i % 2 == 0}
    for q in report.questions:
        if q.grade_id in wrong:
            assert q.score == 0 and q.message, q
            assert "BEGIN HIDDEN" not in q.message


def test_blank_work_scores_zero_in_plain_words_from_the_command_line(workspace, capsys, monkeypatch):
    notebook = workspace / "exercises" / A / f"{A}.ipynb"
    sync(workspace, ("course", "exercises"))  # untouched copy
    (workspace / "exercises" / A / f"{A}.ipynb").write_text((notebooks_root() / "exercises" / A / f"{A}.ipynb").read_text())
    monkeypatch.chdir(workspace)
    assert cli.main(["check-answers", str(notebook.relative_to(workspace))]) == 0
    out = capsys.readouterr().out
    assert f"Total: 0 / {CASE['autograded_points']} points" in out
    assert "is not defined yet" in out and "Traceback" not in out


def test_a_file_that_is_not_an_exercise_is_refused_clearly(tmp_path, capsys):
    stray = tmp_path / "notes.ipynb"
    stray.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert cli.main(["check-answers", str(stray)]) == 2
    assert "none of the course's assignment cells" in capsys.readouterr().err
