"""Hostile submissions: `mali-ssr grade` against students who attack it (docs/grading-safety.md).

One temporary course, assignment 01_history, an ``honest`` student and one
student per attack in tests/hostile_cases.py (the case table: what each
submission does, the exact score it must get, the flag the instructor must
see). All are graded in ONE `grade()` call, with the sandbox on, a 5-second
cell timeout, a 35-second wall time per student and small kernel limits, so
the whole suite takes about two minutes. Then, for every case:

1. the autograded score read back from the gradebook is exactly what the
   honest part of that notebook earns (the tampered question scores 0);
2. grading finished for every other student, and the honest one got 12;
3. the gradebook is intact (a valid SQLite file, the honest grades as they
   should be, no student or submission that was not submitted);
4. nothing is left running: no sandbox, kernel, fork-bomb child or grading
   process started by this test (found by an environment tag, and by parent);
5. the instructor sees a flag naming the student and what was detected, where
   the design gives one (the table says where it does not, and why);

and the hidden tests never reach a place the student can read or write.

Known defects in src/ are marked ``xfail(strict=True)`` with the defect as
the reason (the case table's DEFECT_* texts); they turn into failures, on
purpose, once fixed, so the marks can be removed.

The suite runs a fork bomb and a memory bomb: it is skipped where the
sandbox cannot enforce its limits.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grading_support import build_course, real_std_streams, require_sandbox
from hostile_cases import ANSWER, BY_NAME, CASES, MARKER, PROBE_STUDENT, Q1, Q2, Q3, Q4, Case
from mali_ssr.exercises import answer_cells, fill_answers
from mali_ssr.grading import GradeResult, grade, gradebook_snapshot
from mali_ssr.sandbox.mounts import python_folders as _python_paths
from mali_ssr.sandbox.policy import FIRST_UID, Policy

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_history"
TESTS = (Q1, Q2, Q3, Q4)
FULL = 12
TAG = "MALI_SSR_HOSTILE_TAG"
CELL_TIMEOUT = 5
WALL_TIMEOUT = 35
STUDENTS = ["honest", *[case.name for case in CASES]]


# ------------------------------------------------------------------ processes, read from /proc


@contextlib.contextmanager
def command_like_sys_path():
    """Grade with sys.path as the `mali-ssr` command has it: no folder of the repository but the installed src/.

    `python -m pytest` puts the repository root, with its solutions/, on sys.path. The sandbox once bound every
    sys.path folder into the kernels' view; it no longer does, but the hostile kernels must never see the
    repository's solutions whatever it binds, or the hunt for hidden tests would find those.
    """
    saved = list(sys.path)
    keep = ROOT / "src"
    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}  # CI's venv lives in the checkout

    def wanted(path: Path) -> bool:
        if path == keep or any(path == p or p in path.parents for p in prefixes):
            return True
        return not (path == ROOT or ROOT in path.parents)

    sys.path[:] = [p for p in sys.path if p and wanted(Path(p).resolve())]
    try:
        yield
    finally:
        sys.path[:] = saved


@dataclass(frozen=True)
class Proc:
    pid: int
    uid: int
    ppid: int
    state: str
    cmd: str
    tagged: bool


def processes(tag: str) -> dict[int, Proc]:
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            uid = os.stat(entry.path).st_uid
            with open(f"{entry.path}/stat", "rb") as f:
                stat = f.read()
            fields = stat[stat.rindex(b")") + 2:].split()
            with open(f"{entry.path}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            try:
                with open(f"{entry.path}/environ", "rb") as f:
                    tagged = tag.encode() in f.read()
            except OSError:
                tagged = False
        except (OSError, ValueError):
            continue  # gone meanwhile
        found[int(entry.name)] = Proc(int(entry.name), uid, int(fields[1]), fields[0].decode(), cmd[:200], tagged)
    return found


def leftovers(before: dict[int, Proc], tag: str) -> list[Proc]:
    """Processes this test started (directly, or inside a sandbox: they carry the tag) that still exist."""
    me = os.getpid()
    return [p for pid, p in processes(tag).items()
            if pid != me and pid not in before and (p.tagged or p.ppid == me)]


# ------------------------------------------------------------------ building the course


def hidden_lines() -> list[str]:
    solution = json.loads((ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    lines, elsewhere = [], []
    hidden_block = r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS"
    for cell in solution["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for block in re.findall(hidden_block, source, re.S):
            lines += [line.strip() for line in block.splitlines()
                      if line.strip() and not line.startswith(("from ", "print("))]
        elsewhere.append(re.sub(hidden_block, "", source, flags=re.S))
    # a line the solution's answer cells share (the method, e.g. a filter_events call) is not a secret
    lines = [line for line in lines if not any(line in text for text in elsewhere)]
    assert lines
    return lines


def _fill(text: str, root: Path, port: int) -> str:
    return text.replace("@ROOT@", str(root)).replace("@PORT@", str(port))


def write_submission(root: Path, student: str, case: Case | None, port: int) -> None:
    exercise = json.loads((root / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    solution = json.loads((root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    answers = {gid: "SOLUTION" for gid in answer_cells(solution)}
    if case:
        answers.update(case.answers)
    nb = fill_answers(exercise, solution, answers)
    if case and case.edit:
        case.edit(nb)
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(_fill(json.dumps(nb, indent=1), root, port), encoding="utf-8")
    for rel, text in (case.files if case else {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(_fill(text, root, port), encoding="utf-8")
    for rel, target in (case.links if case else {}).items():
        (folder / rel).symlink_to(_fill(target, root, port))


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder``, by content (symlinks by target, never followed)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def student_outputs(nb: dict) -> list[str]:
    """Text of every output of the cells that are not test cells (what the student's code showed)."""
    texts = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue
        for output in cell.get("outputs", []):
            for value in (output.get("text"), *output.get("data", {}).values(), output.get("evalue"),
                          *(output.get("traceback") or [])):
                if isinstance(value, list):
                    value = "".join(value)
                if isinstance(value, str):
                    texts.append(value)
    return texts


@dataclass
class Graded:
    root: Path
    result: GradeResult
    seconds: float
    snapshot: dict
    reports: dict[str, list[dict]]
    outputs: dict[str, list[str]]
    notebook_bytes: dict[str, int]
    submitted_before: dict[str, str]
    submitted_after: dict[str, str]
    leftovers: list[Proc]
    scratch_left: list[str]
    connections: list[str]
    tag: str
    extra: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    require_sandbox(" (the hostile suite runs a fork bomb and a memory bomb)")
    root = tmp_path_factory.mktemp("hostile")
    build_course(root, [ASSIGNMENT], f"# hostile suite: a short cell timeout\nc.Execute.timeout = {CELL_TIMEOUT}\n"
                 f"c.ExecutePreprocessor.timeout = {CELL_TIMEOUT}")

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    port = server.getsockname()[1]
    write_submission(root, "honest", None, port)
    for case in CASES:
        write_submission(root, case.name, case, port)
    submitted_before = fingerprint(root / "submitted")

    tag = uuid.uuid4().hex
    before = processes(tag)
    scratch_root = tempfile.mkdtemp(prefix="mh-", dir="/tmp")  # short: the kernels' Unix sockets live below
    saved_tempdir, saved_tag = tempfile.tempdir, os.environ.get(TAG)
    tempfile.tempdir, os.environ[TAG] = scratch_root, tag
    try:
        started = time.perf_counter()
        with real_std_streams(), command_like_sys_path():
            result = grade(root, ASSIGNMENT, jobs=2, timeout=WALL_TIMEOUT, progress=None,
                           policy=Policy(memory_mb=1024, cpu_seconds=20))
        seconds = time.perf_counter() - started
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_tag is None:
            os.environ.pop(TAG, None)
        else:
            os.environ[TAG] = saved_tag

    deadline = time.monotonic() + 5  # a killed sandbox takes a moment to go
    while leftovers(before, tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = leftovers(before, tag)
    for proc in left:  # keep the machine clean whatever the verdict: these are this test's own processes
        try:
            os.kill(proc.pid, 9)
        except OSError:
            pass
    scratch_left = sorted(str(p) for p in Path(scratch_root).rglob("*"))
    shutil.rmtree(scratch_root, ignore_errors=True)

    connections = []
    while True:
        try:
            conn, address = server.accept()
        except (BlockingIOError, OSError):
            break
        connections.append(repr(address))
        conn.close()
    server.close()

    reports, outputs, sizes = {}, {}, {}
    for student in STUDENTS:
        path = root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        sizes[student] = path.stat().st_size if path.is_file() else 0
        nb = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        outputs[student] = student_outputs(nb)
        reports[student] = [json.loads(line[len(MARKER):]) for text in outputs[student]
                            for line in text.splitlines() if line.startswith(MARKER)]
    return Graded(root=root, result=result, seconds=seconds, snapshot=gradebook_snapshot(root, ASSIGNMENT),
                  reports=reports, outputs=outputs, notebook_bytes=sizes, submitted_before=submitted_before,
                  submitted_after=fingerprint(root / "submitted"), leftovers=left, scratch_left=scratch_left,
                  connections=connections, tag=tag)


def autograded_score(snapshot: dict, student: str) -> float:
    grades = snapshot["submissions"][student]["notebooks"][ASSIGNMENT]["grades"]
    return sum(grades[test][0] or 0 for test in TESTS)


def _params(attribute: str | None = None, only=lambda case: True):
    out = []
    for case in CASES:
        if not only(case):
            continue
        reason = getattr(case, attribute) if attribute else None
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(case, marks=marks, id=case.name))
    return out


# ------------------------------------------------------------------ per case


@pytest.mark.parametrize("case", _params("xfail_score"))
def test_score_is_exactly_the_honest_part(graded, case):
    """(1) The tampered question scores 0, the honest answers beside it score in full; nothing more."""
    result = graded.result
    if case.fails:
        assert case.name in result.failed and re.search(case.fails, result.failed[case.name]), result.failed
    else:
        assert case.name not in result.failed, f"{case.name} could not be graded: {result.failed.get(case.name)}"
        assert case.name in result.graded
    if case.refused:
        assert case.name not in graded.snapshot["submissions"] and case.expected == 0
        return
    assert case.name in graded.snapshot["submissions"], "no submission in the gradebook"
    assert autograded_score(graded.snapshot, case.name) == case.expected, (
        f"{case.name}: {case.attack}\ngrades: {graded.snapshot['submissions'][case.name]['notebooks']}")


@pytest.mark.parametrize("case", _params("xfail_flag"))
def test_instructor_sees_a_flag(graded, case):
    """(5) A flag names the student and what was detected; where the design gives none, the score is the check."""
    flags = graded.result.flags.get(case.name, [])
    if case.flag is None:
        # The design gives no flag: the attack had no effect, or failed in the notebook like a wrong answer.
        # The score test is the check; here, at least, the student must have been graded normally.
        assert not any("could not be graded" in flag for flag in flags), flags
        return
    assert any(re.search(case.flag, flag) for flag in flags), f"no flag matching {case.flag!r} in {flags}"


@pytest.mark.parametrize("case", _params())
def test_one_flag_per_cause(graded, case):
    """Flags are few: one per tampering class (an edited test does not also raise "re-check failed"), none where
    the design gives none, such as an honest notebook run before saving; and what is stored is ranked too."""
    flags = graded.result.flags.get(case.name, [])
    if case.flag is None and case.may_time_out and flags:  # slow here: the time limit's flag, and only that one
        assert len(flags) == 1 and flags[0].kind == "kernel" and "time limit" in flags[0], f"{case.name}: {flags}"
    else:
        assert len(flags) == (0 if case.flag is None else 1), f"{case.name}: {flags}"
    stored = {row["student"]: row["flags"] for row in
              json.loads((graded.root / ".mali-ssr" / "flags" / f"{ASSIGNMENT}.json").read_text(encoding="utf-8"))}
    assert [flag["text"] for flag in stored.get(case.name, [])] == [str(flag) for flag in flags]


def test_flags_are_ranked_by_severity(graded):
    """The summary lists the most severe first (docs/grading-safety.md, "Flags"), in the stored file too."""
    from mali_ssr.grading.tampering import SEVERITY

    worst = [SEVERITY.index(flags[0].kind) for flags in graded.result.flags.values()]
    assert worst == sorted(worst) and len(set(worst)) >= 4, graded.result.flags
    for flags in graded.result.flags.values():
        ranks = [SEVERITY.index(flag.kind) for flag in flags]
        assert ranks == sorted(set(ranks)), flags  # one per kind, in order
    stored = json.loads((graded.root / ".mali-ssr" / "flags" / f"{ASSIGNMENT}.json").read_text(encoding="utf-8"))
    assert [row["student"] for row in stored] == list(graded.result.flags)
    assert next(iter(graded.result.flags.values()))[0].kind == SEVERITY[0], graded.result.flags


@pytest.mark.parametrize("case", _params("xfail_report", only=lambda case: case.report is not None))
def test_what_the_attack_saw_from_the_sandbox(graded, case):
    """The attack's own report, read back from its outputs: denied, capped, unreachable, as documented."""
    case.report(graded.reports[case.name])


@pytest.mark.parametrize("case", _params("xfail_hidden"))
def test_hidden_tests_stay_hidden(graded, case):
    """The hidden tests never reach what the student can read back: their cells' outputs (shown in feedback)
    or their own submission folder."""
    hidden = hidden_lines()
    for text in graded.outputs[case.name]:
        for line in hidden:
            assert line not in text, f"hidden test {line!r} in {case.name}'s own output"
    folder = graded.root / "submitted" / case.name
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_text(encoding="utf-8", errors="replace").replace('\\"', '"')
            for line in hidden:
                assert line not in content, f"hidden test {line!r} in {path}"


@pytest.mark.parametrize("case", _params("xfail_size"))
def test_outputs_are_kept_small(graded, case):
    """Output floods are truncated: the autograded notebook stays small (the honest one is about 50 kB)."""
    assert graded.notebook_bytes[case.name] < 5_000_000, f"{graded.notebook_bytes[case.name]:,} bytes"


# ------------------------------------------------------------------ the whole run


def test_every_other_student_was_graded(graded):
    """(2) One student's attack never stops another's grading."""
    result = graded.result
    assert result.skipped == []
    assert sorted(result.graded + list(result.failed)) == sorted(STUDENTS)
    expected_failures = {c.name for c in CASES if c.fails or c.xfail_score and c.name in result.failed}
    assert set(result.failed) <= expected_failures, {s: r for s, r in result.failed.items()
                                                     if s not in expected_failures}
    assert not result.sandbox_missing


def test_honest_student_gets_full_marks(graded):
    """(2) and (3): the honest student's grades are exactly right, written answers waiting for a person."""
    assert "honest" in graded.result.graded and "honest" not in graded.result.flags
    grades = graded.snapshot["submissions"]["honest"]["notebooks"][ASSIGNMENT]["grades"]
    assert {name: grades[name] for name in TESTS} == {name: (3.0, None, None, False) for name in TESTS}
    written = {name: g for name, g in grades.items() if name not in TESTS}
    assert written and all(g == (None, None, None, True) for g in written.values()), written


def test_gradebook_is_intact(graded):
    """(3) A valid SQLite file; only the students who submitted; one submission each; no forged grade."""
    path = graded.root / "gradebook.db"
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        students = sorted(row[0] for row in connection.execute("SELECT id FROM student"))
        per_student = connection.execute(
            "SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id HAVING COUNT(*) > 1").fetchall()
        over = connection.execute("SELECT COUNT(*) FROM grade WHERE auto_score > 3 OR manual_score IS NOT NULL").fetchone()
    finally:
        connection.close()
    assert set(students) <= set(STUDENTS) and "intruder" not in students, students
    assert set(graded.snapshot["submissions"]) <= set(STUDENTS)
    assert set(graded.result.graded) <= set(graded.snapshot["submissions"])
    assert per_student == []
    assert over == (0,)


def test_no_process_is_left_behind(graded):
    """(4) No sandbox, kernel, fork-bomb child or grading child of this run survives it."""
    assert graded.leftovers == [], "\n".join(map(str, graded.leftovers))
    strays = [p for p in processes(graded.tag).values() if FIRST_UID <= p.uid < FIRST_UID + 32 and p.tagged]
    assert strays == []
    assert graded.reports["fork_bomb"] and graded.reports["fork_bomb"][0]["tagged"], (
        "the fork bomb's children must carry the test's tag, or this check proves nothing")


def test_no_scratch_folder_is_left_behind(graded):
    """Kernel run folders (connection files, sockets, whatever student code wrote there) are removed."""
    assert graded.scratch_left == []


def test_submissions_are_untouched(graded):
    """Grading never writes into submitted/, whatever the submissions try."""
    assert graded.submitted_after == graded.submitted_before


def test_nothing_ran_outside_the_sandbox(graded):
    """No student code ran in the grading process or on the host: the marker files it would write are absent."""
    assert list(graded.root.rglob("PWNED*")) == []
    assert not any(Path("/tmp").glob("PWNED*"))


def test_host_port_was_never_reached(graded):
    """The port the test listened on (host loopback) got no connection from any sandbox."""
    assert graded.connections == []


def test_grading_took_minutes_at_most(graded):
    print(f"\nhostile suite: {len(STUDENTS)} students graded in {graded.seconds:.0f} s")
    assert graded.seconds < 300


def test_sandbox_view_holds_no_course_notebook():
    """No notebook of the course (course/, exercises/, solutions/) is in any folder the sandbox mounts."""
    from mali_ssr.sandbox.mounts import PACKAGE, package_copies, staged_package

    ours = {p.name for p in ROOT.glob("*/*.ipynb")} | {p.name for p in ROOT.glob("*/*/*.ipynb")}
    assert ours, "the repository's notebooks were not found"
    hidden = set(package_copies())
    seen = []
    for folder in [*_python_paths(ROOT), str(staged_package())]:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in hidden
                           and os.path.realpath(os.path.join(dirpath, d)) != str(PACKAGE)]
            seen += [os.path.join(dirpath, f) for f in filenames if f in ours]
    assert seen == []
    assert not any(Path(p) == ROOT for p in _python_paths(ROOT)), "the course root itself is never mounted"


def test_kernels_started_warm(graded):
    """The suite runs the fast path that `mali-ssr grade` uses by default: every kernel forked warm from the
    template, each into its own sandbox (the persistence cases would prove little on cold kernels)."""
    logs = graded.root / ".mali-ssr" / "grade-logs" / ASSIGNMENT
    for student in ("honest", PROBE_STUDENT, "persist_ipython_startup", "persist_pycache"):
        assert "kernel forked warm from the template" in (logs / f"{student}.log").read_text(), student


def test_persistence_checks_catch_a_leak():
    """The persistence checks fail when something planted reaches the next kernel or escapes the sandbox."""
    clean = {"builtins": None, "env": None, "modules": [], "files": [], "planted_code": [None, None],
             "matplotlib": [12.0, 100.0]}
    import matplotlib

    clean["matplotlib"] = [matplotlib.rcParamsDefault["axes.titlesize"], matplotlib.rcParamsDefault["figure.dpi"]]
    BY_NAME[PROBE_STUDENT].report([clean])
    for leak in ({"builtins": "persist_site_customize"}, {"env": "persist_ipython_startup"},
                 {"files": ["/tmp/.ipython/profile_default/startup/00-persist.py"]},
                 {"planted_code": [True, None]}, {"matplotlib": [99.0, 7.0]}):
        with pytest.raises(AssertionError):
            BY_NAME[PROBE_STUDENT].report([{**clean, **leak}])
    check = BY_NAME["persist_site_customize"].report
    check([{"tried": {"/tmp/sitecustomize.py": "WRITTEN", "/usr/lib/python3/sitecustomize.py": "OSError: read-only"}}])
    with pytest.raises(AssertionError):
        check([{"tried": {"/work/venv/lib/python3.11/site-packages/sitecustomize.py": "WRITTEN"}}])


def test_case_table_is_well_formed():
    """At least 25 cases; every one names its attack and an exact score no higher than honest work."""
    assert len(CASES) >= 25
    for case in CASES:
        assert case.attack and 0 <= case.expected <= FULL
        assert set(case.answers) <= set(ANSWER.values())
    assert BY_NAME["fork_bomb"].expected == FULL
