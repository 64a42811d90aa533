"""LMS in and out: ``mali-ssr collect`` reads a bulk-download zip, ``mali-ssr export`` writes a grade-import CSV.

The download layouts below were written from Canvas's and Moodle's documented
formats; they could not be tried against a live LMS here, so check the first
run's per-student lines (``--dry-run`` shows them without writing anything).

**Canvas** ("Download Submissions"): flat files, no folders::

    <loginname>[_LATE]_<user id>_<submission id>_<original file name>
    traoreaminata_LATE_123456_7891011_01_history.ipynb

A re-uploaded file may get ``-1``, ``-2``... before its extension
(``01_history-2.ipynb``); the highest number is the latest.

**Moodle** ("Download all submissions"): one folder per student and plugin, or
the same names flat::

    <Full Name>_<participant id>_assignsubmission_file_/<file>
    Aminata Traoré_123456_assignsubmission_file_/01_history.ipynb
    Aminata Traoré_123456_assignsubmission_file_01_history.ipynb
    Aminata Traoré_123456_assignsubmission_onlinetext_/onlinetext.html   (not a notebook: left out)

Of two notebooks from one Moodle student the later in the zip is kept.

The zip is untrusted data. Nothing in it is extracted by its own path: each
student's notebook is written to
``<submitted>/<student id>/<assignment>/<notebook name>`` (folder names from
nbgrader's ``CourseDirectory``), members with ``..``, absolute paths, links,
devices, encryption or sizes over the caps of :mod:`.submissions` are refused
and named, and every other file is named in the report, not extracted. Neither
layout carries a submission time (a zip entry's date is when it was packed),
so no ``timestamp.txt`` is written and nbgrader applies no late penalty: the
LMS's own late policy applies (Canvas's ``_LATE`` mark is reported).

Student ids: nbgrader allows letters, digits, ``_``, ``-`` and ``.``. By
default the id is the LMS's number (Canvas user id, Moodle participant id);
``--id name`` makes one from the name (``Aminata Traoré`` -> ``aminata-traore``).
Moodle's participant number may not be the same in every assignment (not
checked here): with Moodle, ``--id name`` keeps ids stable across assignments.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import stat
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..i18n import _
from .course import Course, CourseError
from .submissions import MAX_FILE_MB, MAX_FILES

LMS_NAMES = ("canvas", "moodle")
EXPORT_FORMS = ("canvas", "moodle", "plain")
ID_MODES = ("lms-id", "name")

MAX_NOTEBOOK_BYTES = MAX_FILE_MB * 1024 * 1024  # one member, uncompressed (the submissions' per-file cap)
MAX_MEMBERS = MAX_FILES * 50                    # a class of a few hundred, a few files each
MAX_ZIP_BYTES = 4 * 1024 * 1024 * 1024          # every member together, uncompressed, as the zip declares

CANVAS_PATTERN = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>[^/]+)$")
MOODLE_PATTERN = re.compile(
    r"^(?P<name>[^/]+?)_(?P<lms_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_/(?P<infolder>.+)|_(?P<flat>[^/]+))$")
RESUBMISSION_SUFFIX = re.compile(r"^(?P<base>.+?)-(?P<n>\d+)(?P<ext>\.[^.]+)$")


def expected_layouts() -> str:
    """Both patterns with an example, for the error an unknown layout gets."""
    return _("Canvas (\"Download Submissions\", flat files): {canvas_pattern}, e.g. {canvas_example}; "
             "Moodle (\"Download all submissions\", folders or flat): {moodle_pattern}, e.g. {moodle_example}").format(
        canvas_pattern="<loginname>[_LATE]_<userid>_<submissionid>_<file>",
        canvas_example="traoreaminata_LATE_123456_7891011_01_history.ipynb",
        moodle_pattern="<Full Name>_<participantid>_assignsubmission_file_/<file>",
        moodle_example="Aminata Traoré_123456_assignsubmission_file_/01_history.ipynb")


# ------------------------------------------------------------------ reading the zip
@dataclass(frozen=True)
class Member:
    """One file of the download, as its layout names it."""

    zip_name: str
    lms_id: str
    name: str
    file: str            # the file name the student gave it (Canvas resubmission suffix kept)
    order: int           # position in the zip
    plugin: str = "file"  # Moodle: file, onlinetext, ...
    late: bool = False
    revision: int = 0    # Canvas: the -N suffix


def parse_canvas(zip_name: str, order: int = 0) -> Member | None:
    match = CANVAS_PATTERN.match(zip_name)
    if not match:
        return None
    file = match["file"]
    suffix = RESUBMISSION_SUFFIX.match(file)
    return Member(zip_name, match["lms_id"], match["name"], file, order, late=bool(match["late"]),
                  revision=int(suffix["n"]) if suffix else 0)


def parse_moodle(zip_name: str, order: int = 0) -> Member | None:
    match = MOODLE_PATTERN.match(zip_name)
    if not match:
        return None
    file = PurePosixPath(match["infolder"] or match["flat"]).name
    return Member(zip_name, match["lms_id"], match["name"], file, order, plugin=match["plugin"])


PARSERS = {"canvas": parse_canvas, "moodle": parse_moodle}


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why this member is not taken, whatever the layout, or None."""
    name = info.filename
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name or "\0" in name:
        return _("an absolute or Windows-style path")
    if ".." in parts:
        return _("a path that climbs out of the zip's folder (..)")
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return _("a symbolic link")
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return _("not a regular file (device, FIFO or socket)")
    if info.flag_bits & 0x1:
        return _("encrypted")
    if info.file_size > MAX_NOTEBOOK_BYTES:
        return _("larger than {mb} MB").format(mb=MAX_FILE_MB)
    return None


def detect_layout(names: list[str], lms: str = "auto") -> str:
    """The layout these member names follow; a clear error naming both patterns when none fits."""
    files = [n for n in names if not n.endswith("/")]
    candidates = LMS_NAMES if lms == "auto" else (lms,)
    matches = {layout: sum(1 for n in files if PARSERS[layout](n)) for layout in candidates}
    best = max(candidates, key=lambda layout: matches[layout])
    if not matches[best]:
        shown = ", ".join(files[:3]) or _("(the zip is empty)")
        raise CourseError(_("this zip is not in a layout mali-ssr knows ({tried}); its first files are: {shown}. "
                            "Expected one of: {expected}. Download the submissions again with the LMS's bulk "
                            "download, or copy them into submitted/<student>/<assignment>/ by hand.").format(
            tried=", ".join(candidates), shown=shown, expected=expected_layouts()))
    return best


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None when it inflates past the cap (a header can lie about its size)."""
    out = io.BytesIO()
    with archive.open(info) as handle:
        while chunk := handle.read(1024 * 1024):
            out.write(chunk)
            if out.tell() > MAX_NOTEBOOK_BYTES:
                return None
    return out.getvalue()


# ------------------------------------------------------------------ student ids
def slug(text: str) -> str:
    """An nbgrader-safe id from a name: ASCII letters, digits, ``-``, ``_``, ``.``; never starting with a dot."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9._-]+", "-", ascii_text.lower()).strip("-._")


def student_ids(members: list[Member], id_mode: str) -> dict[str, str]:
    """LMS number -> nbgrader id. Two students whose names give the same id both get their number appended."""
    if id_mode == "lms-id":
        return {m.lms_id: m.lms_id for m in members}
    names = {m.lms_id: slug(m.name) for m in members}
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {lms_id: (name if name and counts[name] == 1 else "-".join(filter(None, [name, lms_id])))
            for lms_id, name in names.items()}


# ------------------------------------------------------------------ collecting
@dataclass
class StudentCollect:
    student: str
    lms_id: str
    name: str
    placed: list[str] = field(default_factory=list)  # notebook names written (or that would be, in a dry run)
    kept: bool = False                                 # a submission was there already and was left alone
    replaced: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class CollectReport:
    assignment: str
    layout: str
    dry_run: bool
    students: list[StudentCollect] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (member, why): unsafe, never read
    unmatched: list[str] = field(default_factory=list)           # members not in the layout's form
    recorded: bool = False  # who is who went into the gradebook

    @property
    def placed(self) -> list[StudentCollect]:
        return [s for s in self.students if s.placed]


def _choose(candidates: list[Member], layout: str) -> Member:
    """The latest of a student's files for one notebook: highest Canvas suffix, else last in the zip."""
    return max(candidates, key=lambda m: (m.revision, m.order) if layout == "canvas" else m.order)


def _base_name(member: Member) -> str:
    """The file name without a Canvas resubmission suffix (``01_history-2.ipynb`` -> ``01_history.ipynb``)."""
    suffix = RESUBMISSION_SUFFIX.match(member.file)
    return suffix["base"] + suffix["ext"] if suffix and member.revision else member.file


def _plan_student(members: list[Member], expected: list[str], layout: str, entry: StudentCollect
                  ) -> dict[str, Member]:
    """Which member becomes which expected notebook, with a note for everything renamed, older or left out."""
    notebooks = [m for m in members if m.plugin == "file" and m.file.lower().endswith(".ipynb")]
    for m in members:
        if m.plugin != "file":
            entry.notes.append(_("{file}: not a file submission ({plugin}), left out").format(
                file=m.zip_name, plugin=m.plugin))
        elif m not in notebooks:
            entry.notes.append(_("{file}: not a notebook, left out").format(file=m.file))
    groups = {name: [m for m in notebooks if _base_name(m) == name or m.file == name] for name in expected}
    groups = {name: group for name, group in groups.items() if group}
    others = [m for m in notebooks if not any(m in group for group in groups.values())]
    if len(expected) == 1 and not groups and others:
        if len({_base_name(m) for m in others}) == 1:  # one notebook, wrongly named (perhaps re-uploaded)
            groups[expected[0]] = others
            entry.notes.append(_("{file} renamed to {expected}").format(
                file=_choose(others, layout).file, expected=expected[0]))
        else:
            entry.notes.append(_("several notebooks and none named {expected} ({files}): none taken; copy the "
                                 "right one into place by hand").format(
                expected=expected[0], files=", ".join(sorted(m.file for m in others))))
        others = []
    plan = {name: _choose(group, layout) for name, group in groups.items()}
    for name, group in groups.items():
        for m in sorted(group, key=lambda m: m.order):
            if m is not plan[name]:
                entry.notes.append(_("{older}: an earlier upload, not used (kept {chosen}, the latest)").format(
                    older=m.file, chosen=plan[name].file))
    for m in others:
        entry.notes.append(_("{file}: not one of the assignment's notebooks ({expected}), left out").format(
            file=m.file, expected=", ".join(expected)))
    if any(m.late for m in members):
        entry.notes.append(_("marked LATE by Canvas (no late penalty is applied here; the LMS's policy applies)"))
    return plan


def collect_zip(root: str | Path, assignment: str, zip_path: str | Path, lms: str = "auto",
                id_mode: str = "lms-id", dry_run: bool = False, force: bool = False) -> CollectReport:
    """Fill ``<submitted>/<student>/<assignment>/`` from an LMS bulk download (see the module's docstring)."""
    course = Course.load(root)
    course.require_assignment(assignment)
    expected = [p.name for p in course.source_notebooks(assignment)]
    if not expected:
        raise CourseError(_("assignment {a!r} has no notebook in {folder}").format(
            a=assignment, folder=course.source_dir / assignment))
    zip_path = Path(zip_path)
    if not zipfile.is_zipfile(zip_path):
        raise CourseError(_("{path} is not a zip file: give the file the LMS's bulk download saved").format(
            path=zip_path))
    with zipfile.ZipFile(zip_path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise CourseError(_("{path} holds {n} files, more than the {cap} a class download should; nothing was "
                                "collected").format(path=zip_path, n=len(infos), cap=MAX_MEMBERS))
        if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            raise CourseError(_("{path} would unpack to more than {gb} GB; nothing was collected").format(
                path=zip_path, gb=MAX_ZIP_BYTES // 1024 ** 3))
        report = CollectReport(assignment, "", dry_run)
        safe: list[zipfile.ZipInfo] = []
        for info in infos:
            why = unsafe_reason(info)
            if why:
                report.refused.append((info.filename, why))
            elif not info.is_dir():
                safe.append(info)
        report.layout = detect_layout([i.filename for i in safe], lms)
        parse = PARSERS[report.layout]
        members: list[Member] = []
        by_name: dict[str, zipfile.ZipInfo] = {}
        for order, info in enumerate(safe):
            member = parse(info.filename, order)
            if member is None:
                report.unmatched.append(info.filename)
            else:
                members.append(member)
                by_name[info.filename] = info
        ids = student_ids(members, id_mode)
        grouped: dict[str, list[Member]] = {}
        for member in members:
            grouped.setdefault(member.lms_id, []).append(member)
        for lms_id, own in sorted(grouped.items(), key=lambda item: ids[item[0]]):
            entry = StudentCollect(ids[lms_id], lms_id, own[-1].name)
            report.students.append(entry)
            plan = _plan_student(own, expected, report.layout, entry)
            if not plan:
                continue
            target = course.submission(entry.student, assignment)
            if target.exists() or target.is_symlink():
                if not force:
                    entry.kept = True
                    continue
                entry.replaced = True
            contents: dict[str, bytes] = {}
            for name, member in plan.items():
                data = _read_capped(archive, by_name[member.zip_name])
                if data is None:
                    report.refused.append((member.zip_name, _("larger than {mb} MB").format(mb=MAX_FILE_MB)))
                else:
                    contents[name] = data
            if not contents:
                entry.replaced = False
                continue
            entry.placed = sorted(contents)
            if not dry_run:
                _write_submission(target, contents)
    if not dry_run:
        report.recorded = _record_students(course, report)
    return report


def _write_submission(target: Path, contents: dict[str, bytes]) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, data in contents.items():
        with open(target / name, "xb") as handle:
            handle.write(data)


def _record_students(course: Course, report: CollectReport) -> bool:
    """Put who is who in the gradebook (the formgrader shows it; the export needs the Canvas user id).

    Only into a gradebook that exists (``nbgrader generate_assignment`` makes it): creating one is nbgrader's job.
    """
    from .gradebook import open_gradebook

    if not report.placed or (course.gradebook_file is not None and not course.gradebook_file.is_file()):
        return False
    with open_gradebook(course) as gb:
        for entry in report.placed:
            student = gb.update_or_create_student(entry.student)
            if report.layout == "canvas":
                student.lms_user_id = entry.lms_id
            elif not (student.first_name or student.last_name):
                student.last_name = entry.name  # Moodle's full name, as the download spells it
        gb.db.commit()
    return True


# ------------------------------------------------------------------ exporting
@dataclass
class ExportReport:
    form: str
    text: str
    exported: list[str]              # students with a number in the file
    pending: dict[str, list[str]]    # student -> questions waiting for manual grading (blank cell)
    ungraded: list[str]              # submitted but could not be graded (blank cell)


def export_grades(root: str | Path, assignment: str, form: str, column: str | None = None) -> ExportReport:
    """The assignment's totals as ``form`` imports them; pending or ungradable submissions are blank, never 0."""
    from .gradebook import open_gradebook
    from .report import collect, never_autograded

    if form not in EXPORT_FORMS:
        raise CourseError(_("unknown export form {form!r}; choose one of: {forms}").format(
            form=form, forms=", ".join(EXPORT_FORMS)))
    scores = collect(root, assignment)
    course = Course.load(root)
    with open_gradebook(course) as gb:
        people = {s.id: (s.first_name, s.last_name, s.email, s.lms_user_id) for s in gb.students}
        never_graded = never_autograded(gb, assignment)
    ungraded_students = sorted(set(scores.ungraded) | never_graded)
    scores.students = {s: row for s, row in scores.students.items() if s not in never_graded}
    max_total = sum(scores.max_points.values())
    totals = scores.totals()
    pending = {s: [q for q in scores.questions if row.get(q) is None] for s, row in scores.students.items()}
    pending = {s: qs for s, qs in pending.items() if qs}
    header_name = column or assignment
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow({"canvas": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", header_name],
                     "moodle": ["ID number", "Email address", header_name],
                     "plain": ["student", "score", "max", "status"]}[form])
    exported: list[str] = []
    rows = [(s, False) for s in scores.students] + [(s, True) for s in ungraded_students]
    for student, ungradable in sorted(rows):
        first, last, email, lms_user_id = people.get(student, (None, None, None, None))
        final = not ungradable and student not in pending
        cell = f"{totals[student]:g}" if final else ""
        if final:
            exported.append(student)
        if form == "canvas":
            display = ", ".join(filter(None, [last, first])) or student
            writer.writerow([display, lms_user_id or student, "", "", "", cell])
        elif form == "moodle":
            writer.writerow([student, email or "", cell])
        else:
            status = (_("not graded: the submission could not be graded") if ungradable
                      else _("{n} mark(s) pending manual grading").format(n=len(pending[student]))
                      if student in pending else _("complete"))
            writer.writerow([student, cell, f"{max_total:g}", status])
    return ExportReport(form, buffer.getvalue(), exported, pending, ungraded_students)


def explain_blanks(report: ExportReport, out=None) -> None:
    """The lines that say who has a blank cell, and why (printed on stderr, beside the file)."""
    out = out or sys.stderr
    if report.pending:
        print(_("pending manual grading, left blank (not a number) until marked in the formgrader "
                "(mali-ssr instructor), then export again:"), file=out)
        for student, questions in sorted(report.pending.items()):
            print("  " + _("{student}: {n} mark(s) pending ({questions})").format(
                student=student, n=len(questions), questions=", ".join(questions)), file=out)
    if report.ungraded:
        print(_("could not be graded, left blank (never 0); see the list `mali-ssr grade` printed and "
                ".mali-ssr/grade-logs/:"), file=out)
        for student in report.ungraded:
            print(f"  {student}", file=out)
