"""`mali-ssr start` copies notebooks and never loses the learner's work."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mali_ssr import cli, workspace
from mali_ssr.workspace import STATE_DIR, UPDATED_SUFFIX, WorkspaceError, sync


def _nb(text: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": text}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def originals(tmp_path) -> Path:
    root = tmp_path / "package"
    (root / "course").mkdir(parents=True)
    (root / "exercises" / "01_history").mkdir(parents=True)
    (root / "course" / "00_start.ipynb").write_text(_nb("start v1"))
    (root / "course" / "01_history.ipynb").write_text(_nb("history v1"))
    (root / "exercises" / "01_history" / "01_history.ipynb").write_text(_nb("exercise v1"))
    return root


def test_first_run_copies_everything(originals, tmp_path):
    ws = tmp_path / "ws"
    report = sync(ws, root=originals)
    assert sorted(report.copied) == ["course/00_start.ipynb", "course/01_history.ipynb",
                                     "exercises/01_history/01_history.ipynb"]
    assert (ws / "course" / "01_history.ipynb").read_text() == _nb("history v1")
    assert workspace.first_notebook(ws) == "course/00_start.ipynb"


def test_second_run_is_a_no_op(originals, tmp_path):
    ws = tmp_path / "ws"
    sync(ws, root=originals)
    report = sync(ws, root=originals)
    assert not (report.copied or report.updated or report.kept)
    assert "up to date" in report.lines()[-1]


def test_upgrade_updates_untouched_files_and_keeps_changed_ones(originals, tmp_path):
    ws = tmp_path / "ws"
    sync(ws, root=originals)
    learner = ws / "course" / "01_history.ipynb"
    learner.write_text(_nb("my notes"))
    (originals / "course" / "01_history.ipynb").write_text(_nb("history v2"))
    (originals / "course" / "00_start.ipynb").write_text(_nb("start v2"))
    (originals / "course" / "02_design.ipynb").write_text(_nb("design v1"))

    report = sync(ws, root=originals)

    assert report.copied == ["course/02_design.ipynb"]
    assert report.updated == ["course/00_start.ipynb"]
    assert report.kept == ["course/01_history.ipynb"]
    assert learner.read_text() == _nb("my notes")  # the learner's work stays
    beside = ws / "course" / ("01_history" + UPDATED_SUFFIX)
    assert beside.read_text() == _nb("history v2")  # the new original is beside it
    assert (ws / "course" / "00_start.ipynb").read_text() == _nb("start v2")
    backup = ws / report.backups[0][1]
    assert backup.read_text() == _nb("start v1")  # even untouched files are backed up
    text = "\n".join(report.lines())
    assert "01_history.ipynb" in text and "kept 1" in text


def test_changed_file_without_newer_original_is_left_alone(originals, tmp_path):
    ws = tmp_path / "ws"
    sync(ws, root=originals)
    (ws / "course" / "01_history.ipynb").write_text(_nb("my notes"))
    report = sync(ws, root=originals)
    assert report.kept == [] and not list((ws / "course").glob(f"*{UPDATED_SUFFIX}"))


def test_existing_learner_file_not_in_manifest_is_kept(originals, tmp_path):
    ws = tmp_path / "ws"
    (ws / "course").mkdir(parents=True)
    (ws / "course" / "00_start.ipynb").write_text(_nb("mine"))
    report = sync(ws, root=originals)
    assert report.kept == ["course/00_start.ipynb"]
    assert (ws / "course" / "00_start.ipynb").read_text() == _nb("mine")


def test_corrupt_manifest_is_moved_aside_and_nothing_lost(originals, tmp_path):
    ws = tmp_path / "ws"
    sync(ws, root=originals)
    (ws / "course" / "01_history.ipynb").write_text(_nb("my notes"))
    (ws / STATE_DIR / "manifest.json").write_text("{not json")
    report = sync(ws, root=originals)
    assert any("damaged" in w for w in report.warnings)
    assert list((ws / STATE_DIR).glob("manifest.json.damaged-*"))
    assert (ws / "course" / "01_history.ipynb").read_text() == _nb("my notes")
    assert report.kept == ["course/01_history.ipynb"]


def test_workspace_that_is_a_file(originals, tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        sync(target, root=originals)
    assert target.read_text() == "x"


def test_workspace_that_cannot_be_created(originals, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    with pytest.raises(WorkspaceError, match="cannot write to the workspace"):
        sync(blocker / "ws", root=originals)


def test_read_only_workspace(originals, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    sync(ws, root=originals)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_text", refuse)
    with pytest.raises(WorkspaceError, match="Permission denied"):
        sync(ws, root=originals)


def test_cli_start_without_launch(tmp_path, capsys):
    ws = tmp_path / "course-ws"
    assert cli.main(["start", "--dir", str(ws), "--no-launch"]) == 0
    out = capsys.readouterr().out
    assert "copied" in out
    assert sorted(p.name for p in (ws / "course").glob("*.ipynb"))
    assert not (ws / "solutions").exists()
    assert cli.main(["start", "--dir", str(ws), "--no-launch", "--solutions"]) == 0
    assert (ws / "solutions").is_dir()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_notebook_of_a_workspace_has_its_own_name(tmp_path, lang):
    """Tabs and file lists show only the file name: a lecture, its exercise and its solution must differ (#16)."""
    ws = tmp_path / "ws"
    sync(ws, ("course", "exercises", "solutions"), lang=lang)
    names = [p.name for p in ws.rglob("*.ipynb") if ".mali-ssr" not in p.parts]
    assert len(names) > 10
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
    assert any(n.endswith("_solution.ipynb") for n in names)


def test_cli_start_reports_bad_workspace(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("x")
    assert cli.main(["start", "--dir", str(target), "--no-launch"]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["start"], ["check"], ["reset"], ["grade"], ["report"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--help"])
    assert info.value.code == 0
    assert "usage: mali-ssr" in capsys.readouterr().out


def test_reset_backs_up_the_learners_copy(originals, tmp_path):
    from mali_ssr.workspace import reset

    ws = tmp_path / "ws"
    sync(ws, root=originals)
    (ws / "course" / "01_history.ipynb").write_text(_nb("my notes"))
    backup = reset(ws, "course/01_history.ipynb", root=originals)
    assert backup.read_text() == _nb("my notes")
    assert (ws / "course" / "01_history.ipynb").read_text() == _nb("history v1")
    assert sync(ws, root=originals).kept == []  # the restored file counts as untouched again
    with pytest.raises(WorkspaceError, match="not one of the course's notebooks"):
        reset(ws, "course/nope.ipynb", root=originals)


def test_cli_reset(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert cli.main(["start", "--dir", str(ws), "--no-launch"]) == 0
    first = sorted((ws / "course").glob("*.ipynb"))[0]
    first.write_text("{}")
    assert cli.main(["reset", f"course/{first.name}", "--dir", str(ws)]) == 0
    assert "previous copy is kept" in capsys.readouterr().out
    assert first.read_text() != "{}"


def test_start_passes_jupyterlab_options_through(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command, cwd, env: calls.append(command) or 0)
    assert cli.main(["start", "--dir", str(tmp_path / "ws"), "--no-browser", "--port", "9999", "--lang", "en",
                     "--", "--ServerApp.ip=127.0.0.1"]) == 0
    command = calls[0]
    assert command[1:3] == ["-m", "jupyterlab"]
    assert "--port=9999" in command and "--no-browser" in command and "--ServerApp.ip=127.0.0.1" in command
    assert "--" not in command
    assert command[-1] == "course/index.ipynb"  # the course home


def test_start_in_french_opens_a_french_workspace_with_a_french_jupyterlab(tmp_path, monkeypatch, capsys):
    """`mali-ssr start --lang fr`: the French edition only, JupyterLab's French locale, French kernels."""
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command, cwd, env: calls.append((command, env)) or 0)
    ws = tmp_path / "cours"
    assert cli.main(["start", "--lang", "fr", "--dir", str(ws), "--no-browser"]) == 0
    notebooks = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*.ipynb"))
    assert notebooks and all(workspace.edition_of(n) == "fr" for n in notebooks), notebooks
    assert "course/fr/01_histoire.ipynb" in notebooks and "exercises/01_history_fr/01_history_fr.ipynb" in notebooks
    command, env = calls[0]
    assert command[-1] == "course/fr/index.ipynb"
    assert env["MALI_SSR_LANG"] == "fr"
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    assert json.loads(settings.read_text())["locale"] == "fr_FR"
    assert "course/fr/index.ipynb" in capsys.readouterr().out


def test_the_english_workspace_holds_no_french_notebook(tmp_path):
    ws = tmp_path / "course"
    sync(ws, ("course", "exercises", "solutions"), lang="en")
    notebooks = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*.ipynb"))
    assert "course/01_history_lecture.ipynb" in notebooks
    assert not [n for n in notebooks if workspace.edition_of(n) == "fr"]


def test_french_lab_settings_start_from_the_learners_own(tmp_path, monkeypatch):
    """The French workspace's JupyterLab keeps the learner's settings; only the language is set."""
    mine = tmp_path / "my-settings" / "@jupyterlab" / "notebook-extension"
    mine.mkdir(parents=True)
    (mine / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "my-settings"))
    env = workspace.lab_settings_for("fr", tmp_path / "cours")
    copied = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    assert json.loads(copied.read_text()) == {"windowingMode": "none"}


def test_english_start_leaves_jupyterlab_settings_alone(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command, cwd, env: calls.append(env) or 0)
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "mine"))
    assert cli.main(["start", "--lang", "en", "--dir", str(tmp_path / "ws"), "--no-browser"]) == 0
    assert calls[0]["JUPYTERLAB_SETTINGS_DIR"] == str(tmp_path / "mine") and calls[0]["MALI_SSR_LANG"] == "en"


def _nbgrader_lab_plugin_ids() -> set[str]:
    """The plugin ids the installed nbgrader lab extension registers (read from its built JavaScript)."""
    import re

    import nbgrader

    static = Path(nbgrader.__file__).parent / "labextension" / "static"
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in static.glob("*.js"))
    return set(re.findall(r'"(@jupyter/nbgrader:[\w-]+)"', text))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_start_hides_nbgraders_instructor_tools(tmp_path, monkeypatch, lang):
    """The learner's JupyterLab gets a config folder that disables the formgrader, course list and create-assignment."""
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command, cwd, env: calls.append(env) or 0)
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(tmp_path / "site-config"))
    assert cli.main(["start", "--lang", lang, "--dir", str(tmp_path / "ws"), "--no-browser"]) == 0
    paths = calls[0]["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert paths[1:] == [str(tmp_path / "site-config")], "the config path already set must be kept, after ours"
    config = Path(paths[0])
    assert config.is_relative_to((tmp_path / "ws").resolve())
    disabled = json.loads((config / "labconfig" / "page_config.json").read_text())["disabledExtensions"]
    hidden = {plugin for plugin, off in disabled.items() if off}
    assert hidden == {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                      "@jupyter/nbgrader:create-assignment"}
    installed = _nbgrader_lab_plugin_ids()
    assert hidden <= installed, f"nbgrader's plugin ids changed: {sorted(installed)}"
    student_side = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment",
                    "@jupyter/nbgrader:menu"}
    assert student_side <= installed and not student_side & hidden, "students keep the assignment list and Validate"
    server = json.loads((config / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server == {"nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False}


def test_instructor_keeps_nbgraders_tools(tmp_path, monkeypatch):
    """`mali-ssr instructor` adds no config folder: the formgrader stays."""
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    command = cli.instructor_command(tmp_path, None, True, [])
    assert not any("disabled" in part.lower() or "jupyter-config" in part for part in command)
    assert "--ServerApp.default_url=/formgrader" in command
