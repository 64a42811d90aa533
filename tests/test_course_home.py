"""The course home page: contents read from the notebooks, progress read from the workspace."""

import json

from mali_ssr.course_home import NOT_STARTED, OPENED, UNKNOWN, WORKED_ON, contents, home_html, progress
from mali_ssr.workspace import sync


def test_contents_lists_every_lecture_and_assignment_with_time():
    entries = contents()
    lectures = [e for e in entries if e.kind == "lecture"]
    assert [e.number for e in lectures] == [0, 1, 2, 3, 4]
    assert all(e.time and "minute" in e.time for e in lectures)
    assert [e.number for e in entries if e.kind == "assignment"] == [1, 2, 3, 4]
    assert "course/index.ipynb" not in {e.path for e in entries}
    assert not [e for e in entries if "/fr/" in e.path or "_fr/" in e.path]  # the French edition is listed apart


def test_the_french_edition_lists_the_french_lectures_and_assignments():
    entries = contents(lang="fr")
    assert [(e.kind, e.number) for e in entries] == [("lecture", n) for n in range(5)] + [
        ("assignment", n) for n in range(1, 5)]
    assert entries[0].path == "course/fr/00_commencer_ici.ipynb"
    assert entries[5].path == "exercises/01_history_fr/01_history_fr.ipynb"
    assert entries[1].title.startswith("Module 1") and "minute" in entries[1].time


def test_progress_follows_the_learners_workspace(tmp_path):
    workspace = tmp_path / "ws"
    sync(workspace)
    entries = contents()
    assert set(progress(workspace, entries).values()) == {NOT_STARTED}
    lecture = workspace / "course" / "01_history_lecture.ipynb"
    (lecture.parent / ".ipynb_checkpoints").mkdir()
    (lecture.parent / ".ipynb_checkpoints" / "01_history_lecture-checkpoint.ipynb").write_text("{}")
    exercise = workspace / "exercises" / "01_history" / "01_history.ipynb"
    nb = json.loads(exercise.read_text())
    nb["cells"][0]["source"] = "my notes"
    exercise.write_text(json.dumps(nb))
    status = progress(workspace, entries)
    assert status["course/01_history_lecture.ipynb"] == OPENED
    assert status["exercises/01_history/01_history.ipynb"] == WORKED_ON
    assert status["course/02_institutional_design_lecture.ipynb"] == NOT_STARTED


def test_outside_a_workspace_progress_is_unknown(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert set(progress(entries=contents()).values()) == {UNKNOWN}


def test_home_links_lectures_and_assignments_from_the_course_folder():
    entries = contents()
    page = home_html(entries, {e.path: UNKNOWN for e in entries})
    assert 'href="01_history_lecture.ipynb"' in page
    assert 'href="../exercises/01_history/01_history.ipynb"' in page
    assert '<th scope="col">' in page
