"""The French assignment translations cover their English notebooks and keep nbgrader's markers.

A translation file (``translations/fr/solutions/<a>/<a>.yaml``) holds one French
text per *markdown* cell of the English notebook, keyed by cell id, with the
fingerprint (``en_sha``) of the English source it was made from; code cells and
metadata are copied from the English notebook by the edition tool, never
translated. These checks make drift visible: a new, removed or changed English
cell, a lost mark-scheme marker, or a changed question number or point value.
"""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = sorted((ROOT / "translations" / "fr" / "solutions").glob("*/*.yaml"))
#: English notebook -> its French edition (a French text names the French lecture where the English names its own)
FRENCH_NOTEBOOKS = {entry["source"]: entry["target"] for entry in
                    (yaml.safe_load(p.read_text(encoding="utf-8")) for p in (ROOT / "translations" / "fr").rglob("*.yaml"))}
ENGLISH = sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb") if not p.parent.name.endswith("_fr"))
# nbgrader's delimiters and placeholders: they must survive translation exactly, as many times as in English
MARKERS = ("=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ===", "### BEGIN SOLUTION", "### END SOLUTION",
           "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "YOUR ANSWER HERE", "YOUR CODE HERE",
           "NotImplementedError")
HEADING = re.compile(r"^#{1,6} .*$", re.MULTILINE)
CODE_SPAN = re.compile(r"`([^`\n]+)`")


def english_sha(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def problems(translation: dict, notebook) -> list[str]:
    """Everything that makes ``translation`` out of step with the English ``notebook``."""
    found = []
    markdown = {c.id: c for c in notebook.cells if c.cell_type == "markdown"}
    cells = translation.get("cells") or {}
    for cid in markdown.keys() - cells.keys():
        found.append(f"{cid}: English markdown cell has no French")
    for cid in cells.keys() - markdown.keys():
        found.append(f"{cid}: not a markdown cell of the English notebook")
    for cid in markdown.keys() & cells.keys():
        english, entry = markdown[cid].source, cells[cid]
        french = entry.get("fr") or ""
        if entry.get("en_sha") != english_sha(english):
            found.append(f"{cid}: stale (en_sha {entry.get('en_sha')}, English now {english_sha(english)})")
        if not french.strip():
            found.append(f"{cid}: empty French text")
        for marker in MARKERS:
            if english.count(marker) != french.count(marker):
                found.append(f"{cid}: {marker!r} appears {english.count(marker)} time(s) in English, "
                             f"{french.count(marker)} in French")
        # same sections, same question numbers and points: the digits of every heading, in order
        en_heads, fr_heads = HEADING.findall(english), HEADING.findall(french)
        if len(en_heads) != len(fr_heads):
            found.append(f"{cid}: {len(en_heads)} heading(s) in English, {len(fr_heads)} in French")
        elif [re.findall(r"\d+", h) for h in en_heads] != [re.findall(r"\d+", h) for h in fr_heads]:
            found.append(f"{cid}: headings number questions or points differently")
        # ids, variable names and values the student types: every code span without spaces survives
        for span in CODE_SPAN.findall(english):
            if span in FRENCH_NOTEBOOKS and f"`{FRENCH_NOTEBOOKS[span]}`" in french:
                continue  # the French edition points to the French lecture
            if " " not in span and f"`{span}`" not in french:
                found.append(f"{cid}: code `{span}` is missing from the French")
    return found


def _load(path: Path) -> tuple[dict, object]:
    translation = yaml.safe_load(path.read_text(encoding="utf-8"))
    return translation, nbformat.read(ROOT / translation["source"], as_version=4)


def test_every_english_assignment_has_a_french_translation_file():
    sources = {yaml.safe_load(p.read_text(encoding="utf-8"))["source"] for p in TRANSLATIONS}
    assert sources == {p.relative_to(ROOT).as_posix() for p in ENGLISH}


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: p.stem)
def test_translation_covers_every_markdown_cell_in_step(path):
    translation, notebook = _load(path)
    name = Path(translation["source"]).stem
    assert translation["target"] == f"solutions/{name}_fr/{name}_fr.ipynb"
    found = problems(translation, notebook)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: p.stem)
def test_written_answer_cells_keep_their_mark_scheme(path):
    translation, notebook = _load(path)
    graded = [c for c in notebook.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert graded, "every assignment has written answers"
    for cell in graded:
        french = translation["cells"][cell.id]["fr"]
        assert french.startswith("=== BEGIN MARK SCHEME ===") and french.endswith("=== END MARK SCHEME ===")


# ------------------------------------------------- the check catches each kind of drift


@pytest.fixture(scope="module")
def history():
    return _load(next(p for p in TRANSLATIONS if p.stem == "01_history"))


def _graded_id(notebook) -> str:
    return next(c.id for c in notebook.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution"))


def test_check_reports_a_missing_cell(history):
    translation, notebook = copy.deepcopy(history)
    cid = next(iter(translation["cells"]))
    del translation["cells"][cid]
    assert problems(translation, notebook) == [f"{cid}: English markdown cell has no French"]


def test_check_reports_a_changed_english_cell(history):
    translation, notebook = copy.deepcopy(history)
    cell = next(c for c in notebook.cells if c.cell_type == "markdown")
    cell.source += "\nOne more sentence."
    stored = translation["cells"][cell.id]["en_sha"]
    assert problems(translation, notebook) == [f"{cell.id}: stale (en_sha {stored}, English now {english_sha(cell.source)})"]


def test_check_reports_a_lost_mark_scheme_marker(history):
    translation, notebook = copy.deepcopy(history)
    cid = _graded_id(notebook)
    translation["cells"][cid]["fr"] = translation["cells"][cid]["fr"].replace("=== END MARK SCHEME ===", "=== FIN ===")
    assert any("'=== END MARK SCHEME ===' appears 1 time(s) in English, 0 in French" in p
               for p in problems(translation, notebook))


def test_check_reports_changed_points_and_lost_ids(history):
    translation, notebook = copy.deepcopy(history)
    cid = next(c.id for c in notebook.cells if c.cell_type == "markdown" and "(3 points)" in c.source)
    translation["cells"][cid]["fr"] = translation["cells"][cid]["fr"].replace("(3 points)", "(4 points)").replace(
        '`"coup"`', "`coup`")
    found = problems(translation, notebook)
    assert f"{cid}: headings number questions or points differently" in found
    assert f'{cid}: code `"coup"` is missing from the French' in found
