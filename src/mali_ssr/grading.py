"""`mali-ssr grade`: autograde a class's submissions in parallel, one student at a time per worker.

Why not just `nbgrader autograde`? It grades students one after the other and
pays the Jupyter stack's start-up cost on every call. Here the parent process
imports nbgrader once, then forks one short-lived child per student, up to
``jobs`` at a time. Each child runs nbgrader's own autograde for that single
student against the course gradebook, so the gradebook ends up exactly as a
sequential ``nbgrader autograde`` leaves it. SQLite serialises the children's
short writes (a generous busy timeout makes them wait rather than fail).

A child that crashes, hangs past its wall-time limit or meets a corrupt
notebook fails alone: the others go on, and the failures are listed by student
at the end with the reason taken from that student's log.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .sandbox import Policy

LOG_DIR = Path(".mali-ssr") / "grade-logs"
FOREIGN = "wrong notebook"
DB_TIMEOUT_SECONDS = 120


class CourseError(RuntimeError):
    """The course directory or the request is wrong; the message says how to fix it."""


@dataclass
class GradeResult:
    assignment: str
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    sandbox_missing: list[str] = field(default_factory=list)
    flags: dict[str, list[str]] = field(default_factory=dict)  # student -> what the grader noticed

    @property
    def ok(self) -> bool:
        return not self.failed


def db_url(root: Path) -> str:
    return f"sqlite:///{(root / 'gradebook.db').resolve()}?timeout={DB_TIMEOUT_SECONDS}"


def check_course(root: Path, assignment: str) -> list[str]:
    """Check the course folder and return the students who submitted ``assignment``."""
    root = Path(root)
    if not (root / "nbgrader_config.py").is_file():
        raise CourseError(f"{root.resolve()} is not a course directory: nbgrader_config.py is missing. "
                          "Run this command from the course's root folder.")
    if not (root / "solutions" / assignment).is_dir():
        known = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir()) if (root / "solutions").is_dir() else []
        raise CourseError(f"unknown assignment {assignment!r}; the course has: {', '.join(known) or 'none'}")
    if (root / "gradebook.db").is_file():
        check_gradebook_free(root)
    if not (root / "gradebook.db").is_file() or not _assignment_in_gradebook(root, assignment):
        raise CourseError(f"assignment {assignment!r} is not in the gradebook yet: run "
                          f"`nbgrader generate_assignment {assignment}` first")
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise CourseError(f"there is no submitted/ folder in {root.resolve()}: collect the submissions first "
                          "(nbgrader collect, or nbgrader zip_collect)")
    students = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    if not students:
        raise CourseError(f"no submission of {assignment!r} under submitted/ (expected submitted/<student>/{assignment}/)")
    return students


def check_gradebook_free(root: Path, wait: float = 5.0) -> None:
    """Fail early, and clearly, if another process holds the gradebook (formgrader, another nbgrader)."""
    import sqlite3

    try:
        connection = sqlite3.connect(root / "gradebook.db", timeout=wait)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        raise CourseError(f"the gradebook {root / 'gradebook.db'} is in use by another process ({exc}); "
                          "close the formgrader or wait for the other nbgrader command, then run this again. "
                          "Nothing was graded.") from None


def _assignment_in_gradebook(root: Path, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    gb = Gradebook(db_url(root), course_id=_course_id(root))
    try:
        gb.find_assignment(assignment)
        return True
    except MissingEntry:
        return False
    finally:
        gb.close()
        gb.engine.dispose()


def _course_id(root: Path) -> str:
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return config.get("CourseDirectory", {}).get("course_id", "default_course")


def inspect_submission(root: Path, assignment: str, student: str) -> list[str]:
    """What a submission changed that it should not have (nbgrader restores or ignores it; we report it)."""
    import json

    flags: list[str] = []
    folder = root / "submitted" / student / assignment
    source_dir = root / "solutions" / assignment
    expected = {p.name for p in source_dir.glob("*.ipynb")}
    support = set(_support_files(root, assignment))
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in expected and rel not in support and rel != "timestamp.txt" \
                and ".ipynb_checkpoints" not in path.parts:
            flags.append(f"extra file {rel!r} in the submission (not given to the grading kernel)")
    for name in sorted(expected):
        submitted = folder / name
        if not submitted.is_file():
            flags.append(f"{name} is missing from the submission (its questions score 0)")
            continue
        try:
            nb = json.loads(submitted.read_text(encoding="utf-8"))
            cells = nb["cells"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            flags.append(f"{name} is not a readable notebook ({type(exc).__name__}): it cannot be graded")
            continue
        source = json.loads((source_dir / name).read_text(encoding="utf-8"))
        release_path = root / "exercises" / assignment / name
        released = {}
        if release_path.is_file():
            for cell in json.loads(release_path.read_text(encoding="utf-8"))["cells"]:
                gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                if gid:
                    released[gid] = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        by_id = {}
        for cell in cells if isinstance(cells, list) else []:
            meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
            if isinstance(meta, dict) and meta.get("grade_id"):
                if meta["grade_id"] in by_id:
                    flags.append(f"cell {meta['grade_id']} appears more than once (only the first is graded)")
                    continue
                by_id[meta["grade_id"]] = cell
        source_ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in source["cells"]}
        answer_ids = {c["metadata"]["nbgrader"]["grade_id"] for c in source["cells"]
                      if c.get("metadata", {}).get("nbgrader", {}).get("grade")
                      or c.get("metadata", {}).get("nbgrader", {}).get("solution")}
        if by_id and not set(by_id) & answer_ids:
            flags.append(f"{FOREIGN}: {name} holds none of this assignment's cells (a notebook of another "
                         "assignment?); it was not graded")
            continue
        for cell in source["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id")
            if not gid or not meta.get("locked"):
                continue
            mine = by_id.get(gid)
            if mine is None:
                flags.append(f"locked cell {gid} was deleted or its metadata removed (restored for grading)")
                continue
            if mine.get("cell_type") != cell["cell_type"]:
                flags.append(f"locked cell {gid} was turned into a {mine.get('cell_type')} cell (restored)")
            mine_source = mine.get("source", "")
            mine_source = "".join(mine_source) if isinstance(mine_source, list) else mine_source
            if gid in released and mine_source.strip() != released[gid].strip():
                flags.append(f"locked cell {gid} was edited (the original was restored for grading)")
            my_meta = mine.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") != my_meta.get("grade") or meta.get("locked") != my_meta.get("locked"):
                flags.append(f"cell {gid}: its nbgrader metadata was changed (restored)")
            if meta.get("grade") and not meta.get("solution") and mine.get("metadata", {}).get("nbgrader", {}) \
                    .get("points") != meta.get("points"):
                flags.append(f"test cell {gid}: its points were changed (restored)")
            if mine.get("outputs"):
                flags.append(f"locked cell {gid} came with stored outputs (cleared before grading)")
        for gid, cell in by_id.items():
            if gid not in source_ids:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                role = "a test cell" if meta.get("grade") and not meta.get("solution") else "an assignment cell"
                flags.append(f"cell {gid} claims to be {role} but is not one of the assignment's "
                             "(its nbgrader metadata was removed for grading)")
    return flags


def _recheck_flags(root: Path, assignment: str, student: str) -> list[str]:
    import json

    from .integrity import FLAGS_DIR

    path = root / FLAGS_DIR / assignment / f"{student}.recheck.json"
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [f"{flag}" for notebook_flags in found.values() for flag in notebook_flags]


def _support_files(root: Path, assignment: str) -> list[str]:
    """The assignment's own non-notebook files, the only files a sandboxed kernel gets beside it."""
    base = root / "solutions" / assignment
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                  if p.is_file() and p.suffix != ".ipynb" and ".ipynb_checkpoints" not in p.parts
                  and "__pycache__" not in p.parts)


def _child(root: Path, assignment: str, student: str, log_path: Path, force: bool,
           policy: str | None, scratch: str) -> None:
    """Run nbgrader's autograde for one student, in a forked child, and exit."""
    code = 1
    try:
        os.setsid()  # own process group: a timeout kills the child and what it started
        from .sandbox import ENV_POLICY

        tempfile.tempdir = os.environ["TMPDIR"] = scratch  # kernel run folders: removed by the parent
        if policy:
            os.environ[ENV_POLICY] = policy
        else:
            os.environ.pop(ENV_POLICY, None)
        _die_with_parent()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        # under pytest or Jupyter sys.stdout is not fd 1: point Python's streams at the log too
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        os.chdir(root)
        from nbgrader.apps import AutogradeApp

        argv = [assignment, f"--student={student}", f"--CourseDirectory.db_url={db_url(root)}"]
        if force:
            argv.append("--force")
        app = AutogradeApp()
        app.initialize(argv)
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - report anything, never hang the parent
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent() -> None:
    """Linux: if the grading command is killed, its children stop too (nothing grades unattended)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _reason(log_path: Path, code: int | None) -> str:
    """The most telling line of a failed student's log."""
    try:
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    for marker in ("CellTimeoutError", "Timeout", "DeadKernelError", "NotJSONError", "ValidationError",
                   "Error", "error"):
        hits = [line for line in lines if marker in line]
        if hits:
            return hits[-1][-240:]
    if code is not None and code < 0:
        return f"killed by signal {-code}"
    return f"autograde exited with status {code}"


class _Progress:
    def __init__(self, total: int, stream: TextIO | None):
        self.total, self.done, self.failed, self.stream = total, 0, 0, stream
        self.tty = bool(stream and hasattr(stream, "isatty") and stream.isatty())

    def update(self, student: str, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        if not self.stream:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        status = f"[{bar}] {self.done}/{self.total} graded, {self.failed} failed ({student})"
        if self.tty:
            self.stream.write("\r" + status.ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(status + "\n")
        self.stream.flush()


def grade(root: str | Path, assignment: str, jobs: int | None = None, timeout: float = 600.0,
          force: bool = False, students: list[str] | None = None, progress: TextIO | None = sys.stderr,
          on_result: Callable[[str, bool], None] | None = None, sandbox: bool = True,
          policy: Policy | None = None) -> GradeResult:
    """Autograde every submission of ``assignment`` in ``root``, ``jobs`` students at a time.

    With ``sandbox`` (the default) every kernel runs inside :mod:`mali_ssr.sandbox`.
    """
    import multiprocessing

    from .sandbox import Policy, detect

    root = Path(root).resolve()
    all_students = check_course(root, assignment)
    if students:
        unknown = sorted(set(students) - set(all_students))
        if unknown:
            raise CourseError(f"no submission of {assignment!r} from: {', '.join(unknown)}")
        all_students = [s for s in all_students if s in students]
    # one more than the cores: while one student's kernel starts, another's grader has work to do
    jobs = max(1, jobs or (os.cpu_count() or 1) + 1)
    result = GradeResult(assignment)
    base_policy = policy or Policy()
    base_policy.course_root = str(root)
    base_policy.support_files = _support_files(root, assignment)
    if sandbox:
        missing = detect().missing()
        result.sandbox_missing = missing
        if missing and progress:
            progress.write("warning: the grading sandbox cannot enforce here: " + "; ".join(missing) + "\n")
    logs = root / LOG_DIR / assignment
    logs.mkdir(parents=True, exist_ok=True)
    check_gradebook_free(root)
    todo = []
    unfinished: set[str] = set()
    for student in all_students:
        done = (logs / f"{student}.done").is_file() and (root / "autograded" / student / assignment).is_dir()
        if done and not force:
            result.skipped.append(student)
        else:
            todo.append(student)  # never graded, or a run stopped halfway through this student: grade again
            (logs / f"{student}.done").unlink(missing_ok=True)
            if (root / "autograded" / student / assignment).exists():
                unfinished.add(student)  # nbgrader would skip it as done: make it start over
    for student in list(todo):
        found = inspect_submission(root, assignment, student)
        if found:
            result.flags[student] = found
        foreign = [flag for flag in found if flag.startswith(FOREIGN)]
        if foreign:  # grading it would only record zeros under this assignment's name
            todo.remove(student)
            result.failed[student] = foreign[0]
            result.flags[student].append(f"could not be graded: {foreign[0]}")
    (root / ".mali-ssr" / "flags" / assignment).mkdir(parents=True, exist_ok=True)
    for student in todo:
        (root / ".mali-ssr" / "flags" / assignment / f"{student}.recheck.json").unlink(missing_ok=True)

    _warm_up()  # pay import and set-up costs once, here, rather than in every forked child

    context = multiprocessing.get_context("fork")
    bar = _Progress(len(todo), progress)
    started = time.perf_counter()
    running: dict[str, tuple[multiprocessing.Process, float, int, str]] = {}
    queue = list(todo)
    try:
        _run_queue(queue, running, jobs, context, root, assignment, logs, force, sandbox, base_policy, timeout,
                   result, bar, on_result, unfinished)
    finally:  # interrupted (Ctrl-C): stop what is running and clean up; graded students keep their marks
        for _student, (proc, _since, _slot, scratch) in running.items():
            _kill_group(proc.pid)
            proc.join(5)
            shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    result.graded.sort()
    return result


def _run_queue(queue, running, jobs, context, root, assignment, logs, force, sandbox, base_policy, timeout,
               result, bar, on_result, unfinished) -> None:
    """Start children as slots free up, collect them as they finish (the body of :func:`grade`)."""
    while queue or running:
        while queue and len(running) < jobs:
            student = queue.pop(0)
            log_path = logs / f"{student}.log"
            slot = min(set(range(jobs)) - {s for _p, _t, s, _d in running.values()})
            student_policy = None
            if sandbox:
                base_policy.slot = slot
                student_policy = base_policy.to_env()
            scratch = tempfile.mkdtemp(prefix="mali-ssr-")  # short: Unix socket paths are limited to ~100 bytes
            proc = context.Process(target=_child, daemon=False,
                                   args=(root, assignment, student, log_path, force or student in unfinished,
                                         student_policy, scratch))
            proc.start()
            running[student] = (proc, time.monotonic(), slot, scratch)
        time.sleep(0.02)
        for student, (proc, since, _slot, scratch) in list(running.items()):
            if proc.exitcode is None and time.monotonic() - since > timeout:
                _kill_group(proc.pid)
                proc.join(5)
                result.failed[student] = f"took longer than {timeout:g} s and was stopped"
            elif proc.exitcode is None:
                continue
            elif proc.exitcode != 0:
                result.failed[student] = _reason(logs / f"{student}.log", proc.exitcode)
            else:
                result.graded.append(student)
                (logs / f"{student}.done").write_text("graded\n")
            recheck = _recheck_flags(root, assignment, student)
            if recheck:
                result.flags.setdefault(student, []).extend(recheck)
            if student in result.failed:
                result.flags.setdefault(student, []).append(f"could not be graded: {result.failed[student]}")
            _kill_group(proc.pid)  # anything the child left behind (a stray kernel) goes too
            shutil.rmtree(scratch, ignore_errors=True)
            del running[student]
            ok = student not in result.failed
            bar.update(student, ok)
            if on_result:
                on_result(student, ok)


def _warm_up() -> None:
    """Import and build, once in the parent, what every child would otherwise build again.

    The children are forked, so they inherit all of this: nbgrader's apps, the
    notebook schema validator (building its format checkers costs over a
    second), nbconvert's exporter and the kernel client machinery.
    """
    import nbformat
    import nbgrader.apps  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    from jupyter_client.manager import AsyncKernelManager  # noqa: F401
    from nbconvert.exporters import NotebookExporter

    from . import integrity, sandbox  # noqa: F401

    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    NotebookExporter()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def gradebook_snapshot(root: str | Path, assignment: str) -> dict:
    """Everything the gradebook holds about an assignment's submissions, without ids or run times.

    Two gradings of the same submissions are "identical" when their snapshots
    are equal; tests and benchmarks compare `mali-ssr grade` with plain
    `nbgrader autograde` this way.
    """
    from nbgrader.api import Gradebook

    root = Path(root).resolve()
    gb = Gradebook(db_url(root), course_id=_course_id(root))
    try:
        snapshot: dict = {"students": sorted(s.id for s in gb.students), "submissions": {}}
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
            snapshot["submissions"][sub.student.id] = {
                "timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
                "notebooks": notebooks,
            }
        return snapshot
    finally:
        gb.close()
        gb.engine.dispose()
