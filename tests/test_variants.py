"""Per-class variants: a class secret gives every autograded question other parameters, and the public answers
stop scoring (issue #11 item 5).

The fast tests run each assignment's cells in this process (no kernel): the set-up and variant cells, the answer
cells, then the full tests, hidden part included. The slow test goes the instructor's way: `mali-ssr class-secret`,
plain `nbgrader generate_assignment`, `mali-ssr grade` in the sandbox.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mali_ssr.grading import notebooks
from mali_ssr.grading.recheck import student_names
from mali_ssr.grading.variants import (
    PARAMETER_CELL,
    apply_variant,
    class_parameters,
    permute_options,
    public_parameters,
    rewrite_markdown,
)

ROOT = Path(__file__).resolve().parents[1]
SECRETS = [f"{n:02d}" * 32 for n in range(6)]
ENGLISH = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir() and not p.name.endswith("_fr"))
WITH_VARIANT = [a for a in ENGLISH
                if any(notebooks.grade_id(c) == PARAMETER_CELL
                       for c in nbformat.read(ROOT / "solutions" / a / f"{a}.ipynb", as_version=4).cells)]


def solution(assignment: str):
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def variant_cell(nb):
    return next(c for c in nb.cells if notebooks.grade_id(c) == PARAMETER_CELL)


def run(nb) -> tuple[dict[str, str | None], dict]:
    """Run a notebook's graded path here: {test grade id: failure or None}, and the final namespace."""
    namespace: dict = {"__name__": "__assignment__"}
    verdicts: dict[str, str | None] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or not notebooks.meta(cell):
            continue  # scratch cells
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(notebooks.source(cell), notebooks.grade_id(cell) or "?", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - a failed test
            if not notebooks.is_test_cell(cell):
                raise
            verdicts[notebooks.grade_id(cell)] = f"{type(exc).__name__}: {exc}"
        else:
            if notebooks.is_test_cell(cell):
                verdicts[notebooks.grade_id(cell)] = None
    return verdicts, namespace


def with_literal_answers(nb, values: dict):
    """The notebook with every answer cell replaced by plain literals (what copying a published answer gives)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.meta(cell).get("solution"):
            bound = [n.id for n in ast.walk(ast.parse(notebooks.source(cell)))
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in values]
            cell.source = "\n".join(f"{name} = {values[name]!r}" for name in dict.fromkeys(bound))
    return nb


def public_answers(assignment: str) -> dict:
    nb = solution(assignment)
    _verdicts, namespace = run(nb)
    return {name: namespace[name] for name in student_names(nb.cells) if name in namespace}


# ------------------------------------------------------------------ the mechanism
def test_options_are_relabelled_in_their_new_order_with_their_continuation_lines():
    text = "Pick one:\n\n- **a.** first\n- **b.** second,\n  continued\n- **c.** third\n\nSet `x`."
    assert permute_options(text, "cab") == ("Pick one:\n\n- **a.** third\n- **b.** first\n- **c.** second,\n"
                                            "  continued\n\nSet `x`.")
    assert permute_options(text, "abc") == text


@pytest.mark.parametrize("letters", ["a", "", "aab"])
def test_a_permutation_rule_that_cannot_be_deranged_is_refused_by_name(letters):
    import random

    from mali_ssr.grading.course import CourseError
    from mali_ssr.grading.variants import _choose

    with pytest.raises(CourseError, match=rf"permutation rule needs two or more different option letters, not '{letters}'"):
        _choose({"permutation": letters}, letters, random.Random(0))


def test_markdown_shows_a_parameter_only_where_it_is_marked():
    text = 'before <span data-variant="year">2012</span>, not 2012; <span data-variant="ids">`"a"`</span>'
    assert rewrite_markdown(text, {"year": 2009, "ids": ["x", "y"]}) == (
        'before <span data-variant="year">2009</span>, not 2012; <span data-variant="ids">`"x"`, `"y"`</span>')




@pytest.mark.parametrize("assignment", ENGLISH)
def test_every_assignment_declares_its_parameters(assignment):
    cell = variant_cell(solution(assignment))
    rules = cell.metadata["mali_ssr"]["variants"]
    assert rules and set(rules) <= set(public_parameters(cell))
    assert notebooks.is_setup_cell(cell), "the variant cell must be locked set-up code, restored by the grader"


@pytest.mark.parametrize("assignment", WITH_VARIANT)
def test_the_public_values_are_what_the_public_markdown_shows(assignment):
    """Applying the public values changes nothing: every marked place shows its public value, exactly."""
    nb = solution(assignment)
    public = public_parameters(variant_cell(nb))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert rewrite_markdown(cell.source, public) == cell.source, notebooks.grade_id(cell)


@pytest.mark.parametrize("assignment", WITH_VARIANT)
def test_the_same_secret_gives_the_same_parameters_and_two_secrets_differ(assignment):
    cell = variant_cell(solution(assignment))
    first = [class_parameters(s, assignment, cell) for s in SECRETS]
    assert first == [class_parameters(s, assignment, cell) for s in SECRETS]
    assert len({json.dumps(p, sort_keys=True) for p in first}) > 1
    assert class_parameters(SECRETS[0], assignment + "_fr", cell) == first[0], "both editions share a class's version"
    public = public_parameters(cell)
    for parameters in first:
        for name, value in parameters.items():
            assert value != public[name], f"{name}: a class got the public value"


@pytest.mark.parametrize("assignment", WITH_VARIANT)
def test_no_hidden_test_holds_the_answer_it_checks(assignment):
    """Every parameter is read by some hidden test, which computes its expected answer from it."""
    nb = solution(assignment)
    hidden = "\n".join(notebooks.split_hidden(notebooks.source(c))[1] for c in nb.cells if notebooks.is_test_cell(c))
    for name in variant_cell(nb).metadata["mali_ssr"]["variants"]:
        assert name in hidden, f"no hidden test reads {name}"


@pytest.mark.parametrize("assignment", WITH_VARIANT)
def test_the_method_scores_full_and_the_public_answers_score_zero_on_every_class_variant(assignment):
    public = public_answers(assignment)
    verdicts, _ns = run(solution(assignment))
    assert all(v is None for v in verdicts.values()), verdicts
    assert all(v is None for v in run(with_literal_answers(solution(assignment), public))[0].values()), \
        "the literal public answers must pass the public variant (else this test proves nothing)"
    for secret in SECRETS:
        nb = solution(assignment)
        apply_variant(nb, secret, assignment)
        verdicts, _ns = run(nb)
        assert all(v is None for v in verdicts.values()), (secret, verdicts)
        copied, _ns = run(with_literal_answers(nb, public))
        assert all(v is not None for v in copied.values()), (secret, {k: v for k, v in copied.items() if v is None})


def test_a_changed_hidden_test_that_keeps_a_literal_answer_is_caught():
    """The gate above can fail: a hidden test with the public answer written in it passes the public literals."""
    nb = solution(WITH_VARIANT[0])
    apply_variant(nb, SECRETS[0], WITH_VARIANT[0])
    public = public_answers(WITH_VARIANT[0])
    test = next(c for c in nb.cells if notebooks.is_test_cell(c))
    visible, _hidden = notebooks.split_hidden(test.source)
    test.source = visible  # the hidden part gone: only form checks, which the public literals pass
    copied, _ns = run(with_literal_answers(nb, public))
    assert copied[notebooks.grade_id(test)] is None


# ------------------------------------------------------------------ the instructor's way (slow)
@pytest.mark.slow
def test_a_class_release_through_plain_nbgrader_grades_the_method_full_and_the_public_answers_zero(tmp_path):
    """Also a student who sets the public parameters again in an answer cell: the graded copy is the locked one."""
    from grading_support import build_course, real_std_streams
    from mali_ssr.exercises import answer_cells, fill_answers, nbgrader_env

    assignment = WITH_VARIANT[0]
    course = build_course(tmp_path / "course", [], copy_all_sources=False)
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    env = nbgrader_env()
    bin_dir = Path(sys.executable).parent

    def generate():
        subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", assignment, "--force"], cwd=course, env=env,
                       check=True, capture_output=True, timeout=300)
        return (course / "exercises" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")

    public_release = generate()
    done = subprocess.run([str(bin_dir / "mali-ssr"), "class-secret"], cwd=course, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    release = generate()
    assert release != public_release and generate() == release, "the same secret must give the same release"

    exercise = json.loads(release)
    method = json.loads((course / "solutions" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    literal = with_literal_answers(nbformat.reads(json.dumps(method), as_version=4), public_answers(assignment))
    overrider = copy.deepcopy(literal)  # sets the public parameters again before its public answers
    public = public_parameters(variant_cell(solution(assignment)))
    for cell in overrider.cells:
        if cell.cell_type == "code" and notebooks.meta(cell).get("solution"):
            cell.source = "\n".join(f"{name} = {value!r}" for name, value in public.items()) + "\n" + cell.source
    students = [("method", method), ("copier", json.loads(nbformat.writes(literal))),
                ("overrider", json.loads(nbformat.writes(overrider)))]
    for student, source in students:
        filled = fill_answers(exercise, source, {gid: "SOLUTION" for gid in answer_cells(source)})
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(filled), encoding="utf-8")

    from mali_ssr.grading import grade
    from mali_ssr.grading.course import Course
    from mali_ssr.grading.gradebook import open_gradebook

    with real_std_streams():
        result = grade(course, assignment, jobs=2, timeout=300, progress=None)
    assert sorted(result.graded) == ["copier", "method", "overrider"], result.failed
    with open_gradebook(Course.load(course)) as gb:
        scores = {}
        for student in ("method", "copier", "overrider"):
            submission = gb.find_submission(assignment, student)
            scores[student] = {g.name: (g.auto_score, g.max_score) for nb in submission.notebooks for g in nb.grades
                               if g.auto_score is not None}
    assert scores["method"] and all(score == top for score, top in scores["method"].values()), scores["method"]
    for student in ("copier", "overrider"):
        assert scores[student] and all(score == 0 for score, _top in scores[student].values()), scores[student]

    # plain nbgrader autograde, the other route, on the same overrider: the same zero
    done = subprocess.run([str(bin_dir / "nbgrader"), "autograde", assignment, "--student", "overrider", "--force"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with open_gradebook(Course.load(course)) as gb:
        submission = gb.find_submission(assignment, "overrider")
        again = [g.auto_score for nb in submission.notebooks for g in nb.grades if g.auto_score is not None]
    assert again and all(score == 0 for score in again), again
