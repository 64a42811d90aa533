"""LMS in and out: `mali-ssr collect` from Canvas/Moodle bulk downloads, `mali-ssr export` to their grade imports.

The fast tests use a minimal course (a config and one source notebook) and zips built here with zipfile; the
export tests write grades straight through nbgrader's Gradebook API: that puts each state the export must tell
apart (final, pending a manual mark, never graded) in the gradebook exactly, in well under a second, where
grading real submissions would take a minute and is covered by the grading suites. One slow test runs the
README's way end to end: a real released assignment, a Canvas zip, `mali-ssr grade`, a manual mark, the export.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from mali_ssr.cli import main
from mali_ssr.exercises import nbgrader_env
from mali_ssr.grading import CourseError, lms
from mali_ssr.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]
A = "01_history"
NB = f"{A}.ipynb"

MINIMAL_CONFIG = """c = get_config()
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "mali-ssr"
"""


def notebook_bytes(tag: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": tag}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5}).encode()


def minimal_course(root: Path) -> Path:
    (root / "solutions" / A).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (root / "solutions" / A / NB).write_bytes(notebook_bytes("source"))
    return root


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    """An empty gradebook, as `nbgrader generate_assignment` would have made it (made once: nbgrader runs alembic)."""
    from mali_ssr.grading.gradebook import open_gradebook

    course = Course.load(minimal_course(tmp_path_factory.mktemp("template")))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", nbgrader_env()["PATH"])
        with open_gradebook(course):
            pass
    return course.gradebook_file


@pytest.fixture
def course(tmp_path, monkeypatch, empty_gradebook) -> Path:
    root = minimal_course(tmp_path / "course")
    shutil.copy(empty_gradebook, Course.load(root).gradebook_file)
    monkeypatch.chdir(root)
    return root


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def submitted(root: Path) -> dict[str, list[str]]:
    base = Course.load(root).submitted_dir
    return {p.name: sorted(f.name for f in (p / A).iterdir()) for p in sorted(base.iterdir())} if base.is_dir() else {}


def content(root: Path, student: str) -> str:
    nb = json.loads((Course.load(root).submission(student, A) / NB).read_text(encoding="utf-8"))
    return nb["cells"][0]["source"]


CANVAS = {
    "doejane_12345_67890_01_history.ipynb": notebook_bytes("jane"),
    "traoreaminata_LATE_23456_78901_01_history.ipynb": notebook_bytes("aminata late"),
    "keitamoussa_34567_89012_01_history.ipynb": notebook_bytes("moussa first"),
    "keitamoussa_34567_89012_01_history-2.ipynb": notebook_bytes("moussa latest"),
    "keitamoussa_34567_89012_01_history-1.ipynb": notebook_bytes("moussa second"),
    "keitamoussa_34567_89012_notes.txt": b"scratch",
}


# ------------------------------------------------------------------ parsing (pure)
def test_canvas_names_parse_with_late_mark_and_resubmission_suffix():
    late = lms.parse_canvas("traoreaminata_LATE_23456_78901_01_history.ipynb")
    assert (late.name, late.lms_id, late.file, late.late, late.revision) == (
        "traoreaminata", "23456", NB, True, 0)
    again = lms.parse_canvas("keitamoussa_34567_89012_01_history-2.ipynb")
    assert (again.lms_id, again.file, again.revision, again.late) == ("34567", "01_history-2.ipynb", 2, False)
    assert lms.parse_canvas("Aminata Traoré_123456_assignsubmission_file_/x.ipynb") is None
    assert lms.parse_canvas("folder/doejane_12345_67890_x.ipynb") is None


def test_moodle_names_parse_in_folders_and_flat():
    folder = lms.parse_moodle("Aminata Traoré_123456_assignsubmission_file_/01_history.ipynb")
    flat = lms.parse_moodle("Aminata Traoré_123456_assignsubmission_file_01_history.ipynb")
    text = lms.parse_moodle("Aminata Traoré_123456_assignsubmission_onlinetext_/onlinetext.html")
    assert (folder.name, folder.lms_id, folder.file, folder.plugin) == ("Aminata Traoré", "123456", NB, "file")
    assert (flat.name, flat.lms_id, flat.file) == ("Aminata Traoré", "123456", NB)
    assert text.plugin == "onlinetext"
    assert lms.parse_moodle("doejane_12345_67890_01_history.ipynb") is None


def test_names_become_safe_nbgrader_ids():
    assert lms.slug("Aminata Traoré") == "aminata-traore"
    assert lms.slug("../..//etc") == "etc"
    assert lms.slug("Ōsaka  O'Neil.") == "osaka-o-neil"
    members = [lms.Member("a", "1", "Jean Dupont", NB, 0), lms.Member("b", "2", "Jean  Dupont", NB, 1),
               lms.Member("c", "3", "Ségou", NB, 2), lms.Member("d", "4", "تمبكتو", NB, 3)]
    assert lms.student_ids(members, "name") == {"1": "jean-dupont-1", "2": "jean-dupont-2", "3": "segou", "4": "4"}
    assert lms.student_ids(members, "lms-id") == {"1": "1", "2": "2", "3": "3", "4": "4"}


def test_unknown_layout_names_both_patterns_with_examples():
    with pytest.raises(CourseError) as error:
        lms.detect_layout(["Jane Doe - 01_history.ipynb", "scan.pdf"])
    message = str(error.value)
    assert "Jane Doe - 01_history.ipynb" in message
    assert "<loginname>[_LATE]_<userid>_<submissionid>_<file>" in message
    assert "traoreaminata_LATE_123456_7891011_01_history.ipynb" in message
    assert "<Full Name>_<participantid>_assignsubmission_file_/<file>" in message
    assert lms.detect_layout(list(CANVAS)) == "canvas"
    assert lms.detect_layout(["X Y_1_assignsubmission_file_/a.ipynb", "junk.txt"]) == "moodle"
    with pytest.raises(CourseError, match="moodle"):
        lms.detect_layout(list(CANVAS), "moodle")


# ------------------------------------------------------------------ collecting
def test_canvas_zip_fills_submitted_latest_upload_kept(course, tmp_path, capsys):
    zip_path = make_zip(tmp_path / "canvas.zip", CANVAS)
    assert main(["collect", A, str(zip_path)]) == 0
    out = capsys.readouterr().out
    assert submitted(course) == {"12345": [NB], "23456": [NB], "34567": [NB]}
    assert content(course, "12345") == "jane"
    assert content(course, "23456") == "aminata late"
    assert content(course, "34567") == "moussa latest"
    assert "canvas layout, 3 students" in out
    assert "marked LATE by Canvas" in out
    assert "01_history-1.ipynb: an earlier upload, not used (kept 01_history-2.ipynb, the latest)" in out
    assert "notes.txt: not a notebook, left out" in out
    assert not list(Course.load(course).submitted_dir.rglob("notes.txt"))
    assert not list(Course.load(course).submitted_dir.rglob("timestamp.txt"))  # the zip names no submission time
    from mali_ssr.grading.gradebook import open_gradebook

    with open_gradebook(Course.load(course)) as gb:
        assert {s.id: s.lms_user_id for s in gb.students} == {"12345": "12345", "23456": "23456", "34567": "34567"}


def test_canvas_ids_from_names(course, tmp_path):
    report = lms.collect_zip(course, A, make_zip(tmp_path / "canvas.zip", CANVAS), id_mode="name")
    assert sorted(e.student for e in report.placed) == ["doejane", "keitamoussa", "traoreaminata"]
    assert content(course, "keitamoussa") == "moussa latest"


def test_moodle_folders_and_flat_layouts(course, tmp_path, capsys):
    folders = make_zip(tmp_path / "moodle.zip", {
        "Aminata Traoré_123456_assignsubmission_file_/my work.ipynb": notebook_bytes("aminata"),
        "Aminata Traoré_123456_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "Jean Dupont_223344_assignsubmission_file_/01_history.ipynb": notebook_bytes("jean 1"),
        "Jean Dupont_223344_assignsubmission_file_/copy/01_history.ipynb": notebook_bytes("jean 2"),
    })
    assert main(["collect", A, str(folders), "--id", "name"]) == 0
    out = capsys.readouterr().out
    assert submitted(course) == {"aminata-traore": [NB], "jean-dupont": [NB]}
    assert content(course, "aminata-traore") == "aminata"
    assert content(course, "jean-dupont") == "jean 2"  # the later in the zip
    assert "my work.ipynb renamed to 01_history.ipynb" in out
    assert "not a file submission (onlinetext), left out" in out
    assert "an earlier upload, not used" in out

    shutil.rmtree(Course.load(course).submitted_dir)
    flat = make_zip(tmp_path / "moodle-flat.zip", {
        "Aminata Traoré_123456_assignsubmission_file_01_history.ipynb": notebook_bytes("flat aminata")})
    report = lms.collect_zip(course, A, flat, lms="moodle")
    assert report.layout == "moodle" and [e.student for e in report.placed] == ["123456"]
    assert content(course, "123456") == "flat aminata"


def test_unsafe_members_are_refused_and_never_written(course, tmp_path, monkeypatch, capsys):
    zip_path = tmp_path / "evil.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("doejane_12345_67890_01_history.ipynb", notebook_bytes("jane"))
        archive.writestr("../evil_1_2_01_history.ipynb", notebook_bytes("climb"))
        archive.writestr("/abs_3_4_01_history.ipynb", notebook_bytes("absolute"))
        link = zipfile.ZipInfo("linker_5_6_01_history.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("bigone_7_8_01_history.ipynb", b"x" * 4096)
    monkeypatch.setattr(lms, "MAX_NOTEBOOK_BYTES", 2048)
    assert main(["collect", A, str(zip_path)]) == 1  # something was refused: a script must notice
    err = capsys.readouterr().err
    assert submitted(course) == {"12345": [NB]}
    assert "../evil_1_2_01_history.ipynb: refused, a path that climbs out" in err
    assert "/abs_3_4_01_history.ipynb: refused, an absolute" in err
    assert "linker_5_6_01_history.ipynb: refused, a symbolic link" in err
    assert "bigone_7_8_01_history.ipynb: refused, larger than" in err
    assert not (tmp_path / "evil").exists() and not list(tmp_path.rglob("*evil_1_2*"))


def test_a_header_that_lies_about_its_size_is_still_capped(course, tmp_path, monkeypatch):
    zip_path = make_zip(tmp_path / "bomb.zip", {"doejane_12345_67890_01_history.ipynb": b"0" * 100_000})
    monkeypatch.setattr(lms, "MAX_NOTEBOOK_BYTES", 50_000)
    monkeypatch.setattr(lms, "unsafe_reason", lambda info: None)  # as if the declared size had passed the check
    report = lms.collect_zip(course, A, zip_path)
    assert not report.placed and report.refused and submitted(course) == {}


def test_too_many_members_refuse_the_whole_zip(course, tmp_path, monkeypatch):
    monkeypatch.setattr(lms, "MAX_MEMBERS", 3)
    with pytest.raises(CourseError, match="more than the 3"):
        lms.collect_zip(course, A, make_zip(tmp_path / "c.zip", CANVAS))
    assert submitted(course) == {}


def test_unknown_layout_and_not_a_zip(course, tmp_path, capsys):
    zip_path = make_zip(tmp_path / "odd.zip", {"Jane Doe - 01_history.ipynb": b"{}"})
    assert main(["collect", A, str(zip_path)]) == 2
    err = capsys.readouterr().err
    assert "not in a layout mali-ssr knows" in err and "Canvas" in err and "Moodle" in err
    (tmp_path / "plain.txt").write_text("hello")
    assert main(["collect", A, str(tmp_path / "plain.txt")]) == 2
    assert "is not a zip file" in capsys.readouterr().err


def test_existing_submissions_are_kept_unless_force(course, tmp_path, capsys):
    first = make_zip(tmp_path / "first.zip", {"doejane_12345_67890_01_history.ipynb": notebook_bytes("v1")})
    second = make_zip(tmp_path / "second.zip", {"doejane_12345_67891_01_history.ipynb": notebook_bytes("v2"),
                                                "newkid_99_1_01_history.ipynb": notebook_bytes("new")})
    assert main(["collect", A, str(first)]) == 0
    (Course.load(course).submission("12345", A) / "feedback-note.txt").write_text("instructor's")
    assert main(["collect", A, str(second)]) == 0
    out = capsys.readouterr().out
    assert content(course, "12345") == "v1" and content(course, "99") == "new"
    assert "12345 (doejane, 12345): already collected, left as it was (use --force to replace it)" in out

    assert main(["collect", A, str(second), "--dry-run", "--force"]) == 0
    assert "would replace the existing submission" in capsys.readouterr().out
    assert content(course, "12345") == "v1"

    assert main(["collect", A, str(second), "--force"]) == 0
    assert "replaced the existing submission with 01_history.ipynb (--force)" in capsys.readouterr().out
    assert content(course, "12345") == "v2"
    assert submitted(course)["12345"] == [NB]  # the old folder was replaced, not merged


def test_dry_run_writes_nothing(course, tmp_path, capsys):
    assert main(["collect", A, str(make_zip(tmp_path / "c.zip", CANVAS)), "--dry-run"]) == 0
    assert "would place 01_history.ipynb" in capsys.readouterr().out
    assert submitted(course) == {}
    from mali_ssr.grading.gradebook import open_gradebook

    with open_gradebook(Course.load(course)) as gb:
        assert gb.students == []


# ------------------------------------------------------------------ exporting
def fill_gradebook(root: Path) -> None:
    """complete (q1 4/4 auto, w1 marked 3/4), pending (w1 not marked yet), ungraded: never in the gradebook
    ("broken") or recorded by nbgrader with every grade empty because its autograding failed ("crashed")."""
    from mali_ssr.grading.gradebook import open_gradebook

    with open_gradebook(Course.load(root)) as gb:
        gb.add_assignment(A)
        gb.update_or_create_notebook(A, A)
        gb.update_or_create_grade_cell("q1", A, A, max_score=4, cell_type="code")
        gb.update_or_create_grade_cell("w1", A, A, max_score=4, cell_type="markdown")
        gb.update_or_create_solution_cell("w1", A, A)
        gb.add_student("done", first_name="Aminata", last_name="Traoré", email="a@example.org",
                       lms_user_id="12345")
        gb.add_student("waiting")
        gb.add_student("crashed")
        for student in ("done", "waiting", "crashed"):
            gb.add_submission(A, student)
        for student, q1, w1 in (("done", 4.0, 3.0), ("waiting", 2.0, None)):
            auto = gb.find_grade("q1", A, A, student)
            auto.auto_score, auto.needs_manual_grade = q1, False
            manual = gb.find_grade("w1", A, A, student)
            manual.manual_score, manual.needs_manual_grade = w1, w1 is None
        gb.db.commit()
    for student in ("done", "waiting", "broken", "crashed"):
        folder = Course.load(root).submission(student, A)
        folder.mkdir(parents=True)
        (folder / NB).write_bytes(notebook_bytes(student))


# nbgrader's own add_submission warns about its session; the warning is about nbgrader, not this code
quiet_nbgrader = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@quiet_nbgrader
def test_canvas_export_a_number_only_for_final_scores(course, capsys):
    fill_gradebook(course)
    assert main(["export", A, "--lms", "canvas", "--out", "grades.csv"]) == 0
    rows = read_csv(course / "grades.csv")
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A],  # rows by nbgrader id
                    ["broken", "broken", "", "", "", ""],
                    ["crashed", "crashed", "", "", "", ""],
                    ["Traoré, Aminata", "12345", "", "", "", "7"],
                    ["waiting", "waiting", "", "", "", ""]]
    captured = capsys.readouterr()
    assert "wrote grades.csv: 1 final scores" in captured.out
    assert "pending manual grading, left blank" in captured.err
    assert "waiting: 1 mark(s) pending (w1)" in captured.err
    assert "could not be graded, left blank (never 0)" in captured.err
    assert "  broken" in captured.err and "  crashed" in captured.err
    assert "crashed:" not in captured.err  # not "pending": its grading failed, nothing waits for a grader
    assert "done" not in captured.err


@quiet_nbgrader
def test_moodle_and_plain_exports(course, capsys):
    fill_gradebook(course)
    assert main(["export", A, "--lms", "moodle", "--out", "-", "--column", "History (W1)"]) == 0
    captured = capsys.readouterr()
    assert list(csv.reader(io.StringIO(captured.out))) == [
        ["ID number", "Email address", "History (W1)"], ["broken", "", ""], ["crashed", "", ""],
        ["done", "a@example.org", "7"],
        ["waiting", "", ""]]
    assert "waiting: 1 mark(s) pending (w1)" in captured.err
    assert main(["export", A, "--lms", "plain", "--out", "plain.csv"]) == 0
    assert read_csv(course / "plain.csv") == [
        ["student", "score", "max", "status"],
        ["broken", "", "8", "not graded: the submission could not be graded"],
        ["crashed", "", "8", "not graded: the submission could not be graded"],
        ["done", "7", "8", "complete"],
        ["waiting", "", "8", "1 mark(s) pending manual grading"]]


def test_export_before_the_assignment_is_in_the_gradebook_names_the_command(course, capsys):
    assert main(["export", A, "--lms", "canvas"]) == 2
    assert "run `nbgrader generate_assignment 01_history --force`" in capsys.readouterr().err


# ------------------------------------------------------------------ the README's way, end to end (slow)
@pytest.mark.slow
@quiet_nbgrader
def test_canvas_zip_to_canvas_csv_through_grading_and_a_manual_mark(tmp_path, monkeypatch, capsys):
    from mali_ssr.exercises import answer_cells, fill_answers, generate_in_course
    from mali_ssr.grading import grade, gradebook_snapshot
    from mali_ssr.grading.gradebook import open_gradebook

    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions" / A, root / "solutions" / A)
    generate_in_course(root, [A])
    gradebook_snapshot(root, A)  # adds this config's course id to the gradebook, as generate_assignment would
    monkeypatch.chdir(root)
    exercise = json.loads((root / "exercises" / A / NB).read_text(encoding="utf-8"))
    solution = json.loads((root / "solutions" / A / NB).read_text(encoding="utf-8"))
    honest = json.dumps(fill_answers(exercise, solution, {gid: "SOLUTION" for gid in answer_cells(solution)}))
    zip_path = make_zip(tmp_path / "canvas.zip", {
        "doejane_12345_67890_01_history-1.ipynb": honest.encode(),
        "keitamoussa_34567_89012_Untitled.ipynb": b"{ this is not a notebook",
    })
    assert main(["collect", A, str(zip_path), "--id", "name"]) == 0
    assert "Untitled.ipynb renamed to 01_history.ipynb" in capsys.readouterr().out
    assert submitted(root) == {"doejane": [NB], "keitamoussa": [NB]}

    result = grade(root, A, jobs=2, timeout=300, progress=None)
    assert sorted(result.graded) == ["doejane"] and list(result.failed) == ["keitamoussa"]
    assert main(["export", A, "--lms", "canvas", "--out", "before.csv"]) == 0
    assert [r[1:] for r in read_csv(root / "before.csv")[1:]] == [["12345", "", "", "", ""], ["34567", "", "", "", ""]]
    err = capsys.readouterr().err
    assert "doejane:" in err and "pending" in err and "keitamoussa" in err

    with open_gradebook(Course.load(root)) as gb:  # the marks a grader enters in the formgrader
        for notebook in gb.find_submission(A, "doejane").notebooks:
            for mark in notebook.grades:
                if mark.needs_manual_grade:
                    mark.manual_score = mark.max_score
        gb.db.commit()
    assert main(["export", A, "--lms", "canvas", "--out", "after.csv"]) == 0
    rows = read_csv(root / "after.csv")
    assert rows[1][1] == "12345" and float(rows[1][5]) > 0
    assert rows[2][1] == "34567" and rows[2][5] == ""
    assert "pending" not in capsys.readouterr().err
