"""Generate the French edition's notebooks from the English ones and a per-cell translation catalogue.

Each English notebook with a French edition has one translation file,
``translations/fr/<notebook path>.yaml``::

    source: course/01_history_lecture.ipynb        # the English notebook
    target: course/fr/01_histoire.ipynb    # the French notebook generated from it
    cells:
      7fb450d6:                            # the id of a markdown cell of the English notebook
        en_sha: 3f1c2a9b0d4e               # sha256 (12 hex) of the English text that was translated
        en: |                              # optional: that English text, for translators and diffs
          ## 5. National initiatives ...
        fr: |
          ## 5. Les initiatives nationales ...

Only markdown cells are translated. Code cells, raw cells, cell ids and all
metadata (nbgrader grade ids, points, locked and solution flags, tags) are
copied from the English notebook, so code and hidden tests can never drift.
A translation whose ``en_sha`` no longer matches its English cell is *stale*;
the build refuses stale or missing translations unless asked to mark them.
See ``docs/translation.md``. A maintainer tool, run from a clone::

    python -m mali_ssr.editions status [--diff]     # what is stale, missing, orphaned or not rebuilt
    python -m mali_ssr.editions build               # write every French notebook (fails on drift)
    python -m mali_ssr.editions build --allow-stale # keep English text, marked, where the French is out of date
    python -m mali_ssr.editions template course/01_history_lecture.ipynb [--target course/fr/01_histoire.ipynb]
    python -m mali_ssr.editions accept course/01_history_lecture.ipynb [CELL_ID ...]   # "these translations are updated"
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

LANGUAGE = "fr"
STALE_NOTE = "[traduction à mettre à jour]"
REPOSITORY = Path(__file__).resolve().parents[2]


class DriftError(RuntimeError):
    """Some French text is stale or missing; the message lists what to translate."""


def cell_sha(source: str) -> str:
    """The fingerprint of an English cell's text, as stored in ``en_sha``."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def translation_path(english: str | Path, root: Path = REPOSITORY) -> Path:
    """Where the translation file of the English notebook ``english`` (relative to ``root``) lives."""
    relative = Path(english)
    if relative.is_absolute():
        relative = relative.relative_to(root)
    return root / "translations" / LANGUAGE / relative.with_suffix(".yaml")


@dataclass
class Translation:
    """One translation file: which English notebook, which French notebook, and the French text per cell."""

    path: Path
    source: str
    target: str
    cells: dict[str, dict[str, str]]

    @classmethod
    def load(cls, path: Path) -> Translation:
        # BaseLoader keeps every scalar a string: a cell id or sha made only of digits stays as written
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
        for key in ("source", "target"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise ValueError(f"{path}: '{key}' must name a notebook")
        cells = data.get("cells") or {}
        if not isinstance(cells, dict) or not all(isinstance(v, dict) for v in cells.values()):
            raise ValueError(f"{path}: 'cells' must map cell ids to {{en_sha, fr}}")
        return cls(path, data["source"], data["target"], cells)

    def dump(self) -> None:
        data = {"source": self.source, "target": self.target, "cells": self.cells}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=10_000),
                             encoding="utf-8")


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line text as ``|`` blocks, which translators can read and edit."""


def _represent_text(dumper: yaml.SafeDumper, text: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_BlockDumper.add_representer(str, _represent_text)


@dataclass
class Drift:
    """How a translation has drifted from its English notebook."""

    translation: Translation
    stale: list[str] = field(default_factory=list)     # English cell changed since it was translated
    missing: list[str] = field(default_factory=list)   # English markdown cell with no French text
    orphaned: list[str] = field(default_factory=list)  # translated cell id no longer in the English notebook

    def __bool__(self) -> bool:
        return bool(self.stale or self.missing or self.orphaned)

    def lines(self, english: nbformat.NotebookNode | None = None, diff: bool = False) -> list[str]:
        """The drift as a report, optionally with what changed in each stale English cell."""
        out = []
        sources = {c.get("id"): c.source for c in english.cells} if english is not None else {}
        for kind, ids in (("stale", self.stale), ("missing", self.missing), ("orphaned", self.orphaned)):
            for cell_id in ids:
                first = sources.get(cell_id, self.translation.cells.get(cell_id, {}).get("fr", "")).strip()
                out.append(f"  {kind:8} {cell_id}  {first.splitlines()[0][:70] if first else ''}")
                before = self.translation.cells.get(cell_id, {}).get("en")
                if diff and kind == "stale" and before is not None and cell_id in sources:
                    changes = difflib.unified_diff(before.splitlines(), sources[cell_id].splitlines(),
                                                   "translated English", "current English", lineterm="")
                    out.extend(f"      {line}" for line in changes)
        return out


def translations(root: Path = REPOSITORY) -> list[Translation]:
    """Every translation file of the edition, in path order."""
    folder = root / "translations" / LANGUAGE
    return [Translation.load(path) for path in sorted(folder.rglob("*.yaml"))]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def drift(translation: Translation, root: Path = REPOSITORY) -> Drift:
    """Compare a translation with the current English notebook, cell by cell."""
    english = _read(root / translation.source)
    report = Drift(translation)
    markdown = {c.get("id"): c.source for c in english.cells if c.cell_type == "markdown"}
    for cell_id, source in markdown.items():
        entry = translation.cells.get(cell_id)
        if entry is None or not entry.get("fr", "").strip():
            report.missing.append(cell_id)
        elif entry.get("en_sha") != cell_sha(source):
            report.stale.append(cell_id)
    report.orphaned = [cell_id for cell_id in translation.cells if cell_id not in markdown]
    return report


def _with_note(english: str) -> str:
    return f"> **{STALE_NOTE}**\n\n{english}"


def generate(english_path: str | Path, translation: Translation | None = None, allow_stale: bool = False,
             root: Path = REPOSITORY) -> nbformat.NotebookNode:
    """The French notebook: the English one with each markdown cell's text replaced by its translation.

    Everything else (code, raw cells, ids, metadata, outputs) is a copy of the English notebook.
    Raises :class:`DriftError` on stale or missing French text, unless ``allow_stale``: then such
    cells keep their English text under a visible note.
    """
    english_path = Path(english_path)
    if not english_path.is_absolute():
        english_path = root / english_path
    translation = translation or Translation.load(translation_path(english_path, root))
    english = _read(english_path)
    report = drift(translation, root)
    if (report.stale or report.missing) and not allow_stale:
        raise DriftError("\n".join([f"{translation.path.relative_to(root)} is out of step with {translation.source}:",
                                    *report.lines(english)]))
    french = copy.deepcopy(english)
    for cell in french.cells:
        if cell.cell_type != "markdown":
            continue
        if cell.get("id") in report.stale or cell.get("id") in report.missing:
            cell.source = _with_note(cell.source)
        else:
            cell.source = translation.cells[cell["id"]]["fr"].rstrip("\n")
    return french


def _keep_outputs(french: nbformat.NotebookNode, previous: Path) -> None:
    """Keep the French outputs already stored for code cells whose code did not change.

    Outputs are made by ``scripts/refresh_notebooks.py`` in French; copying the English ones
    would store English output in the French edition. New or changed code cells start empty.
    """
    stored = _read(previous) if previous.exists() else nbformat.v4.new_notebook()
    old = {c.get("id"): c for c in stored.cells if c.cell_type == "code"}
    for cell in french.cells:
        if cell.cell_type != "code":
            continue
        kept = old.get(cell.get("id"))
        if kept is not None and kept.source == cell.source:
            cell.outputs, cell.execution_count = kept.outputs, kept.execution_count
        else:
            cell.outputs, cell.execution_count = [], None
    french.metadata.pop("widgets", None)
    if "widgets" in stored.metadata:
        french.metadata["widgets"] = stored.metadata["widgets"]


def without_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy with what execution produces (outputs, counts, widget state) removed, for comparison."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def differences(expected: nbformat.NotebookNode, actual: nbformat.NotebookNode) -> list[str]:
    """How a committed French notebook differs from what :func:`generate` makes (outputs aside)."""
    expected, actual = without_outputs(expected), without_outputs(actual)
    found = []
    if len(expected.cells) != len(actual.cells):
        found.append(f"{len(actual.cells)} cells instead of {len(expected.cells)}")
    for number, (wanted, got) in enumerate(zip(expected.cells, actual.cells, strict=False), start=1):
        for key in ("cell_type", "id", "metadata", "source", "attachments"):
            if wanted.get(key) != got.get(key):
                found.append(f"cell {number} ({wanted.get('id')}, {wanted.cell_type}): {key} differs")
    if expected.metadata != actual.metadata:
        found.append("notebook metadata differs")
    return found


def build(root: Path = REPOSITORY, allow_stale: bool = False) -> list[Path]:
    """Write every French notebook; on drift write nothing and raise, listing every file's drift."""
    problems, notebooks = [], []
    for translation in translations(root):
        try:
            notebooks.append((root / translation.target, generate(translation.source, translation, allow_stale, root)))
        except DriftError as exc:
            problems.append(str(exc))
    if problems:
        raise DriftError("\n".join(problems))
    for target, french in notebooks:
        _keep_outputs(french, target)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(french, target)
    return [target for target, _ in notebooks]


def template(english_path: str | Path, target: str | None = None, root: Path = REPOSITORY) -> Translation:
    """Create or update the translation file of an English notebook for translators.

    Every markdown cell gets an entry; a new one carries its English text (``en``) and an empty
    ``fr``. Existing French text and its ``en_sha`` are kept, so a changed cell stays stale until
    :func:`accept`; a stale entry also gets the current English as ``en_now``. Entries of cells
    that no longer exist are dropped.
    """
    english_path = Path(english_path)
    relative = english_path.relative_to(root) if english_path.is_absolute() else english_path
    path = translation_path(relative, root)
    if path.exists():
        old = Translation.load(path)
    else:
        if target is None:
            raise ValueError(f"{path} does not exist yet: say where the French notebook goes with --target")
        old = Translation(path, relative.as_posix(), target, {})
    cells = {}
    for cell in _read(root / relative).cells:
        if cell.cell_type != "markdown":
            continue
        entry = old.cells.get(cell["id"], {})
        sha = cell_sha(cell.source)
        if not entry.get("fr", "").strip():
            cells[cell["id"]] = {"en_sha": sha, "en": cell.source, "fr": entry.get("fr", "")}
            continue
        cells[cell["id"]] = {key: entry[key] for key in ("en_sha", "en") if key in entry}
        if entry.get("en_sha") != sha:
            cells[cell["id"]]["en_now"] = cell.source
        cells[cell["id"]]["fr"] = entry["fr"]
    translation = Translation(path, old.source, target or old.target, cells)
    translation.dump()
    return translation


def accept(english_path: str | Path, cell_ids: list[str] | None = None, root: Path = REPOSITORY) -> list[str]:
    """Record that the French text of stale cells (all, or those named) now matches the current English."""
    path = translation_path(english_path, root)
    translation = Translation.load(path)
    english = {c["id"]: c.source for c in _read(root / translation.source).cells if c.cell_type == "markdown"}
    chosen = cell_ids or drift(translation, root).stale
    for cell_id in chosen:
        if cell_id not in english or cell_id not in translation.cells:
            raise KeyError(f"{cell_id}: no translated markdown cell with this id in {translation.source}")
        entry = translation.cells[cell_id]
        entry.pop("en_now", None)
        entry.update(en_sha=cell_sha(english[cell_id]), en=english[cell_id])
    translation.dump()
    return chosen


def status(root: Path = REPOSITORY, diff: bool = False) -> tuple[bool, list[str]]:
    """(in step?, report lines) for every translation file."""
    lines, clean = [], True
    for translation in translations(root):
        report = drift(translation, root)
        cells = len(translation.cells)
        if report:
            clean = False
            lines.append(f"{translation.source} -> {translation.target}: {len(report.stale)} stale, "
                         f"{len(report.missing)} missing, {len(report.orphaned)} orphaned ({cells} translated cells)")
            lines.extend(report.lines(_read(root / translation.source), diff=diff))
            continue
        target = root / translation.target
        unbuilt = differences(generate(translation.source, translation, root=root), _read(target)) \
            if target.exists() else ["not built yet"]
        if unbuilt:
            clean = False
            lines.append(f"{translation.source} -> {translation.target}: translations in step, but the French "
                         "notebook is not what build makes (run build, then refresh its outputs):")
            lines.extend(f"  {line}" for line in unbuilt)
        else:
            lines.append(f"{translation.source} -> {translation.target}: in step ({cells} cells)")
    return clean, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mali_ssr.editions", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPOSITORY, help="the repository (default: this clone)")
    commands = parser.add_subparsers(dest="command", required=True)
    built = commands.add_parser("build", help="write every French notebook from its English source and translation")
    built.add_argument("--allow-stale", action="store_true",
                       help=f"keep the English text of stale or missing cells, marked {STALE_NOTE}")
    checked = commands.add_parser("status", help="report stale, missing and orphaned translations")
    checked.add_argument("--diff", action="store_true", help="show how each stale English cell changed")
    skeleton = commands.add_parser("template", help="create or update a notebook's translation file")
    skeleton.add_argument("notebook", help="the English notebook, e.g. course/01_history_lecture.ipynb")
    skeleton.add_argument("--target", help="the French notebook to generate (needed for a new file)")
    accepted = commands.add_parser("accept", help="mark stale translations as updated to the current English")
    accepted.add_argument("notebook")
    accepted.add_argument("cell_ids", nargs="*", help="cells to mark (default: every stale cell)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.command == "build":
            for path in build(root, args.allow_stale):
                print(f"wrote {path.relative_to(root)}")
            print("now refresh their outputs: python scripts/refresh_notebooks.py " + " ".join(
                t.target for t in translations(root)))
        elif args.command == "status":
            clean, lines = status(root, args.diff)
            print("\n".join(lines))
            return 0 if clean else 1
        elif args.command == "template":
            translation = template(args.notebook, args.target, root)
            print(f"wrote {translation.path.relative_to(root)} ({len(translation.cells)} markdown cells)")
        else:
            marked = accept(args.notebook, args.cell_ids, root)
            print(f"marked {len(marked)} cell(s) as up to date: {' '.join(marked)}")
    except (DriftError, ValueError, KeyError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        if isinstance(exc, DriftError):
            print("translate these cells (python -m mali_ssr.editions status --diff), or build with --allow-stale",
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
