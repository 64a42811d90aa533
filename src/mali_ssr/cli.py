"""The `mali-ssr` command.

Imports stay inside the command functions so that `mali-ssr --help` answers at
once, without loading the Jupyter stack.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .messages import text

DEFAULT_WORKSPACE = "mali-ssr-course"


def _error(message: str, code: int = 2) -> int:
    print(text("cli.error", detail=message), file=sys.stderr)
    return code


def cmd_start(args: argparse.Namespace) -> int:
    from .workspace import WorkspaceError, first_notebook, sync

    sections = ("course", "exercises", "solutions") if args.solutions else ("course", "exercises")
    try:
        report = sync(args.dir, sections)
    except WorkspaceError as exc:
        return _error(str(exc))
    for line in report.lines():
        print(line)
    if args.no_launch:
        return 0
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={report.workspace}"]
    if args.port:
        command.append(f"--port={args.port}")
    if args.no_browser:
        command.append("--no-browser")
        print(text("cli.start.no_browser"))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    command += args.lab_options[1:] if args.lab_options[:1] == ["--"] else args.lab_options
    notebook = first_notebook(report.workspace)
    if notebook:
        command.append(notebook)
        print(text("cli.start.opening", notebook=notebook))
    try:
        return subprocess.call(command, cwd=report.workspace)
    except KeyboardInterrupt:
        return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from .workspace import WorkspaceError, reset

    try:
        backup = reset(args.dir, args.notebook)
    except WorkspaceError as exc:
        return _error(str(exc))
    print(text("cli.reset.done", notebook=args.notebook, backup=backup))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .install_check import run_checks

    return 1 if run_checks() else 0


def cmd_grade(args: argparse.Namespace) -> int:
    from .grading import CourseError, grade
    from .i18n import _
    from .sandbox.policy import Policy

    policy = Policy(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds)
    if args.no_sandbox:
        print(_("warning: grading WITHOUT the sandbox (--no-sandbox): student code runs with your rights"),
              file=sys.stderr)
    try:
        result = grade(Path.cwd(), args.assignment, jobs=args.jobs, timeout=args.timeout, force=args.force,
                       students=args.student or None, sandbox=not args.no_sandbox, policy=policy)
    except CourseError as exc:
        return _error(str(exc))
    print(text("cli.grade.summary", graded=len(result.graded), assignment=result.assignment,
               seconds=result.seconds, failed=len(result.failed)))
    if result.skipped:
        print(text("cli.grade.skipped", n=len(result.skipped), students=", ".join(result.skipped)))
    if result.flags:
        print(text("cli.grade.flags_header", n=len(result.flags)))
        for student, flags in sorted(result.flags.items()):
            for flag in flags:
                print(f"  {student}: {flag}")
    if result.failed:
        print(text("cli.grade.failed_header"))
        for student, reason in sorted(result.failed.items()):
            print(f"  {student}: {reason}")
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .grading.report import collect, hardest_questions, write_csv, write_figure
    from .grading import CourseError

    try:
        scores = collect(Path.cwd(), args.assignment)
    except CourseError as exc:
        return _error(str(exc))
    out = Path(args.out)
    csv_path = write_csv(scores, out / f"{args.assignment}-scores.csv")
    png_path = write_figure(scores, out / f"{args.assignment}-questions.png")
    print(text("cli.report.written", csv=csv_path, png=png_path, n=len(scores.students)))
    for question, share in hardest_questions(scores):
        print(text("cli.report.hard", question=question, percent=round(100 * share)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mali-ssr", description=text("cli.description"))
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    start = commands.add_parser("start", help=text("cli.start.help"), description=text("cli.start.help"))
    start.add_argument("--dir", default=DEFAULT_WORKSPACE, type=Path,
                       help=f"workspace folder (default: ./{DEFAULT_WORKSPACE})")
    start.add_argument("--no-browser", action="store_true", help="start JupyterLab without opening a browser")
    start.add_argument("--port", type=int, help="port for JupyterLab (default: JupyterLab's choice, 8888)")
    start.add_argument("--solutions", action="store_true",
                       help="also copy the solution notebooks (for self-learners)")
    start.add_argument("--no-launch", action="store_true", help="only copy the notebooks; do not start JupyterLab")
    start.add_argument("lab_options", nargs=argparse.REMAINDER, metavar="-- JUPYTERLAB OPTIONS",
                       help="anything after -- goes to JupyterLab, e.g. -- --ServerApp.ip=0.0.0.0")
    start.set_defaults(func=cmd_start)

    reset = commands.add_parser("reset", help=text("cli.reset.help"), description=text("cli.reset.help"))
    reset.add_argument("notebook", help="notebook to restore, relative to the workspace, e.g. course/01_history.ipynb")
    reset.add_argument("--dir", default=DEFAULT_WORKSPACE, type=Path,
                       help=f"workspace folder (default: ./{DEFAULT_WORKSPACE})")
    reset.set_defaults(func=cmd_reset)

    check = commands.add_parser("check", help=text("cli.check.help"), description=text("cli.check.help"))
    check.set_defaults(func=cmd_check)

    grade = commands.add_parser("grade", help=text("cli.grade.help"), description=text("cli.grade.description"))
    grade.add_argument("assignment", help="assignment name, e.g. 01_history")
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help="students graded at once (default: the number of CPU cores + 1)")
    grade.add_argument("--timeout", type=float, default=600,
                       help="wall-time limit in seconds for one student's grading (default: 600)")
    grade.add_argument("--force", action="store_true", help="grade again students already autograded")
    grade.add_argument("--student", action="append", metavar="ID",
                       help="grade only this student (repeat for several)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code without the grading sandbox (not recommended; see docs/grading-safety.md)")
    grade.add_argument("--memory-mb", type=int, default=2048, help="memory cap per student kernel (default: 2048)")
    grade.add_argument("--cpu-seconds", type=int, default=300, help="CPU-time cap per student kernel (default: 300)")
    grade.set_defaults(func=cmd_grade)

    report = commands.add_parser("report", help=text("cli.report.help"), description=text("cli.report.help"))
    report.add_argument("assignment", help="assignment name, e.g. 01_history")
    report.add_argument("--out", default="reports", help="folder for the CSV and the figure (default: reports)")
    report.set_defaults(func=cmd_report)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mali-ssr-course")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
