"""Bad input to `mali-ssr grade`: broken submissions, wrong requests, a busy gradebook, interrupted runs.

Each must end with a clear message and nothing lost: the other students are
graded, the broken submission stays as it was handed in, the gradebook holds
nothing twice, and a corrected submission or a second run picks up where the
first left off. Course errors raise `CourseError` (exit status 2 from the
command); failing students are listed by name (exit status 1).

Known defects in src/ are marked ``xfail(strict=True)`` with the defect as the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from grading_support import build_course, real_std_streams
from mali_ssr.exercises import answer_cells, fill_answers, nbgrader_env
from mali_ssr.grading import CourseError, grade, gradebook_snapshot

LOG_DIR = Path(".mali-ssr") / "grade-logs"

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
A1, A2 = "01_history", "02_institutional_design"
TESTS = ("q1_first_coup", "q2_national_initiatives_before_2012", "q3_bagayoko_impulsion", "q4_who_drove")



def graded_quietly(root: Path, assignment: str = A1, **kwargs):
    with real_std_streams():
        return grade(root, assignment, jobs=kwargs.pop("jobs", 2), timeout=kwargs.pop("timeout", 120),
                     progress=None, **kwargs)


# ------------------------------------------------------------------ courses


@pytest.fixture(scope="module")
def base_course(tmp_path_factory) -> Path:
    """A course with 01 and 02 released (03 and 04 are in solutions/ only) and no submissions yet."""
    root = tmp_path_factory.mktemp("base")
    build_course(root, [A1, A2], "c.Execute.timeout = 5\nc.ExecutePreprocessor.timeout = 5")
    # generate_in_course leaves nbgrader's default course id; a course released with `nbgrader generate_assignment`
    # and this nbgrader_config.py has its own row already. Reading the gradebook once with the course id adds it.
    gradebook_snapshot(root, A1)
    return root


def honest(root: Path, assignment: str = A1) -> str:
    exercise = json.loads((root / "exercises" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    solution = json.loads((root / "solutions" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    return json.dumps(fill_answers(exercise, solution, {gid: "SOLUTION" for gid in answer_cells(solution)}))


def course(base: Path, where: Path, students: dict[str, dict[str, str]]) -> Path:
    """A copy of the base course with ``students``: student -> {file name: content} under submitted/<s>/01_history/."""
    root = where / "course"
    shutil.copytree(base, root)
    for student, files in students.items():
        folder = root / "submitted" / student / A1
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    return root


def score(snapshot: dict, student: str) -> float:
    grades = snapshot["submissions"][student]["notebooks"][A1]["grades"]
    return sum(grades[t][0] or 0 for t in TESTS)


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def submissions_per_student(root: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    try:
        return dict(connection.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id"))
    finally:
        connection.close()


def cli(cwd: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mali_ssr", *args], cwd=cwd, env=env or nbgrader_env(),
                          capture_output=True, text=True, timeout=timeout)


# ------------------------------------------------------------------ broken submissions


BROKEN = {  # student -> (what is in submitted/<student>/01_history/, regexes the instructor's flags must match)
    "not_json": (lambda root: {"01_history.ipynb": "My answers: 1968, 5 coups. Sorry, the notebook did not save.\n"},
                 [r"01_history\.ipynb is not a readable notebook"]),
    "truncated": (lambda root: {"01_history.ipynb": honest(root)[:20000]},
                  [r"01_history\.ipynb is not a readable notebook"]),
    "wrong_content": (lambda root: {"01_history.ipynb": honest(root, A2)},
                      [r"01_history\.ipynb holds none of this assignment's cells"]),
    "wrong_file": (lambda root: {f"{A2}.ipynb": honest(root, A2)},
                   [r"01_history\.ipynb is missing", r"extra file '02_institutional_design\.ipynb'"]),
    "renamed": (lambda root: {"01_history (1).ipynb": honest(root)},
                [r"01_history\.ipynb is missing", r"extra file '01_history \(1\)\.ipynb'"]),
    "empty": (lambda root: {}, [r"01_history\.ipynb is missing"]),
}


@pytest.fixture(scope="module")
def broken(base_course, tmp_path_factory):
    """One honest student beside six broken submissions; graded, then graded again once one was handed in again."""
    where = tmp_path_factory.mktemp("broken")
    students = {"good": {"01_history.ipynb": honest(base_course)}}
    students.update({name: files(base_course) for name, (files, _flags) in BROKEN.items()})
    root = course(base_course, where, students)
    before = fingerprint(root / "submitted")
    first = graded_quietly(root)
    first_snapshot = gradebook_snapshot(root, A1)
    after = fingerprint(root / "submitted")
    (root / "submitted" / "truncated" / A1 / "01_history.ipynb").write_text(honest(base_course), encoding="utf-8")
    second = graded_quietly(root)
    return root, first, first_snapshot, before, after, second


def test_broken_submissions_fail_alone(broken):
    root, first, snapshot, *_ = broken
    assert first.graded == ["good"]
    assert sorted(first.failed) == sorted(BROKEN)
    assert score(snapshot, "good") == 12


@pytest.mark.parametrize("student", sorted(BROKEN))
def test_broken_submission_gets_a_clear_message(broken, student):
    _root, first, *_ = broken
    flags = first.flags.get(student, [])
    for pattern in BROKEN[student][1]:
        assert any(re.search(pattern, flag) for flag in flags), f"no flag matching {pattern!r} in {flags}"
    assert first.failed[student]
    assert any(flag.startswith("could not be graded: ") for flag in flags)
    if student in ("not_json", "truncated"):
        assert "JSON" in first.failed[student]


def test_nothing_is_lost(broken):
    """Submissions stay as handed in; the gradebook holds only who submitted, once each, the good grades intact."""
    root, first, snapshot, before, after, _second = broken
    assert after == before
    assert set(snapshot["students"]) <= {"good", *BROKEN}
    assert set(submissions_per_student(root).values()) == {1}
    good = snapshot["submissions"]["good"]["notebooks"][A1]["grades"]
    assert {t: good[t] for t in TESTS} == {t: (3.0, None, None, False) for t in TESTS}


def test_corrected_submission_is_graded_next_time(broken):
    root, _first, _snapshot, _before, _after, second = broken
    assert second.skipped == ["good"]
    assert second.graded == ["truncated"]
    assert sorted(second.failed) == sorted(set(BROKEN) - {"truncated"})
    snapshot = gradebook_snapshot(root, A1)
    assert score(snapshot, "truncated") == 12 and score(snapshot, "good") == 12
    assert set(submissions_per_student(root).values()) == {1}


def test_failure_reason_is_clear_when_grade_runs_in_process(base_course, tmp_path):
    """grade() called where sys.stdout/sys.stderr are not fds 1 and 2: pytest's capture, a Jupyter kernel."""
    root = course(base_course, tmp_path, {"not_json": BROKEN["not_json"][0](base_course)})
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = grade(root, A1, jobs=1, timeout=120, progress=None)
    assert "JSON" in result.failed["not_json"], result.failed


# ------------------------------------------------------------------ wrong requests


def test_no_submitted_folder(base_course, tmp_path):
    root = course(base_course, tmp_path, {})
    with pytest.raises(CourseError, match=r"there is no submitted/ folder in .*collect the submissions first"):
        grade(root, A1, progress=None)
    assert not (root / "autograded").exists()


def test_unknown_student(base_course, tmp_path):
    root = course(base_course, tmp_path, {"good": {"01_history.ipynb": honest(base_course)}})
    with pytest.raises(CourseError, match=r"no submission of '01_history' from: nobody"):
        grade(root, A1, students=["good", "nobody"], progress=None)
    assert not (root / "autograded").exists()
    done = cli(root, "grade", A1, "--student", "nobody")
    assert done.returncode == 2, done
    assert "mali-ssr: error: no submission of '01_history' from: nobody" in done.stderr


def test_unknown_assignment(base_course, tmp_path):
    root = course(base_course, tmp_path, {"good": {"01_history.ipynb": honest(base_course)}})
    with pytest.raises(CourseError, match=r"unknown assignment '99_elections'; the course has: 01_history, .*04_synthesis"):
        grade(root, "99_elections", progress=None)


def test_assignment_not_released(base_course, tmp_path):
    root = course(base_course, tmp_path, {})
    with pytest.raises(CourseError, match=r"'03_impunity_and_peace' is not in the gradebook yet: run "
                                          r"`nbgrader generate_assignment 03_impunity_and_peace --force`"):
        grade(root, "03_impunity_and_peace", progress=None)


def test_outside_a_course_directory(tmp_path):
    with pytest.raises(CourseError, match=r"is not a course directory: nbgrader_config.py is missing"):
        grade(tmp_path, A1, progress=None)
    assert list(tmp_path.iterdir()) == []
    done = cli(tmp_path, "grade", A1)
    assert done.returncode == 2, done
    assert re.search(r"^mali-ssr: error: .* is not a course directory", done.stderr, re.M), done.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ a busy gradebook


@contextlib.contextmanager
def gradebook_held(root: Path, mode: str):
    connection = sqlite3.connect(root / "gradebook.db", isolation_level=None)
    connection.execute(f"BEGIN {mode}")
    try:
        yield
    finally:
        connection.rollback()
        connection.close()


def assert_nothing_graded(root: Path) -> None:
    assert not (root / "autograded").exists()
    assert not list(root.glob(f"{LOG_DIR}/**/*.done"))
    assert gradebook_snapshot(root, A1)["submissions"] == {}


def test_gradebook_in_use_by_a_writer(base_course, tmp_path):
    """Another process is writing (the formgrader saving a grade): refuse at once, grade nothing; later, grade."""
    root = course(base_course, tmp_path, {"good": {"01_history.ipynb": honest(base_course)}})
    with gradebook_held(root, "IMMEDIATE"):
        started = time.monotonic()
        with pytest.raises(CourseError, match=r"gradebook .*gradebook\.db is in use by another process.*"
                                              r"Nothing was graded"):
            grade(root, A1, progress=None)
        assert time.monotonic() - started < 30
    assert_nothing_graded(root)
    result = graded_quietly(root)
    assert result.graded == ["good"] and not result.failed
    assert score(gradebook_snapshot(root, A1), "good") == 12


GRADE_AND_REPORT = """
import json, sys
from mali_ssr.grading import grade
try:
    grade(sys.argv[1], "01_history", jobs=1, progress=None)
    print(json.dumps({"raised": None}))
except BaseException as exc:
    print(json.dumps({"raised": type(exc).__module__ + "." + type(exc).__name__, "message": str(exc)}))
"""


def test_gradebook_locked_exclusively(base_course, tmp_path):
    """Another process holds `BEGIN EXCLUSIVE` on gradebook.db: CourseError naming the gradebook, nothing graded."""
    root = course(base_course, tmp_path, {"good": {"01_history.ipynb": honest(base_course)}})
    with gradebook_held(root, "EXCLUSIVE"):
        proc = subprocess.Popen([sys.executable, "-c", GRADE_AND_REPORT, str(root)], cwd=root, env=nbgrader_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail("grade() was still waiting for the locked gradebook after 25 s")
    assert_nothing_graded(root)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["raised"] == "mali_ssr.grading.course.CourseError", report
    assert re.search(r"gradebook .* is in use by another process", report["message"]), report


# ------------------------------------------------------------------ running again


def test_regrading_changes_nothing(base_course, tmp_path):
    root = course(base_course, tmp_path, {s: {"01_history.ipynb": honest(base_course)} for s in ("ana", "ben")})
    first = graded_quietly(root)
    assert first.graded == ["ana", "ben"] and not first.failed
    before = gradebook_snapshot(root, A1)
    again = graded_quietly(root)
    assert again.skipped == ["ana", "ben"] and again.graded == [] and not again.failed
    assert gradebook_snapshot(root, A1) == before
    forced = graded_quietly(root, force=True)
    assert forced.graded == ["ana", "ben"] and forced.skipped == [] and not forced.failed
    assert gradebook_snapshot(root, A1) == before
    assert submissions_per_student(root) == {"ana": 1, "ben": 1}
    assert before["students"] == ["ana", "ben"]


def test_a_worker_grades_students_in_turn_and_is_replaced_on_schedule(base_course, tmp_path, monkeypatch):
    """A grading worker keeps what does not depend on the student (imports, the gradebook's engine) from one student
    to the next: the marks are those of a fresh worker per student, and a worker retires after its share."""
    from mali_ssr.grading import runner

    blank = (base_course / "exercises" / A1 / f"{A1}.ipynb").read_text(encoding="utf-8")
    students = {s: {"01_history.ipynb": honest(base_course) if i % 2 == 0 else blank}
                for i, s in enumerate(("ana", "ben", "cho", "dan", "eve"))}
    one_each = graded_quietly(course(base_course, tmp_path / "one-each", students), jobs=5)
    started = []

    class CountedWorker(runner.Worker):
        def __init__(self, *args, **kwargs):
            started.append(args[-1])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(runner, "Worker", CountedWorker)
    monkeypatch.setattr(runner, "STUDENTS_PER_WORKER", 2)
    root = course(base_course, tmp_path / "in-turn", students)
    in_turn = graded_quietly(root, jobs=1)
    assert in_turn.graded == sorted(students) and not in_turn.failed
    assert started == [0, 0, 0]  # five students, two per worker: three workers, one after the other, in slot 0
    assert gradebook_snapshot(root, A1) == gradebook_snapshot(tmp_path / "one-each" / "course", A1)
    assert one_each.graded == in_turn.graded
    assert {s: score(gradebook_snapshot(root, A1), s) for s in students} == {
        "ana": 12, "ben": 0, "cho": 12, "dan": 0, "eve": 12}


def _tagged(tag: str) -> list[tuple[int, str]]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                with open(f"{entry.path}/environ", "rb") as f:
                    if tag.encode() not in f.read():
                        continue
                with open(f"{entry.path}/cmdline", "rb") as f:
                    found.append((int(entry.name), f.read().replace(b"\0", b" ").decode(errors="replace")[:120]))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module", params=["SIGKILL", "SIGINT"])
def killed(base_course, tmp_path_factory, request):
    """`mali-ssr grade --jobs 1` stopped while grading its second student: SIGKILL to its process group (killed),
    or SIGINT to it (Ctrl-C in the terminal)."""
    where = tmp_path_factory.mktemp("killed")
    students = ("s1", "s2", "s3")
    root = course(base_course, where, {s: {"01_history.ipynb": honest(base_course)} for s in students})
    tag = f"MALI_SSR_KILL_TAG_{uuid.uuid4().hex}"
    scratch = tempfile.mkdtemp(prefix="mk-", dir="/tmp")  # the killed run cannot remove its scratch folder
    proc = subprocess.Popen([sys.executable, "-m", "mali_ssr", "grade", A1, "--jobs", "1"], cwd=root,
                            env={**nbgrader_env(), tag: "1", "TMPDIR": scratch}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    logs = root / LOG_DIR / A1
    deadline = time.monotonic() + 120
    interrupted = None
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            done = {p.stem for p in logs.glob("*.done")} if logs.is_dir() else set()
            running = [p.stem for p in logs.glob("*.log") if p.stem not in done] if logs.is_dir() else []
            if done and running and "Autograding" in (logs / f"{running[0]}.log").read_text(errors="replace"):
                interrupted = running[0]
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, getattr(signal, request.param) if interrupted else signal.SIGKILL)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert interrupted, "the grade command never got to its second student"
    time.sleep(1)
    survivors = _tagged(tag)
    graded_before_restart = sorted(p.stem for p in logs.glob("*.done"))
    deadline = time.monotonic() + 60
    while _tagged(tag) and time.monotonic() < deadline:  # let orphans finish before grading again
        time.sleep(0.5)
    for pid, _cmd in _tagged(tag):  # this test's own processes: never leave them running
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(scratch, ignore_errors=True)
    rerun = graded_quietly(root, jobs=1)
    return root, students, interrupted, survivors, graded_before_restart, rerun, request.param


def test_stopped_run_leaves_nothing_running(killed, request):
    _root, _students, interrupted, survivors, _graded, _rerun, how = killed
    if how == "SIGKILL":
        request.applymarker(pytest.mark.xfail(strict=False, reason=(
            "known limit (docs/grading-safety.md): when the grade command itself is SIGKILLed, the sandbox of the "
            "student being graded can outlive it; its grading child is gone, so it writes nothing")))
    assert survivors == [], f"still running a second after {how} (grading {interrupted}): {survivors}"


def test_stopped_run_is_finished_by_the_next_one(killed):
    root, students, interrupted, _survivors, graded_before_restart, rerun, _how = killed
    assert graded_before_restart == ["s1"] and interrupted == "s2"
    assert rerun.skipped == ["s1"]
    assert rerun.graded == ["s2", "s3"], "the interrupted student must be graded again"
    assert not rerun.failed
    snapshot = gradebook_snapshot(root, A1)
    assert snapshot["students"] == list(students)
    assert submissions_per_student(root) == {s: 1 for s in students}
    assert all(score(snapshot, s) == 12 for s in students)
    assert sorted(p.stem for p in (root / LOG_DIR / A1).glob("*.done")) == list(students)


# ------------------------------------------------------------------ the command


def test_cli_exit_1_lists_failing_students(base_course, tmp_path):
    root = course(base_course, tmp_path, {"good": {"01_history.ipynb": honest(base_course)},
                                          "not_json": BROKEN["not_json"][0](base_course),
                                          "empty": {}})
    done = cli(root, "grade", A1, "--jobs", "2")
    assert done.returncode == 1, done
    out = done.stdout
    assert "graded 1 submission of 01_history" in out and "2 failed" in out
    failed_part = out.split("could not be graded (see .mali-ssr/grade-logs/):", 1)[1]
    assert re.search(r"^  not_json: .*JSON", failed_part, re.M), out
    assert re.search(r"^  empty: ", failed_part, re.M), out
    assert not re.search(r"^  good: ", failed_part, re.M), out
    assert score(gradebook_snapshot(root, A1), "good") == 12
