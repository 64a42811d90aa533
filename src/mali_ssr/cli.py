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

from .i18n import _, ngettext

DEFAULT_WORKSPACE = "mali-ssr-course"
DEFAULT_WORKSPACES = {"en": DEFAULT_WORKSPACE, "fr": "mali-ssr-cours"}  # both editions can live side by side


def _error(message: str, code: int = 2) -> int:
    print(_("mali-ssr: error: {detail}").format(detail=message), file=sys.stderr)
    return code


def cmd_start(args: argparse.Namespace) -> int:
    from .workspace import WorkspaceError, first_notebook, lab_settings_for, student_lab_config, sync

    lang = args.lang or default_language()
    folder = args.dir or Path(DEFAULT_WORKSPACES[lang])
    sections = ("course", "exercises", "solutions") if args.solutions else ("course", "exercises")
    try:
        report = sync(folder, sections, lang=lang)
        env = {**os.environ, "MALI_SSR_LANG": lang}
        if lang != "en":  # JupyterLab's own language: the workspace's settings (English needs none)
            env.update(lab_settings_for(lang, report.workspace))
        env.update(student_lab_config(report.workspace))  # nbgrader's instructor tools hidden
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
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    command += args.lab_options[1:] if args.lab_options[:1] == ["--"] else args.lab_options
    notebook = first_notebook(report.workspace, lang)
    if notebook:
        command.append(notebook)
        print(_("opening JupyterLab on {notebook} (stop it with Ctrl+C)").format(notebook=notebook))
    if args.no_browser:
        print(_("JupyterLab is starting without a browser. When it prints its address (http://localhost:PORT/lab"
                "?token=...), open it; the course home is {notebook} in the file browser.").format(
            notebook=notebook or "course/"))
    try:
        return subprocess.call(command, cwd=report.workspace, env=env)
    except KeyboardInterrupt:
        return 0


def default_language() -> str:
    """The course language from the environment (MALI_SSR_LANG, then the locale), English otherwise."""
    from .i18n import language

    return language() if language() in DEFAULT_WORKSPACES else "en"


def instructor_command(root: Path, port: int | None, no_browser: bool, lab_options: list[str]) -> list[str]:
    """JupyterLab rooted at the course folder, opening the formgrader (it reads nbgrader_config.py there)."""
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
               "--ServerApp.default_url=/formgrader"]
    if port:
        command.append(f"--port={port}")
    if no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command + (lab_options[1:] if lab_options[:1] == ["--"] else lab_options)


def cmd_instructor(args: argparse.Namespace) -> int:
    from .grading import Course, CourseError

    try:
        course = Course.load(args.course)
    except CourseError as exc:
        return _error(str(exc))
    missing = [a for a in course.assignments() if not (course.release_dir / a).is_dir()]
    print(_("course {id} at {root}: {n} assignments ({names})").format(
        id=course.course_id, root=course.root, n=len(course.assignments()), names=", ".join(course.assignments())))
    if missing:
        print(_("not released yet: {names} (run `nbgrader generate_assignment NAME --force` for each)").format(
            names=", ".join(missing)))
    print(_("opening the formgrader in JupyterLab, rooted at the course folder (stop it with Ctrl+C)"))
    try:
        return subprocess.call(instructor_command(course.root, args.port, args.no_browser, args.lab_options),
                               cwd=course.root)
    except KeyboardInterrupt:
        return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from .workspace import WorkspaceError, reset

    try:
        backup = reset(args.dir, args.notebook)
    except WorkspaceError as exc:
        return _error(str(exc))
    print(_("restored {notebook}; your previous copy is kept at {backup}").format(notebook=args.notebook, backup=backup))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .install_check import run_checks

    return 1 if run_checks() else 0


def cmd_grade(args: argparse.Namespace) -> int:
    # jsonschema imports rfc3987_syntax, where it is installed, to check the "iri" formats, and that compiles 39
    # grammars on import (1.6 s before any student is graded); no schema used in grading has those formats
    sys.modules.setdefault("rfc3987_syntax", None)
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
    print(ngettext("graded {graded} submission of {assignment} in {seconds:.1f} s; {failed} failed",
                   "graded {graded} submissions of {assignment} in {seconds:.1f} s; {failed} failed",
                   len(result.graded)).format(graded=len(result.graded), assignment=result.assignment,
                                              seconds=result.seconds, failed=len(result.failed)))
    if result.skipped:
        print(ngettext("skipped {n} already graded (use --force to grade it again): {students}",
                       "skipped {n} already graded (use --force to grade them again): {students}",
                       len(result.skipped)).format(n=len(result.skipped), students=", ".join(result.skipped)))
    if result.flags:
        print(ngettext("flags for {n} student (check this submission by hand):",
                       "flags for {n} students (check these submissions by hand):",
                       len(result.flags)).format(n=len(result.flags)))
        for student, flags in result.flags.items():  # most severe first (grading.runner.ranked)
            for flag in flags:
                print(f"  {student}: {flag}")
    if result.failed:
        print(_("these students' submissions could not be graded (see .mali-ssr/grade-logs/):"))
        for student, reason in sorted(result.failed.items()):
            print(f"  {student}: {reason}")
        return 1
    return 0


def cmd_class_secret(args: argparse.Namespace) -> int:
    from .grading import Course, CourseError
    from .grading.variants import create_secret

    try:
        course = Course.load(args.course)
        path = create_secret(course.root, force=args.force)
    except CourseError as exc:
        return _error(str(exc))
    print(_("wrote the class secret {path}: keep it private, and out of any repository (git ignores .mali-ssr/)").format(
        path=path))
    print(_("from now on `nbgrader generate_assignment NAME --force` gives this class its own version of every "
            "autograded question, written to the course's exercises/ folder: hand that out, and do not commit it "
            "to a public repository"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .grading import CourseError
    from .grading.report import collect, hardest_questions, write_csv, write_figure

    try:
        scores = collect(Path.cwd(), args.assignment)
    except CourseError as exc:
        return _error(str(exc))
    out = Path(args.out)
    csv_path = write_csv(scores, out / f"{args.assignment}-scores.csv")
    png_path = write_figure(scores, out / f"{args.assignment}-questions.png")
    print(ngettext("wrote {csv} and {png} ({n} student)", "wrote {csv} and {png} ({n} students)",
                   len(scores.students)).format(csv=csv_path, png=png_path, n=len(scores.students)))
    for question, share in hardest_questions(scores):
        print("  " + _("hardest: {question} (class average {share:.0%} of its points)").format(
            question=question, share=share))
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from .grading import CourseError
    from .grading.lms import collect_zip

    try:
        report = collect_zip(Path.cwd(), args.assignment, args.zip, lms=args.lms, id_mode=args.id,
                             dry_run=args.dry_run, force=args.force)
    except CourseError as exc:
        return _error(str(exc))
    print(_("{zip}: {layout} layout, {n} students").format(zip=args.zip, layout=report.layout,
                                                            n=len(report.students)))
    for entry in report.students:
        if entry.placed:
            done = (_("would replace the existing submission with {files}") if report.dry_run and entry.replaced
                    else _("would place {files}") if report.dry_run
                    else _("replaced the existing submission with {files} (--force)") if entry.replaced
                    else _("placed {files}")).format(files=", ".join(entry.placed))
        elif entry.kept:
            done = _("already collected, left as it was (use --force to replace it)")
        else:
            done = _("nothing placed")
        print(f"  {entry.student} ({entry.name}, {entry.lms_id}): {done}")
        for note in entry.notes:
            print(f"      {note}")
    for name in report.unmatched:
        print("  " + _("{file}: not in the {layout} layout's form, left out").format(file=name, layout=report.layout))
    for name, why in report.refused:
        print("  " + _("{file}: refused, {why}").format(file=name, why=why), file=sys.stderr)
    kept = sum(1 for e in report.students if e.kept)
    summary = (_("dry run: {n} submissions would be placed; nothing was written") if report.dry_run
               else _("collected {n} submissions of {assignment}; {kept} left as they were; {refused} entries "
                      "refused"))
    print(summary.format(n=len(report.placed), assignment=args.assignment, kept=kept, refused=len(report.refused)))
    if report.placed and not report.dry_run and not report.recorded:
        print(_("no gradebook yet, so who is who (Moodle names, Canvas user ids for `mali-ssr export`) was not recorded: run "
                "`nbgrader generate_assignment {a} --force`, then this command again with --force").format(
            a=args.assignment))
    return 1 if report.refused or not (report.placed or kept) else 0


def cmd_export(args: argparse.Namespace) -> int:
    from .grading import CourseError
    from .grading.lms import explain_blanks, export_grades

    try:
        report = export_grades(Path.cwd(), args.assignment, args.lms, column=args.column)
    except CourseError as exc:
        return _error(str(exc))
    if args.out == "-":
        sys.stdout.write(report.text)
    else:
        out = Path(args.out or Path("reports") / f"{args.assignment}-{args.lms}.csv")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.text, encoding="utf-8", newline="")
        print(_("wrote {path}: {n} final scores").format(path=out, n=len(report.exported)))
    explain_blanks(report)
    return 0


def cmd_check_answers(args: argparse.Namespace) -> int:
    from .grading import CourseError
    from .grading.answer_check import check_answers

    print(_("grading {path} with the full tests of its assignment (about ten seconds)...").format(path=args.notebook))
    try:
        report = check_answers(args.notebook)
    except CourseError as exc:
        return _error(str(exc))
    print(_("{assignment}, question by question:").format(assignment=report.assignment))
    for line in report.lines():
        print(line)
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with our own help and error lines, so that they go through the catalogue too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = _("positional arguments")  # argparse's own headings, in our catalogue
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=_("show this help message and exit"))

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, _("mali-ssr: error: {detail}").format(detail=message) + "\n"
                  + _("Run `mali-ssr --help` to see what each command needs.") + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mali-ssr", description=_(
        "The Mali SSR course: open the lectures, check the installation, grade assignments."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help=_("show the version number and exit"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    workspace_help = _("workspace folder (default: ./{folder})").format(folder=DEFAULT_WORKSPACE)

    start_help = _("copy the course notebooks into a workspace and open JupyterLab")
    start = commands.add_parser("start", help=start_help, description=start_help)
    start.add_argument("--dir", default=None, type=Path, help=_(
        "workspace folder (default: ./{en} for English, ./{fr} for French)").format(
        en=DEFAULT_WORKSPACES["en"], fr=DEFAULT_WORKSPACES["fr"]))
    start.add_argument("--lang", choices=sorted(DEFAULT_WORKSPACES), default=None, help=_(
        "the edition: en or fr (default: from MALI_SSR_LANG or the locale, else en); fr also puts JupyterLab "
        "in French"))
    start.add_argument("--no-browser", action="store_true", help=_("start JupyterLab without opening a browser"))
    start.add_argument("--port", type=int, help=_("port for JupyterLab (default: JupyterLab's choice, 8888)"))
    start.add_argument("--solutions", action="store_true",
                       help=_("also copy the solution notebooks (for self-learners)"))
    start.add_argument("--no-launch", action="store_true",
                       help=_("only copy the notebooks; do not start JupyterLab"))
    start.add_argument("lab_options", nargs=argparse.REMAINDER, metavar="-- JUPYTERLAB OPTIONS",
                       help=_("anything after -- goes to JupyterLab, e.g. {example}").format(
                           example="-- --ServerApp.ip=0.0.0.0"))
    start.set_defaults(func=cmd_start)

    reset_help = _("put a notebook back as the course ships it (your copy is backed up first)")
    reset = commands.add_parser("reset", help=reset_help, description=reset_help)
    reset.add_argument("notebook", help=_("notebook to restore, relative to the workspace, e.g. {example}").format(
        example="course/01_history_lecture.ipynb"))
    reset.add_argument("--dir", default=DEFAULT_WORKSPACE, type=Path, help=workspace_help)
    reset.set_defaults(func=cmd_reset)

    check_help = _("check that the installation works (kernel, widgets, nbgrader, data, notebooks)")
    check = commands.add_parser("check", help=check_help, description=check_help)
    check.set_defaults(func=cmd_check)

    grade = commands.add_parser(
        "grade", help=_("autograde every submission of an assignment, in parallel (run from the course root)"),
        description=_("Autograde every submission under {folder} with nbgrader, several students at once. The "
                      "gradebook ends up as a sequential `nbgrader autograde` would leave it. A submission that "
                      "crashes, hangs or is corrupt fails alone; the others are graded and the failures are "
                      "listed.").format(folder="submitted/<student>/<assignment>/"))
    assignment_help = _("assignment name, e.g. {example}").format(example="01_history")
    grade.add_argument("assignment", help=assignment_help)
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help=_("students graded at once (default: the number of CPU cores + 2)"))
    grade.add_argument("--timeout", type=float, default=600,
                       help=_("wall-time limit in seconds for one student's grading (default: {n})").format(n=600))
    grade.add_argument("--force", action="store_true", help=_("grade again students already autograded"))
    grade.add_argument("--student", action="append", metavar="ID",
                       help=_("grade only this student (repeat for several)"))
    grade.add_argument("--no-sandbox", action="store_true",
                       help=_("run student code without the grading sandbox (not recommended; see {doc})").format(
                           doc="docs/grading-safety.md"))
    grade.add_argument("--memory-mb", type=int, default=2048,
                       help=_("memory cap per student kernel in MB (default: {n})").format(n=2048))
    grade.add_argument("--cpu-seconds", type=int, default=300,
                       help=_("CPU-time cap per student kernel in seconds (default: {n})").format(n=300))
    grade.set_defaults(func=cmd_grade)

    report_help = _("write a CSV of scores per student and question, and a chart of the hardest questions")
    report = commands.add_parser("report", help=report_help, description=report_help)
    report.add_argument("assignment", help=assignment_help)
    report.add_argument("--out", default="reports",
                        help=_("folder for the CSV and the figure (default: {folder})").format(folder="reports"))
    report.set_defaults(func=cmd_report)

    collect_help = _("put the notebooks of an LMS bulk download (Canvas or Moodle zip) into submitted/")
    collect = commands.add_parser(
        "collect", help=collect_help,
        description=collect_help + ". " + _("Each student's notebook goes to {folder}; nothing else in the zip is "
                                           "extracted. Layouts: {layouts}").format(
            folder="submitted/<student>/<assignment>/", layouts="canvas, moodle (docs: mali_ssr/grading/lms.py)"))
    collect.add_argument("assignment", help=assignment_help)
    collect.add_argument("zip", type=Path, help=_("the zip the LMS's bulk download saved"))
    collect.add_argument("--lms", choices=["canvas", "moodle", "auto"], default="auto",
                         help=_("which LMS made the zip (default: {default}, from its file names)").format(
                             default="auto"))
    collect.add_argument("--id", choices=["lms-id", "name"], default="lms-id",
                         help=_("student ids: the LMS's number (default) or one made from the name"))
    collect.add_argument("--dry-run", action="store_true", help=_("say what would be done; write nothing"))
    collect.add_argument("--force", action="store_true", help=_("replace submissions already collected"))
    collect.set_defaults(func=cmd_collect)

    export_help = _("write the assignment's grades as a CSV that Canvas or Moodle imports; pending marks are "
                    "left blank, never exported as a number")
    export = commands.add_parser("export", help=export_help, description=export_help)
    export.add_argument("assignment", help=assignment_help)
    export.add_argument("--lms", choices=["canvas", "moodle", "plain"], required=True,
                        help=_("the CSV form: Canvas gradebook import, Moodle grade import, or plain"))
    export.add_argument("--out", help=_("the CSV file, or - for the screen (default: {path})").format(
        path="reports/<assignment>-<lms>.csv"))
    export.add_argument("--column", help=_("the grade column's header (default: the assignment name); for Canvas, "
                                           "use the column's name as Canvas's own export spells it"))
    export.set_defaults(func=cmd_export)

    instructor_help = _("open JupyterLab on the formgrader, in the course folder (for instructors)")
    instructor = commands.add_parser("instructor", help=instructor_help, description=instructor_help)
    instructor.add_argument("--course", default=".", type=Path,
                            help=_("the course folder, the one with nbgrader_config.py (default: this folder)"))
    instructor.add_argument("--port", type=int, help=_("port for JupyterLab (default: JupyterLab's choice, 8888)"))
    instructor.add_argument("--no-browser", action="store_true", help=_("start JupyterLab without opening a browser"))
    instructor.add_argument("lab_options", nargs=argparse.REMAINDER, metavar="-- JUPYTERLAB OPTIONS",
                            help=_("anything after -- goes to JupyterLab"))
    instructor.set_defaults(func=cmd_instructor)

    secret_help = _("make this class's secret, so that each assignment generated from now on is the class's own "
                    "variant (for instructors grading for credit)")
    secret = commands.add_parser("class-secret", help=secret_help, description=secret_help)
    secret.add_argument("--course", default=".", type=Path,
                        help=_("the course folder, the one with nbgrader_config.py (default: this folder)"))
    secret.add_argument("--force", action="store_true",
                        help=_("replace an existing secret (assignments generated afterwards change)"))
    secret.set_defaults(func=cmd_class_secret)

    answers_help = _("score your own finished exercise with the full (hidden) tests, question by question "
                     "(for self-learners)")
    answers = commands.add_parser("check-answers", help=answers_help, description=answers_help)
    answers.add_argument("notebook", help=_("your exercise notebook, e.g. {example}").format(
        example="exercises/01_history/01_history.ipynb"))
    answers.set_defaults(func=cmd_check_answers)
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
