"""The course home page: modules, assignments, time needed, and the learner's progress.

:func:`contents` reads the notebooks themselves (title = first heading, time = the
"Estimated time" line), so the page never goes out of date. :func:`progress` reads
the workspace that ``mali-ssr start`` made: its manifest
(``.mali-ssr/manifest.json``) records the checksum of each notebook as it was
copied, so a notebook whose checksum changed holds the learner's saved work, and
JupyterLab's checkpoint file shows that a notebook was opened and saved.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from .i18n import _
from .workspace import MANIFEST, STATE_DIR, notebooks_root

NOT_STARTED, OPENED, WORKED_ON, MISSING, UNKNOWN = "not-started", "opened", "worked-on", "missing", "unknown"
ESTIMATED_TIME = re.compile(r"\*\*(?:Estimated time|Durée estimée)\s*:\*\*\s*([^.(\n]+)", re.I)


@dataclass(frozen=True)
class Entry:
    """One notebook of the course as the home page lists it."""

    path: str  # relative to the workspace (or course root), e.g. "course/01_history_lecture.ipynb"
    kind: str  # "lecture" or "assignment"
    number: int
    title: str
    time: str | None


def _markdown(nb: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]


def _describe(path: Path, rel: str, kind: str) -> Entry:
    cells = _markdown(json.loads(path.read_text(encoding="utf-8")))
    text = "\n".join(cells)
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
    time = ESTIMATED_TIME.search(text)
    return Entry(rel, kind, int(path.name[:2]), title, time.group(1).strip() if time else None)


def contents(root: Path | None = None, lang: str | None = None) -> list[Entry]:
    """The lectures (course/NN_*.ipynb) then the assignments (exercises/NN_*/NN_*.ipynb), in order.

    In the French edition (``lang``, by default the language in use) they are the French
    notebooks: ``course/fr/`` and the ``*_fr`` assignments; the English edition lists neither.
    """
    from .data import _data_language

    root = root or notebooks_root()
    french = _data_language(lang) == "fr"
    lectures = sorted((root / "course" / "fr" if french else root / "course").glob("[0-9][0-9]_*.ipynb"))
    exercises = [p for p in sorted((root / "exercises").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
                 if p.parent.name.endswith("_fr") == french]
    return ([_describe(p, p.relative_to(root).as_posix(), "lecture") for p in lectures]
            + [_describe(p, p.relative_to(root).as_posix(), "assignment") for p in exercises])


def find_workspace(start: Path | None = None) -> Path | None:
    """The workspace folder holding ``start`` (default: the current folder), if ``mali-ssr start`` made one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_DIR / MANIFEST).is_file():
            return folder
    return None


def progress(workspace: Path | None = None, entries: list[Entry] | None = None) -> dict[str, str]:
    """Relative path -> status (not-started, opened, worked-on, missing; unknown outside a workspace)."""
    entries = entries if entries is not None else contents()
    workspace = workspace or find_workspace()
    if workspace is None:
        return {e.path: UNKNOWN for e in entries}
    try:
        manifest = json.loads((workspace / STATE_DIR / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    out = {}
    for entry in entries:
        path = workspace / entry.path
        if not path.is_file():
            out[entry.path] = MISSING
        elif manifest.get(entry.path) not in (None, hashlib.sha256(path.read_bytes()).hexdigest()):
            out[entry.path] = WORKED_ON
        elif (path.parent / ".ipynb_checkpoints" / f"{path.stem}-checkpoint.ipynb").is_file():
            out[entry.path] = OPENED
        else:
            out[entry.path] = NOT_STARTED
    return out


def _status_label(status: str) -> str:
    return {NOT_STARTED: _("not started"), OPENED: _("opened"), WORKED_ON: _("worked on (your changes are saved)"),
            MISSING: _("not in your workspace (run mali-ssr start again)"), UNKNOWN: "—"}[status]


def home_html(entries: list[Entry], statuses: dict[str, str], here: str = "course") -> str:
    """A table per kind with a link to each notebook (relative to the folder ``here``), time and progress."""
    def link(entry: Entry) -> str:
        target = posixpath.relpath(entry.path, here)
        return f'<a href="{html.escape(target)}">{html.escape(entry.title)}</a>'

    parts = []
    for kind, heading in (("lecture", _("Modules")), ("assignment", _("Assignments"))):
        rows = "".join(
            f"<tr><td>{e.number}</td><td>{link(e)}</td><td>{html.escape(e.time or '—')}</td>"
            f"<td>{html.escape(_status_label(statuses.get(e.path, UNKNOWN)))}</td></tr>"
            for e in entries if e.kind == kind)
        parts.append(
            f"<h2>{html.escape(heading)}</h2>"
            f'<table style="text-align:left"><thead><tr><th scope="col">{html.escape(_("No."))}</th>'
            f'<th scope="col">{html.escape(_("Notebook"))}</th><th scope="col">{html.escape(_("Time needed"))}</th>'
            f'<th scope="col">{html.escape(_("Your progress"))}</th></tr></thead><tbody>{rows}</tbody></table>')
    if all(s == UNKNOWN for s in statuses.values()):
        parts.append(f"<p><small>{html.escape(_('Progress is shown when you open the course with mali-ssr start.'))}"
                     "</small></p>")
    return "".join(parts)
