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
    notebook = first_notebook(report.workspace)
    if notebook:
        command.append(notebook)
        print(text("cli.start.opening", notebook=notebook))
    try:
        return subprocess.call(command, cwd=report.workspace)
    except KeyboardInterrupt:
        return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .install_check import run_checks

    return 1 if run_checks() else 0


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
    start.set_defaults(func=cmd_start)

    check = commands.add_parser("check", help=text("cli.check.help"), description=text("cli.check.help"))
    check.set_defaults(func=cmd_check)
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
