"""Flags are few and ranked: one per cause and student, most severe first, stored in that order.

Fast: the ranking and the stored file, on flags made here. That each real tampering class, graded for real, gets
exactly one flag and an honest notebook run before saving none is in tests/test_hostile.py
(test_one_flag_per_cause, test_flags_are_ranked_by_severity), which grades them all in one run.
"""

from __future__ import annotations

import json

import pytest

from mali_ssr.grading.course import Course
from mali_ssr.grading.runner import GradeResult, ranked, recheck_flags, record_flags, store_flags
from mali_ssr.grading.tampering import FILES, KERNEL, RECHECK, SEVERITY, TESTS, UNGRADED, UNSAFE, Flag, rank_flags

CONFIG = 'c = get_config()\nc.CourseDirectory.root = "."\nc.CourseDirectory.course_id = "mali-ssr"\n'


def test_the_documented_order():
    assert SEVERITY == (UNGRADED, UNSAFE, TESTS, RECHECK, KERNEL, FILES)


def test_one_flag_per_kind_most_severe_first():
    flags = [Flag(FILES, "extra file 'a.py'"), Flag(KERNEL, "a cell ran past the time limit"),
             Flag(TESTS, "locked cell q1 was edited"), Flag(FILES, "extra file 'b.py'"),
             Flag(KERNEL, "the kernel was stopped while running cell 9"), Flag(UNSAFE, "leak.txt: a symbolic link")]
    out = rank_flags(flags)
    assert [f.kind for f in out] == [UNSAFE, TESTS, KERNEL, FILES]
    assert out[-1] == "extra file 'a.py'; extra file 'b.py'"
    assert out[2] == "a cell ran past the time limit; the kernel was stopped while running cell 9"


def test_a_cause_said_twice_is_said_once():
    why = "wrong notebook: 01_history.ipynb holds none of this assignment's cells"
    out = rank_flags([Flag(UNGRADED, "could not be graded: " + why), Flag(UNGRADED, why), Flag(UNGRADED, why)])
    assert out == ["could not be graded: " + why]


def test_a_plain_text_counts_as_a_recheck_flag():
    out = rank_flags(["q1: passed in the notebook, failed the independent re-check", Flag(FILES, "extra")])
    assert [f.kind for f in out] == [RECHECK, FILES]


def test_students_ranked_by_their_worst_flag():
    out = ranked({"zoe": [Flag(UNGRADED, "could not be graded")], "adam": [Flag(FILES, "extra file")],
                  "bea": [Flag(FILES, "extra"), Flag(TESTS, "edited")], "carl": []})
    assert list(out) == ["zoe", "bea", "adam"]
    assert [f.kind for f in out["bea"]] == [TESTS, FILES]


def test_stored_flags_are_ranked_and_kept_across_runs(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    course = Course.load(tmp_path)
    path = store_flags(course, "a1", ranked({"adam": [Flag(FILES, "extra")], "bea": [Flag(TESTS, "edited")]}),
                       ["adam", "bea"])
    assert [row["student"] for row in json.loads(path.read_text())] == ["bea", "adam"]
    # a second run grades adam again, clean now, and a new student: bea (not graded again) keeps hers
    store_flags(course, "a1", ranked({"carl": [Flag(UNGRADED, "could not be graded")]}), ["adam", "carl"])
    assert json.loads(path.read_text()) == [
        {"student": "carl", "flags": [{"kind": UNGRADED, "text": "could not be graded"}]},
        {"student": "bea", "flags": [{"kind": TESTS, "text": "edited"}]}]


def test_recheck_flags_keep_their_kind(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    course = Course.load(tmp_path)
    folder = tmp_path / ".mali-ssr" / "flags" / "a1"
    folder.mkdir(parents=True)
    (folder / "s.recheck.json").write_text(json.dumps({"a1": [{"kind": KERNEL, "text": "the kernel died"},
                                                              "an older run's plain text"]}))
    found = recheck_flags(course, "a1", "s")
    assert [(f.kind, str(f)) for f in found] == [(KERNEL, "the kernel died"), (RECHECK, "an older run's plain text")]


def _flagged(course, assignment):
    from mali_ssr.grading.gradebook import open_gradebook

    with open_gradebook(course) as gb:
        return {sub.student.id: all(nb.flagged for nb in sub.notebooks) for sub in gb.assignment_submissions(assignment)}


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own add_submission says these
def test_the_formgrader_flag_follows_the_latest_run_and_spares_the_instructors_own(tmp_path, monkeypatch):
    """A student flagged by one run and graded clean by the next loses nbgrader's flag; one the instructor
    flagged by hand (no run flagged them) keeps it, and so does one graded in neither run."""
    from mali_ssr.exercises import nbgrader_env
    from mali_ssr.grading.gradebook import open_gradebook

    (tmp_path / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    course = Course.load(tmp_path)
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # a new gradebook runs alembic, from this Python's bin/
    with open_gradebook(course) as gb:
        gb.add_assignment("a1")
        gb.add_notebook("n1", "a1")
        for student in ("adam", "bea", "carl"):
            gb.add_student(student)
            gb.add_submission("a1", student)
        gb.find_submission_notebook("n1", "a1", "bea").flagged = True  # by hand, in the formgrader
        gb.db.commit()

    first = GradeResult("a1", graded=["adam", "carl"], flags=ranked({"adam": [Flag(FILES, "extra file 'a.py'")],
                                                                      "carl": [Flag(TESTS, "edited")]}))
    record_flags(course, first, ["adam", "carl"])
    assert _flagged(course, "a1") == {"adam": True, "bea": True, "carl": True}

    again = GradeResult("a1", graded=["adam", "bea"])  # adam resubmitted clean; bea graded clean too
    record_flags(course, again, ["adam", "bea"])
    assert _flagged(course, "a1") == {"adam": False, "bea": True, "carl": True}
