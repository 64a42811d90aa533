"""`mali-ssr grade`: autograde a class's submissions in parallel, several students at once.

Why not just `nbgrader autograde`? It grades students one after the other and
pays the Jupyter stack's start-up cost on every call. Here the parent process
imports nbgrader once, then forks up to ``jobs`` grading workers. A worker runs
nbgrader's own autograde for one student at a time, with the course's own
configuration (so the same sandbox, re-check and limits as plain ``nbgrader
autograde``) against the course gradebook, and keeps what does not depend on
the student (imports, the gradebook's engine and compiled statements) for the
next one: the gradebook ends up exactly as a sequential ``nbgrader autograde``
leaves it. Student code never runs in a worker: every student's kernel starts
in a sandbox of its own.

Each worker grades a *checked copy* of the submission (regular files only, see
:mod:`.submissions`). A student whose grading crashes, hangs past its wall-time
limit or meets a corrupt notebook fails alone: that worker is replaced by a
fresh one, the others go on, and the failures are listed by student at the end
with the reason taken from that student's log.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..i18n import _
from ..sandbox.policy import Policy, detect, refusal
from ..sandbox.warm import warm_kernels
from . import gradebook
from .course import Course, CourseError
from .recheck import FLAGS_DIR
from .submissions import checked_copy
from .tampering import FOREIGN, RECHECK, SEVERITY, UNGRADED, UNSAFE, Flag, inspect_submission, rank_flags, severity

SANDBOXED_EXECUTE = "mali_ssr.grading.recheck.RecheckingExecute"
SEVERITY_INDEX = {kind: i for i, kind in enumerate(SEVERITY)}


@dataclass
class GradeResult:
    assignment: str
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    sandbox_missing: list[str] = field(default_factory=list)
    # student -> what the grader noticed: one flag per cause, most severe first; students ranked by their worst flag
    flags: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def check_course(course: Course, assignment: str) -> list[str]:
    """Check the course folder and the request; return the students who submitted ``assignment``."""
    course.require_assignment(assignment)
    gradebook.require_free(course)
    if not gradebook.has_assignment(course, assignment):
        raise CourseError(_("assignment {a!r} is not in the gradebook yet: run `nbgrader generate_assignment {a} "
                            "--force` (from {root}), then grade again").format(a=assignment, root=course.root))
    if not course.submitted_dir.is_dir():
        raise CourseError(_("there is no {folder} folder in {root}: collect the submissions first "
                            "(`mali-ssr collect {a} ZIP` for an LMS download, or `nbgrader collect {a}`)").format(
            folder=course.submitted_dir.name + "/", root=course.root, a=assignment))
    students = course.students_who_submitted(assignment)
    if not students:
        raise CourseError(_("no submission of {a!r} under {folder} (expected {folder}<student>/{a}/)").format(
            a=assignment, folder=course.submitted_dir.name + "/"))
    return students


def check_config_sandboxes(course: Course) -> None:
    """Refuse a course whose nbgrader_config.py would run student code outside the sandbox."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    steps = [str(s) for s in config.get("Autograde", {}).get("autograde_preprocessors", [])]
    if SANDBOXED_EXECUTE not in steps:
        raise CourseError(_("{root}/nbgrader_config.py does not run student code in the grading sandbox: its "
                            "Autograde.autograde_preprocessors must include {step} (copy the course's own "
                            "nbgrader_config.py)").format(root=course.root, step=SANDBOXED_EXECUTE))


class GradingLock:
    """One `mali-ssr grade` at a time per course: a second run is refused at once, with a clear message."""

    def __init__(self, course: Course):
        self.path = course.state_dir / "grade.lock"

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a+")  # noqa: SIM115 - held for the whole run
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.close()
            raise CourseError(_("another `mali-ssr grade` is running in this course (lock {path}); wait for it to "
                                "finish, then run this again. Nothing was graded.").format(path=self.path)) from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()


@dataclass
class Job:
    student: str
    started: float
    scratch: str


# A worker grades at most this many students, then a fresh one takes its place: memory stays flat on a large class
STUDENTS_PER_WORKER = 40


class Worker:
    """One forked grading process with its own sandbox slot: grades the students it is sent, one at a time."""

    def __init__(self, context, root: Path, slot: int):
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(root, child_end), daemon=False)
        self.process.start()
        child_end.close()
        self.slot, self.graded, self.job = slot, 0, None

    def send(self, student: str, argv: list[str], log_path: Path) -> None:
        scratch = tempfile.mkdtemp(prefix="mali-ssr-")  # short: Unix socket paths are limited to ~100 bytes
        self.job = Job(student, time.monotonic(), scratch)
        self.connection.send((argv, str(log_path), scratch))

    def reply(self) -> int | None:
        """The exit status of the student being graded, once there is one (None: still grading)."""
        try:
            if self.connection.poll():
                return int(self.connection.recv())
        except (EOFError, OSError):
            pass
        if self.process.exitcode is not None:  # died without answering (killed, crashed)
            return self.process.exitcode if self.process.exitcode != 0 else 1
        return None

    def stop(self) -> None:
        """Kill the worker and everything it started (its kernels' sandboxes are in sessions of their own)."""
        _kill_tree(self.process.pid)
        _kill_group(self.process.pid)
        self.process.join(5)
        self.connection.close()

    def clean(self) -> None:
        if self.job is not None:
            shutil.rmtree(self.job.scratch, ignore_errors=True)
            self.job = None


class Runner:
    """Sends students to up to ``jobs`` grading workers as they free up, and collects the results."""

    def __init__(self, course: Course, assignment: str, jobs: int, timeout: float, force: bool,
                 sandbox: bool, policy: Policy, result: GradeResult, progress, on_result, redo: set[str]):
        import multiprocessing

        self.course, self.assignment, self.jobs, self.timeout = course, assignment, jobs, timeout
        self.force, self.sandbox, self.policy, self.result = force, sandbox, policy, result
        self.progress, self.on_result, self.redo = progress, on_result, redo
        self.logs = course.state_dir / "grade-logs" / assignment
        self.checked = course.state_dir / "checked"
        self.context = multiprocessing.get_context("fork")
        self.idle: list[Worker] = []
        self.busy: list[Worker] = []

    def run(self, queue: list[str]) -> None:
        from multiprocessing.connection import wait

        queue = list(queue)
        try:
            while queue or self.busy:
                while queue and len(self.busy) < self.jobs:
                    self._start(queue.pop(0))
                wait([w.connection for w in self.busy] + [w.process.sentinel for w in self.busy], timeout=0.5)
                for worker in list(self.busy):
                    self._poll(worker)
        finally:  # interrupted (Ctrl-C): stop what is running and clean up; graded students keep their marks
            for worker in self.busy + self.idle:
                worker.stop()
                worker.clean()

    def _argv(self, student: str, slot: int) -> list[str]:
        argv = [self.assignment, f"--student={student}", f"--CourseDirectory.db_url={self.course.db_url}",
                f"--CourseDirectory.submitted_directory={self.checked.relative_to(self.course.root)}",
                f"--SandboxKernelManager.slot={slot}", "--Exporter.optimistic_validation=True"]
        if self.sandbox:
            for name in ("memory_mb", "cpu_seconds", "processes", "file_mb", "disk_mb", "open_files", "output_mb"):
                argv.append(f"--SandboxKernelManager.{name}={getattr(self.policy, name)}")
        else:
            argv.append("--SandboxKernelManager.enabled=False")
        if self.force or student in self.redo:
            argv.append("--force")
        return argv

    def _start(self, student: str) -> None:
        if self.idle:
            worker = self.idle.pop()
        else:
            slot = min(set(range(self.jobs)) - {w.slot for w in self.busy})
            worker = Worker(self.context, self.course.root, slot)
        worker.send(student, self._argv(student, worker.slot), self.logs / f"{student}.log")
        self.busy.append(worker)

    def _poll(self, worker: Worker) -> None:
        student, started = worker.job.student, worker.job.started
        code = worker.reply()
        if code is None and time.monotonic() - started > self.timeout:
            worker.stop()
            self.result.failed[student] = _("took longer than {s:g} s and was stopped").format(s=self.timeout)
        elif code is None:
            return
        elif code != 0:
            self.result.failed[student] = failure_reason(self.logs / f"{student}.log", code)
        else:
            self.result.graded.append(student)
            (self.logs / f"{student}.done").write_text("graded\n")
        self.busy.remove(worker)
        worker.clean()
        worker.graded += 1
        if code == 0 and worker.graded < STUDENTS_PER_WORKER:
            self.idle.append(worker)
        else:  # a worker that failed a student, or has graded its share, is replaced by a fresh one
            worker.stop()
        recheck = recheck_flags(self.course, self.assignment, student)
        if recheck:
            self.result.flags.setdefault(student, []).extend(recheck)
        if student in self.result.failed:  # the headline of its kind: first
            self.result.flags.setdefault(student, []).insert(0, Flag(
                UNGRADED, _("could not be graded: {why}").format(why=self.result.failed[student])))
        ok = student not in self.result.failed
        if self.progress is not None:
            self.progress.update(1)
            self.progress.set_postfix_str(_("{n} failed").format(n=len(self.result.failed)))
        if self.on_result:
            self.on_result(student, ok)


def _serve(root: Path, connection) -> None:
    """A grading worker: for each request, nbgrader's autograde for one student; its status back; then the next."""
    try:
        os.setsid()  # own process group: a timeout kills the worker and what it started
        _die_with_parent()
        os.chdir(root)
        # under pytest or Jupyter sys.stdout is not fd 1: point Python's streams at fds 1 and 2 (each student's log)
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        _one_engine_per_gradebook()
        while True:
            request = connection.recv()
            code = _grade_one(*request)
            connection.send(code)
            if code != 0:
                break
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        os._exit(0)


def _grade_one(argv: list[str], log_path: str, scratch: str) -> int:
    """Run nbgrader's autograde for one student, its output in that student's log."""
    from nbgrader.apps import AutogradeApp

    code = 1
    tempfile.tempdir = os.environ["TMPDIR"] = scratch  # kernel run folders: removed by the parent
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    try:
        app = AutogradeApp()
        app.initialize(argv)
        # traitlets leaves the app's logger at DEBUG (its handler filters): nbclient's debug line for each kernel
        # message was then built, with its caller looked up, and dropped (~200 a student). Same lines shown
        app.log.setLevel(app.log_level)
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - report anything, never hang the parent
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        AutogradeApp.clear_instance()
        sys.stdout.flush()
        sys.stderr.flush()
        _kill_tree(os.getpid(), spare_root=True)  # anything this student's grading left behind (a stray kernel)
    return code


def _one_engine_per_gradebook() -> None:
    """nbgrader opens the gradebook nine times for one student, each time with a new SQLAlchemy engine, whose
    compiled-statement cache is thrown away with it (about 30 statements compiled again per student), and each
    time asks the database whether every table exists. A worker grades many students: one engine per database URL
    keeps that cache, and the tables, once created or found on that engine, are not looked for again. Same
    rows, same commits; nbgrader still closes its sessions and disposes the engine's connections after each use.
    """
    from nbgrader import api

    engines: dict[tuple, object] = {}
    with_tables: list[object] = []  # engines live as long as the worker: compared by identity
    create_engine, create_all = api.create_engine, api.Base.metadata.create_all

    def one_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, **kwargs)
        return engines[key]

    def create_tables_once(bind, **kwargs):
        if not any(bind is engine for engine in with_tables):
            create_all(bind=bind, **kwargs)
            with_tables.append(bind)

    api.create_engine = one_engine
    api.Base.metadata.create_all = create_tables_once


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


def failure_reason(log_path: Path, code: int | None) -> str:
    """The most telling line of a failed student's log."""
    try:
        lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    for marker in ("SandboxUnavailable", "CourseError", "CellTimeoutError", "Timeout", "DeadKernelError",
                   "NotJSONError", "ValidationError", "PermissionError", "Error", "error"):
        hits = [line for line in lines if marker in line]
        if hits:
            return hits[-1][-300:]
    if code is not None and code < 0:
        return _("killed by signal {n}").format(n=-code)
    return _("autograde exited with status {code}").format(code=code)


def recheck_flags(course: Course, assignment: str, student: str) -> list[Flag]:
    """The flags the re-check wrote for this student (``{"kind", "text"}`` each; a plain text is a re-check flag)."""
    import json

    path = course.root / FLAGS_DIR / assignment / f"{student}.recheck.json"
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [Flag(flag.get("kind", RECHECK), str(flag.get("text", ""))) if isinstance(flag, dict)
            else Flag(RECHECK, str(flag)) for notebook_flags in found.values() for flag in notebook_flags]


def ranked(flags: dict[str, list[str]]) -> dict[str, list[Flag]]:
    """Each student's flags merged by cause and ranked; the students with the most severe flags first."""
    merged = {student: rank_flags(found) for student, found in flags.items()}
    return dict(sorted(((s, f) for s, f in merged.items() if f), key=lambda item: (severity(item[1][0]), item[0])))


def flags_path(course: Course, assignment: str) -> Path:
    return course.root / FLAGS_DIR / f"{assignment}.json"


def stored_flags(course: Course, assignment: str) -> dict[str, list[dict]]:
    """The flags kept by earlier runs, by student (none if the file is missing or unreadable)."""
    try:
        return {row["student"]: row["flags"] for row in json.loads(flags_path(course, assignment).read_text())}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def store_flags(course: Course, assignment: str, flags: dict[str, list[Flag]], graded_now: list[str]) -> Path:
    """Keep the ranked flags in .mali-ssr/flags/<assignment>.json (students graded in earlier runs keep theirs)."""
    path = flags_path(course, assignment)
    kept = stored_flags(course, assignment)
    for student in graded_now:
        kept.pop(student, None)
    kept.update({s: [{"kind": f.kind, "text": str(f)} for f in found] for s, found in flags.items()})
    order = sorted(kept, key=lambda s: (SEVERITY_INDEX.get(kept[s][0].get("kind"), len(SEVERITY_INDEX)), s))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{"student": s, "flags": kept[s]} for s in order], indent=1, ensure_ascii=False),
                    encoding="utf-8")
    return path


def grade(root: str | Path, assignment: str, jobs: int | None = None, timeout: float = 600.0,
          force: bool = False, students: list[str] | None = None, progress: TextIO | None = sys.stderr,
          on_result: Callable[[str, bool], None] | None = None, sandbox: bool = True,
          policy: Policy | None = None, allow_unsandboxed: bool = False) -> GradeResult:
    """Autograde every submission of ``assignment`` in the course at ``root``, ``jobs`` students at a time.

    With ``sandbox`` (the default) every kernel runs inside :mod:`mali_ssr.sandbox`; where it cannot, nothing
    is graded unless ``allow_unsandboxed``.
    """
    course = Course.load(root)
    all_students = check_course(course, assignment)
    check_config_sandboxes(course)
    if students:
        unknown = sorted(set(students) - set(all_students))
        if unknown:
            raise CourseError(_("no submission of {a!r} from: {who}").format(a=assignment, who=", ".join(unknown)))
        all_students = [s for s in all_students if s in students]
    result = GradeResult(assignment)
    if sandbox:
        result.sandbox_missing = detect().missing()
        if result.sandbox_missing and not allow_unsandboxed:
            raise CourseError(refusal(result.sandbox_missing))
    with GradingLock(course):
        _grade_locked(course, assignment, all_students, jobs, timeout, force, progress, on_result, sandbox,
                      policy or Policy(), result)
    return result


def _grade_locked(course, assignment, all_students, jobs, timeout, force, progress, on_result, sandbox, policy,
                  result: GradeResult) -> None:
    # two more than the cores, by measurement (`benchmarks/run.py --only jobs`, 2 cores, grading workers and warm
    # kernels, 12 students: 0.63, 0.49, 0.48, 0.45 and 0.43 s a student for 1 to 5 jobs; 4 and 5 within noise):
    # each student's grader still waits on its kernel and on the gradebook's disk writes, and another fills those
    jobs = max(1, jobs or (os.cpu_count() or 1) + 2)
    logs = course.state_dir / "grade-logs" / assignment
    logs.mkdir(parents=True, exist_ok=True)
    todo, redo = [], set()
    for student in all_students:
        done = (logs / f"{student}.done").is_file() and course.autograded(student, assignment).is_dir()
        if done and not force:
            result.skipped.append(student)
            continue
        todo.append(student)  # never graded, or a run stopped halfway through this student: grade again
        (logs / f"{student}.done").unlink(missing_ok=True)
        if course.autograded(student, assignment).exists():
            redo.add(student)  # nbgrader would skip it as done: make it start over
    for student in list(todo):
        copy = checked_copy(course.submission(student, assignment),
                            course.state_dir / "checked" / student / assignment)
        found = [Flag(UNSAFE, flag) for flag in copy.flags]
        found += inspect_submission(course, assignment, student, folder=copy.folder)
        if found:
            result.flags[student] = found
        foreign = [flag for flag in found if flag.startswith(FOREIGN)]
        if foreign:  # grading it would only record zeros under this assignment's name
            todo.remove(student)
            result.failed[student] = foreign[0]
            result.flags[student].insert(0, Flag(UNGRADED, _("could not be graded: {why}").format(why=foreign[0])))
        (course.root / FLAGS_DIR / assignment).mkdir(parents=True, exist_ok=True)
        (course.root / FLAGS_DIR / assignment / f"{student}.recheck.json").unlink(missing_ok=True)

    bar = _progress_bar(len(todo), progress, assignment)
    started = time.perf_counter()
    try:
        # kernels forked from one warm template, each into its student's own sandbox (mali_ssr.sandbox.template);
        # the grader pays its own import and set-up costs once, here, while the template starts
        if sandbox and todo:
            kernels = warm_kernels(course.state_dir / "warm-template.log", meanwhile=_warm_up)
        else:
            _warm_up()
            kernels = contextlib.nullcontext()
        with kernels:
            gc.freeze()  # what the workers inherit stays out of their collector's sight: never walked, never copied
            try:
                Runner(course, assignment, jobs, timeout, force, sandbox, policy, result, bar, on_result,
                       redo).run(todo)
            finally:
                gc.unfreeze()
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(course.state_dir / "checked", ignore_errors=True)
        from ..sandbox.mounts import discard_stage

        discard_stage()
    result.seconds = time.perf_counter() - started
    result.graded.sort()
    result.flags = ranked(result.flags)
    record_flags(course, result, todo + [s for s in result.failed if s not in todo])


def record_flags(course: Course, result: GradeResult, graded_now: list[str]) -> None:
    """Keep this run's flags (:func:`store_flags`) and show them in the formgrader's "Flagged?" column
    (nbgrader's own flag): set for the flagged, cleared for a student this run graded clean whom an earlier run
    flagged. A flag set by hand in the formgrader on a student no run flagged is not ours to clear.
    """
    flagged_before = stored_flags(course, result.assignment)
    store_flags(course, result.assignment, result.flags, graded_now)
    flagged = sorted(s for s in result.flags if s in result.graded)
    cleared = sorted(s for s in result.graded if s in flagged_before and s not in result.flags)
    if flagged or cleared:
        gradebook.flag_submissions(course, result.assignment, flagged, cleared)


def _progress_bar(total: int, stream: TextIO | None, assignment: str):
    """tqdm's bar (with the time left), or None when the caller wants no progress shown."""
    if stream is None:
        return None
    from tqdm import tqdm

    return tqdm(total=total, file=stream, unit=_("student"), desc=assignment, dynamic_ncols=True,
                mininterval=0.5 if stream.isatty() else 5.0)


def _warm_up() -> None:
    """Import and build, once in the parent, what every child would otherwise build again.

    The children are forked, so they inherit all of this (each cost was measured per student):
    nbgrader's apps, the notebook schema validator (building its format checkers costs over a
    second), nbconvert's exporter, the kernel client machinery, IPython (jupyter_client imports it
    to find the kernel specs: 0.6 s per child), the kernel spec itself, the course data that the
    re-check's trusted set-up cells load (0.2 s), nbgrader's cell-metadata validator (0.6 s) and
    the staged copy of the package that every sandbox mounts.
    """
    import IPython  # noqa: F401
    import nbformat
    import nbgrader.apps  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    from jupyter_client.kernelspec import KernelSpecManager
    from nbconvert.exporters import NotebookExporter

    from ..data import load
    from ..sandbox import kernel  # noqa: F401
    from ..sandbox.mounts import staged_package
    from . import recheck  # noqa: F401

    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
    NotebookExporter()
    KernelSpecManager().get_kernel_spec("python3")
    load()
    _validate_metadata_with_one_validator()
    staged_package()


def _validate_metadata_with_one_validator() -> None:
    """nbgrader checks every cell's metadata with ``jsonschema.validate``, which re-checks the schema itself and
    builds a new validator on every call (0.3 s per notebook). Same schema, same verdict, same error: build it once.
    """
    import jsonschema
    from jsonschema.exceptions import best_match
    from nbgrader.nbgraderformat import common

    validators: dict[str, object] = {}

    class OneValidatorPerSchema:
        def __getattr__(self, name):
            return getattr(jsonschema, name)

        @staticmethod
        def validate(instance, schema, *args, **kwargs):
            if args or kwargs:
                return jsonschema.validate(instance, schema, *args, **kwargs)
            key = json.dumps(schema, sort_keys=True)
            if key not in validators:
                cls = jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
                validators[key] = cls(schema)
            error = best_match(validators[key].iter_errors(instance))
            if error is not None:
                raise error

    common.jsonschema = OneValidatorPerSchema()


def _kill_tree(pid: int, spare_root: bool = False) -> None:
    """SIGKILL ``pid`` and every process below it (or only those below it, with ``spare_root``)."""
    from ..sandbox.kernel import descendants

    for found in descendants(pid):
        if not (spare_root and found == pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(found, signal.SIGKILL)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
