"""Copy the course notebooks into a learner's workspace without ever losing their work.

A small record, ``.mali-ssr/manifest.json``, remembers the checksum of each
original as it was copied. On the next run a file whose checksum still matches
was not touched by the learner and may be updated; a file that differs is the
learner's work and stays as it is (the newer original is put beside it). Before
anything is replaced, a copy goes to ``.mali-ssr/backups/<time>/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import _, ngettext

STATE_DIR = ".mali-ssr"
MANIFEST = "manifest.json"
UPDATED_SUFFIX = ".course-update.ipynb"
SECTIONS = ("course", "exercises", "solutions")
SOLUTION_SUFFIX = "_solution"


class WorkspaceError(RuntimeError):
    """The workspace cannot be used; the message says why. Nothing was changed."""


def notebooks_root() -> Path:
    """Folder holding course/, exercises/ and solutions/ (inside the wheel, or the repository)."""
    repository = Path(__file__).resolve().parents[2]
    if (repository / "pyproject.toml").is_file() and (repository / "course").is_dir():
        return repository  # a checkout (editable install): the notebooks as they are now, not an install-time copy
    packaged = Path(__file__).resolve().parent / "notebooks"
    if (packaged / "course").is_dir():
        return packaged
    raise WorkspaceError(_("the course notebooks are not installed with this package"))


def edition_of(relative: str) -> str:
    """``fr`` for the French edition's notebooks (``course/fr/``, ``*_fr`` assignments), else ``en``."""
    parts = Path(relative).parts
    return "fr" if (parts[:2] == ("course", "fr") or any(p.endswith("_fr") for p in parts[1:2])) else "en"


def originals(sections: tuple[str, ...] = ("course", "exercises"), root: Path | None = None,
              lang: str | None = None) -> dict[str, Path]:
    """Relative workspace path -> original file, for the notebooks of the chosen sections (of one edition)."""
    root = root or notebooks_root()
    found: dict[str, Path] = {}
    for section in sections:
        base = root / section
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            relative = path.relative_to(root).as_posix()
            if lang is None or edition_of(relative) == lang:
                found[workspace_name(relative)] = path
    return found


def workspace_name(relative: str) -> str:
    """A solution keeps its folder but gets its own name (``01_history_solution.ipynb``), so that tabs and file
    lists tell it from the exercise of the same assignment; nbgrader's pairing lives in the course, not here."""
    if relative.startswith("solutions/") and relative.endswith(".ipynb"):
        return relative[: -len(".ipynb")] + SOLUTION_SUFFIX + ".ipynb"
    return relative


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class SyncReport:
    workspace: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    backups: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = list(self.warnings)
        if self.copied:
            out.append(ngettext("copied {n} new notebook into {dir}", "copied {n} new notebooks into {dir}",
                                len(self.copied)).format(n=len(self.copied), dir=self.workspace))
        if self.updated:
            out.append(ngettext("updated {n} notebook you had not changed", "updated {n} notebooks you had not changed",
                                len(self.updated)).format(n=len(self.updated)))
        for original, backup in self.backups:
            out.append("  " + _("backed up {path} to {backup}").format(path=original, backup=backup))
        if self.kept:
            out.append(ngettext(
                "kept {n} notebook you have changed (the course's newer original is beside it as {suffix}):",
                "kept {n} notebooks you have changed (the course's newer original is beside each as {suffix}):",
                len(self.kept)).format(n=len(self.kept), suffix=UPDATED_SUFFIX))
            out.extend(f"  {name}" for name in self.kept)
        if not (self.copied or self.updated or self.kept):
            out.append(_("your workspace {dir} is up to date").format(dir=self.workspace))
        return out


def _load_manifest(state: Path, report: SyncReport) -> dict[str, str]:
    path = state / MANIFEST
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
            raise ValueError(_("not a mapping of file names to checksums"))
        return manifest
    except (ValueError, UnicodeDecodeError) as exc:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{MANIFEST}.damaged-{stamp}")
        path.replace(aside)
        report.warnings.append(_("the workspace record {path} is damaged ({detail}); it was moved aside to {backup} "
                                 "and every file you have is kept").format(path=path, detail=exc, backup=aside))
        return {}


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def sync(workspace: str | Path, sections: tuple[str, ...] = ("course", "exercises"),
         root: Path | None = None, lang: str = "en") -> SyncReport:
    """Bring ``workspace`` up to date with the course originals, keeping the learner's changes."""
    workspace = Path(workspace).expanduser().resolve()
    report = SyncReport(workspace)
    if workspace.exists() and not workspace.is_dir():
        raise WorkspaceError(_("cannot use {dir} as the workspace: it exists and is not a folder").format(dir=workspace))
    try:
        state = workspace / STATE_DIR
        state.mkdir(parents=True, exist_ok=True)
        probe = state / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise WorkspaceError(_("cannot write to the workspace {dir}: {detail}").format(
            dir=workspace, detail=exc.strerror or exc)) from None

    manifest = _load_manifest(state, report)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    try:
        for rel, original in originals(sections, root, lang).items():
            target = workspace / rel
            new_digest = _digest(original)
            if not target.exists():
                _write_atomic(target, original.read_bytes())
                report.copied.append(rel)
                manifest[rel] = new_digest
                continue
            current = _digest(target)
            if current == new_digest:
                manifest[rel] = new_digest
                continue
            if manifest.get(rel) == current:
                # The learner never changed it: safe to update, but keep a backup anyway.
                backup = state / "backups" / stamp / rel
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, backup)
                report.backups.append((rel, str(backup.relative_to(workspace))))
                _write_atomic(target, original.read_bytes())
                report.updated.append(rel)
                manifest[rel] = new_digest
            elif manifest.get(rel) == new_digest:
                continue  # the learner's work, and the course has nothing newer
            else:
                # The learner's work: never touched. The newer original goes beside it.
                beside = target.with_name(target.name[: -len(".ipynb")] + UPDATED_SUFFIX)
                _write_atomic(beside, original.read_bytes())
                report.kept.append(rel)
    except OSError as exc:
        raise WorkspaceError(_("cannot write to the workspace {dir}: {detail}").format(dir=workspace, detail=exc)) from None
    finally:
        _write_atomic(state / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return report


def first_notebook(workspace: Path, lang: str = "en") -> str | None:
    """Relative path of the edition's first lecture notebook, to open JupyterLab on it."""
    folder = Path(workspace) / "course" / ("fr" if lang == "fr" else "")
    home = folder / "index.ipynb"  # the course home: contents, links and progress
    course = [home] if home.is_file() else sorted(folder.glob("[0-9]*.ipynb"))
    return course[0].relative_to(workspace).as_posix() if course else None


def reset(workspace: str | Path, notebook: str, root: Path | None = None) -> Path:
    """Put the course's original of ``notebook`` back, after backing up the learner's copy.

    Returns the backup's path. ``notebook`` is relative to the workspace, e.g.
    ``course/01_history_lecture.ipynb``.
    """
    workspace = Path(workspace).expanduser().resolve()
    known = originals(SECTIONS, root)
    rel = Path(notebook).as_posix()
    if rel not in known:
        raise WorkspaceError(_("{notebook} is not one of the course's notebooks; choose one of: {choices}").format(
            notebook=notebook, choices=", ".join(sorted(known))))
    target = workspace / rel
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = workspace / STATE_DIR / "backups" / stamp / rel
    try:
        if target.exists():
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, backup)
        _write_atomic(target, known[rel].read_bytes())
        manifest_path = workspace / STATE_DIR / MANIFEST
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
        manifest[rel] = _digest(known[rel])
        _write_atomic(manifest_path, json.dumps(manifest, indent=1, sort_keys=True).encode())
    except (OSError, ValueError) as exc:
        raise WorkspaceError(_("cannot write to the workspace {dir}: {detail}").format(dir=workspace, detail=exc)) from None
    return backup


#: JupyterLab's locale for each course language (French comes from the ``jupyterlab-language-pack-fr-FR`` package).
LAB_LOCALES = {"en": "en", "fr": "fr_FR"}
LAB_SETTINGS_DIR = "lab-user-settings"
_TRANSLATION_SETTINGS = Path("@jupyterlab") / "translation-extension" / "plugin.jupyterlab-settings"


def lab_settings_for(lang: str, workspace: str | Path) -> dict[str, str]:
    """Write the workspace's own JupyterLab user settings for ``lang``; return the environment for its server.

    JupyterLab reads its user settings from ``JUPYTERLAB_SETTINGS_DIR``; giving each
    workspace its own folder (inside ``.mali-ssr/``) lets a French and an English
    workspace live side by side, each opening in its language, without touching the
    learner's settings in ``~/.jupyter``. Other settings already in the file are kept.
    """
    if lang not in LAB_LOCALES:
        raise WorkspaceError(_("unknown language {lang!r}; choose one of: {choices}").format(
            lang=lang, choices=", ".join(LAB_LOCALES)))
    settings_dir = Path(workspace).expanduser().resolve() / STATE_DIR / LAB_SETTINGS_DIR
    target = settings_dir / _TRANSLATION_SETTINGS
    yours = Path(os.environ.get("JUPYTERLAB_SETTINGS_DIR") or Path.home() / ".jupyter" / "lab" / "user-settings")
    if not settings_dir.exists() and yours.is_dir() and yours.resolve() != settings_dir:
        try:  # start from the learner's own JupyterLab settings: only the language differs
            shutil.copytree(yours, settings_dir, ignore=shutil.ignore_patterns("*.lock"))
        except OSError:
            pass
    try:
        current = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    except (OSError, ValueError):
        current = {}  # a damaged settings file is replaced: it holds nothing but interface preferences
    settings = {**(current if isinstance(current, dict) else {}), "locale": LAB_LOCALES[lang]}
    try:
        _write_atomic(target, (json.dumps(settings, indent=2) + "\n").encode())
    except OSError as exc:
        raise WorkspaceError(_("cannot write to the workspace {dir}: {detail}").format(
            dir=workspace, detail=exc)) from None
    return {"JUPYTERLAB_SETTINGS_DIR": str(settings_dir)}


#: nbgrader's instructor side, hidden in a learner's workspace: the JupyterLab plugins of the formgrader,
#: the course list and the "Create Assignment" cell toolbar, and the server extensions behind the first two.
#: The student side (the assignment list and the notebook's "Validate" button) stays.
INSTRUCTOR_LAB_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                          "@jupyter/nbgrader:create-assignment")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
LAB_CONFIG_DIR = "jupyter-config"


def student_lab_config(workspace: str | Path) -> dict[str, str]:
    """Write the workspace's own Jupyter config folder, which hides nbgrader's instructor tools; return the environment.

    JupyterLab reads ``labconfig/page_config.json`` (its ``disabledExtensions``) and the
    server reads ``jupyter_server_config.json`` from every folder on ``JUPYTER_CONFIG_PATH``,
    which rank above the installation's own config. Only this workspace's server gets the
    folder, so the instructor's ``mali-ssr instructor`` (the course root) keeps the tools.
    """
    config_dir = Path(workspace).expanduser().resolve() / STATE_DIR / LAB_CONFIG_DIR
    page_config = {"disabledExtensions": {plugin: True for plugin in INSTRUCTOR_LAB_PLUGINS}}
    server_config = {"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_SERVER_EXTENSIONS}}}
    try:
        _write_atomic(config_dir / "labconfig" / "page_config.json", (json.dumps(page_config, indent=2) + "\n").encode())
        _write_atomic(config_dir / "jupyter_server_config.json", (json.dumps(server_config, indent=2) + "\n").encode())
    except OSError as exc:
        raise WorkspaceError(_("cannot write to the workspace {dir}: {detail}").format(
            dir=workspace, detail=exc)) from None
    others = [p for p in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    return {"JUPYTER_CONFIG_PATH": os.pathsep.join([str(config_dir), *others])}
