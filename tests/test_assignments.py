"""Assignments end to end: generated exercises in sync, validation both ways, exact autograded marks.

A temporary course directory gets the real solutions/, nbgrader generates the
release, and for each assignment four students submit: fully right, blank,
partly right (specific wrong answers) and wrong in form. `mali-ssr grade`
grades them and the marks read back from the gradebook must be exactly those
the case files in tests/assignment_cases/ imply.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grading_support import build_course
from mali_ssr.exercises import (
    answer_cells,
    assignments,
    fill_answers,
    generate,
    nbgrader_env,
    normalise,
)
from mali_ssr.grading import grade, gradebook_snapshot

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CASES = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
         for p in sorted((ROOT / "tests" / "assignment_cases").glob("*.yaml"))}
STUDENTS = ("right", "blank", "partly", "wrong_form")
#: The French edition of each assignment (solutions/<name>_fr, built by mali_ssr.editions): the same code,
#: hidden tests and points as the English one, so it shares the English case file.
FRENCH = {f"{name}_fr": name for name in CASES}
EVERY = sorted(CASES) + sorted(FRENCH)


def test_every_assignment_has_a_case_file():
    assert assignments(ROOT) == sorted(EVERY)
    assert len(CASES) == 4


@pytest.mark.parametrize("name", EVERY)
def test_assignment_shape(name):
    case = CASES[FRENCH.get(name, name)]
    nb = json.loads((ROOT / "solutions" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    meta = [c["metadata"].get("nbgrader", {}) for c in nb["cells"]]
    tests = [m for m in meta if m.get("grade") and not m.get("solution")]
    written = [m for m in meta if m.get("grade") and m.get("solution")]
    assert len(tests) >= 4 and len(written) >= 2
    total = sum(m["points"] for m in tests) + sum(m["points"] for m in written)
    assert total == case["autograded_points"] + case["manual_points"]
    assert total % 10 == 0, "points should add up to a round total"
    assert sum(q["points"] for q in case["questions"]) == case["autograded_points"]
    for m in meta:
        if m.get("grade_id"):
            assert re.fullmatch(r"[a-z][a-z0-9_]*", m["grade_id"]), m["grade_id"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with the real assignments released and four students' submissions each."""
    root = tmp_path_factory.mktemp("course")
    build_course(root, sorted(CASES))
    expected: dict[tuple[str, str], float] = {}
    for name, case in CASES.items():
        exercise = json.loads((root / "exercises" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
        solution = json.loads((root / "solutions" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
        right = {gid: "SOLUTION" for gid in answer_cells(solution)}
        partly = dict(right)
        lost = 0
        for i, q in enumerate(case["questions"]):
            if i % 2 == 0:
                partly[q["answer_cell"]] = q["wrong"]
                lost += q["points"]
        plans = {
            "right": (right, case["autograded_points"]),
            "blank": ({}, 0),
            "partly": (partly, case["autograded_points"] - lost),
            "wrong_form": ({q["answer_cell"]: q["wrong_form"] for q in case["questions"]}, 0),
        }
        for student, (answers, score) in plans.items():
            folder = root / "submitted" / student / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(fill_answers(exercise, solution, answers)))
            expected[(student, name)] = score
    return root, expected


def _autograded(snapshot: dict, student: str, case: dict) -> float:
    grades = snapshot["submissions"][student]["notebooks"][case["notebook"]]["grades"]
    tests = {q["test_cell"] for q in case["questions"]}
    return sum(auto or 0 for name, (auto, *_rest) in grades.items() if name in tests)


@pytest.fixture(scope="module")
def graded(course):
    root, expected = course
    sequential = root.parent / "sequential"
    shutil.copytree(root, sequential)
    results = {name: grade(root, name, jobs=2, timeout=300, progress=None) for name in sorted(CASES)}
    return root, expected, results, sequential


@pytest.mark.parametrize("name", sorted(CASES))
def test_exact_autograded_marks(graded, name):
    root, expected, results, _ = graded
    assert results[name].failed == {}
    assert sorted(results[name].graded) == sorted(STUDENTS)
    snapshot = gradebook_snapshot(root, name)
    case = CASES[name]
    for student in STUDENTS:
        assert _autograded(snapshot, student, case) == expected[(student, name)], student


@pytest.mark.parametrize("name", sorted(CASES))
def test_written_answers_wait_for_the_grader(graded, name):
    root, _expected, _results, _ = graded
    case = CASES[name]
    snapshot = gradebook_snapshot(root, name)
    tests = {q["test_cell"] for q in case["questions"]}
    right = snapshot["submissions"]["right"]["notebooks"][case["notebook"]]["grades"]
    blank = snapshot["submissions"]["blank"]["notebooks"][case["notebook"]]["grades"]
    written = [g for g in right if g not in tests]
    assert written and all(right[g][3] for g in written)  # needs_manual_grade
    assert all(not blank[g][3] and (blank[g][0] or 0) == 0 for g in written)  # untouched: zero, nothing to mark


def _nbgrader(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def test_parallel_gradebook_equals_sequential_nbgrader(graded):
    root, _expected, _results, sequential = graded
    name = sorted(CASES)[0]
    _nbgrader("autograde", name, cwd=sequential)
    plain, ours = gradebook_snapshot(sequential, name), gradebook_snapshot(root, name)
    differences = {(student, notebook, part): (sub["notebooks"][notebook][part],
                                               ours["submissions"][student]["notebooks"][notebook][part])
                   for student, sub in plain["submissions"].items() for notebook in sub["notebooks"]
                   for part in ("grades", "comments", "flagged", "late_penalty")
                   if sub["notebooks"][notebook][part] != ours["submissions"][student]["notebooks"][notebook][part]}
    assert differences == {}, f"honest work must give the same gradebook (and no flag): {differences}"
    assert plain == ours


def test_regrading_changes_nothing(graded):
    root, _expected, _results, _ = graded
    name = sorted(CASES)[1]
    before = gradebook_snapshot(root, name)
    again = grade(root, name, jobs=2, timeout=300, progress=None)
    assert again.skipped == sorted(STUDENTS) and not again.graded
    assert gradebook_snapshot(root, name) == before


def test_feedback_never_shows_hidden_tests(graded):
    root, _expected, _results, _ = graded
    name = sorted(CASES)[0]
    _nbgrader("generate_feedback", name, cwd=root)
    solution = json.loads((root / "solutions" / name / f"{name}.ipynb").read_text(encoding="utf-8"))
    hidden = []
    for cell in solution["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source, re.S):
            hidden += [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("from ")]
    assert hidden
    for student in STUDENTS:
        page = html.unescape((root / "feedback" / student / name / f"{name}.html").read_text(encoding="utf-8"))
        assert "BEGIN HIDDEN TESTS" not in page
        for line in hidden:
            assert line not in page, f"{student}'s feedback shows a hidden test: {line}"


def test_committed_exercises_are_generated_from_solutions(tmp_path):
    generate(ROOT, tmp_path)
    for name in EVERY:
        fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / name).rglob("*") if p.is_file())
        committed = sorted(p.relative_to(ROOT / "exercises") for p in (ROOT / "exercises" / name).rglob("*")
                           if p.is_file())
        assert fresh == committed
        for rel in fresh:
            if rel.suffix == ".ipynb":
                assert normalise(tmp_path / rel) == normalise(ROOT / "exercises" / rel), (
                    f"exercises/{rel} is out of date: run `python -m mali_ssr.exercises`")


def _validate(paths, invert=False):
    args = [sys.executable, "-m", "nbgrader", "validate", *map(str, paths)]
    if invert:
        args.append("--invert")
    done = subprocess.run(args, cwd=ROOT, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    return done.stdout + done.stderr


def test_solutions_pass_nbgrader_validate():
    paths = [ROOT / "solutions" / n / f"{n}.ipynb" for n in EVERY]
    output = _validate(paths)
    assert output.count("Success! Your notebook passes all the tests.") == len(paths), output[-3000:]


def test_exercises_fail_their_tests():
    paths = [ROOT / "exercises" / n / f"{n}.ipynb" for n in EVERY]
    output = _validate(paths, invert=True)
    assert output.count("Success! The notebook does not pass any tests.") == len(paths), output[-3000:]
