"""The French edition is kept in step with the English one by the per-cell catalogue in translations/fr/.

Every English notebook with a translation file has a committed French notebook that
regenerates exactly (outputs aside): same code cells, ids and nbgrader metadata, same
sections and citations, no stale or missing translation. The gate tests at the end
show, on a throw-away copy, that each kind of drift is caught.
"""

import collections
import importlib.util
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from mali_ssr import editions
from mali_ssr.data import load

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = editions.translations(ROOT)
CITATION_GROUP = re.compile(r"\(([^()]*\d{4}[a-z]?[^()]*)\)")
CITATION = re.compile(r"^\s*(?P<name>[^\d;,()*`]+?)\s+(?P<year>\d{4})(?P<suffix>[a-z]?)\s*$")


def _pairs():
    for translation in TRANSLATIONS:
        english = nbformat.read(ROOT / translation.source, as_version=4)
        french = nbformat.read(ROOT / translation.target, as_version=4)
        yield translation, english, french


PAIRS = list(_pairs())
IDS = [t.source for t in TRANSLATIONS]


def _sections(text: str) -> int:
    """Level-2 headings outside fenced code."""
    count, fenced = 0, False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("## "):
            count += 1
    return count


def _square(name: str) -> str:
    return name.replace("(", "[").replace(")", "]")


SOURCE_NAMES = {_square(name) for source in load().bibliography.values() for name in (source.short_name, source.author)}


def _citations(text: str) -> collections.Counter:
    """(name, year) of every citation of a bibliography entry, as test_citations reads them."""
    text = " ".join(text.split())  # the English wraps lines, even inside a citation
    for name in SOURCE_NAMES:
        text = text.replace(name.replace("[", "(").replace("]", ")"), name)
    found = collections.Counter()
    for group in CITATION_GROUP.findall(text):
        for part in group.split(";"):
            match = CITATION.match(part)
            if match and match["name"].strip() in SOURCE_NAMES:
                found[(match["name"].strip(), match["year"] + match["suffix"])] += 1
    return found


def test_every_lecture_has_a_french_edition():
    sources = {t.source for t in TRANSLATIONS}
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "course").glob("*.ipynb")} <= sources


@pytest.mark.parametrize("translation", TRANSLATIONS, ids=IDS)
def test_translation_names_its_notebooks(translation):
    assert translation.path == editions.translation_path(translation.source, ROOT)
    assert (ROOT / translation.source).is_file()
    target = Path(translation.target)
    assert "fr" in target.parent.parts or target.stem.endswith("_fr"), "French notebooks live under fr/ or end in _fr"


def test_no_translation_is_stale_missing_or_unbuilt():
    clean, lines = editions.status(ROOT)
    print("\n".join(lines))
    assert clean, "\n".join(lines)


@pytest.mark.parametrize(("translation", "english", "french"), PAIRS, ids=IDS)
def test_committed_french_notebook_is_what_build_makes(translation, english, french):
    expected = editions.generate(translation.source, translation, root=ROOT)
    assert editions.differences(expected, french) == []


@pytest.mark.parametrize(("translation", "english", "french"), PAIRS, ids=IDS)
def test_same_code_ids_and_nbgrader_metadata(translation, english, french):
    assert [(c.cell_type, c.get("id")) for c in french.cells] == [(c.cell_type, c.get("id")) for c in english.cells]
    for en, fr in zip(english.cells, french.cells, strict=True):
        assert fr.metadata == en.metadata, en.get("id")
        assert fr.metadata.get("nbgrader") == en.metadata.get("nbgrader"), en.get("id")
        if en.cell_type != "markdown":
            assert fr.source == en.source, en.get("id")


@pytest.mark.parametrize(("translation", "english", "french"), PAIRS, ids=IDS)
def test_every_markdown_cell_is_translated_with_its_sections_and_citations(translation, english, french):
    for en, fr in zip(english.cells, french.cells, strict=True):
        if en.cell_type != "markdown":
            continue
        assert fr.source != en.source, f"{en.id}: still the English text"
        assert editions.STALE_NOTE not in fr.source, f"{en.id}: built with --allow-stale"
        assert _sections(fr.source) == _sections(en.source), f"{en.id}: not the same ## sections"
        assert _citations(fr.source) == _citations(en.source), f"{en.id}: citations differ from the English"


@pytest.mark.parametrize(("translation", "english", "french"), PAIRS, ids=IDS)
def test_french_notebook_has_stored_outputs(translation, english, french):
    for cell in french.cells:
        if cell.cell_type == "code":
            assert cell.execution_count, f"{cell.id}: not executed; run scripts/refresh_notebooks.py {translation.target}"
            assert all(output.output_type != "error" for output in cell.outputs), cell.id


def test_refresh_script_runs_french_notebooks_in_french():
    spec = importlib.util.spec_from_file_location("refresh_notebooks", ROOT / "scripts" / "refresh_notebooks.py")
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    assert {refresh.language(ROOT / t.target) for t in TRANSLATIONS} == {"fr"}
    assert {refresh.language(ROOT / t.source) for t in TRANSLATIONS} == {"en"}
    assert refresh.language(Path("solutions/01_history_fr/01_history_fr.ipynb")) == "fr"


def test_section_and_citation_counters_read_real_text():
    text = "## One\n```\n## not a heading\n```\n## Two (Bagayoko 2017; Maliweb 2012b) (Wikipedia (fr) 2014)"
    assert _sections(text) == 2
    assert _citations(text) == {("Bagayoko", "2017"): 1, ("Maliweb", "2012b"): 1, ("Wikipedia [fr]", "2014"): 1}


# --- the gate fails when an edition drifts (on a throw-away copy of one lecture) ---------------------


@pytest.fixture
def copy_root(tmp_path):
    """A repository in miniature: one English lecture, its translation file and its French notebook."""
    translation = TRANSLATIONS[0]
    for relative in (translation.source, translation.target, translation.path.relative_to(ROOT)):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    return tmp_path, editions.Translation.load(tmp_path / translation.path.relative_to(ROOT))


def _edit_notebook(path: Path, change) -> None:
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)


def _first(nb, cell_type):
    return next(c for c in nb.cells if c.cell_type == cell_type)


def test_gate_reports_a_changed_english_cell_as_stale(copy_root):
    root, translation = copy_root
    assert not editions.drift(translation, root)
    _edit_notebook(root / translation.source, lambda nb: setattr(_first(nb, "markdown"), "source", "# Changed"))
    changed = _first(nbformat.read(root / translation.source, as_version=4), "markdown").id
    assert editions.drift(translation, root).stale == [changed]
    clean, lines = editions.status(root)
    assert not clean and any("stale" in line and changed in line for line in lines)
    with pytest.raises(editions.DriftError, match=changed):
        editions.build(root)


def test_gate_reports_a_missing_translation(copy_root):
    root, translation = copy_root
    removed = next(iter(translation.cells))
    del translation.cells[removed]
    translation.dump()
    assert editions.drift(editions.Translation.load(translation.path), root).missing == [removed]
    assert editions.main(["--root", str(root), "build"]) == 1
    assert editions.main(["--root", str(root), "status"]) == 1


def test_gate_reports_a_translation_of_a_deleted_cell(copy_root):
    root, translation = copy_root
    translation.cells["gone1234"] = {"en_sha": "0" * 12, "fr": "Texte d'une cellule disparue"}
    translation.dump()
    assert editions.drift(editions.Translation.load(translation.path), root).orphaned == ["gone1234"]
    assert editions.main(["--root", str(root), "status"]) == 1


def test_gate_catches_an_edited_french_code_cell(copy_root):
    root, translation = copy_root
    _edit_notebook(root / translation.target, lambda nb: setattr(_first(nb, "code"), "source", "print('edited')"))
    expected = editions.generate(translation.source, translation, root=root)
    found = editions.differences(expected, nbformat.read(root / translation.target, as_version=4))
    assert found and "source differs" in found[0]
    clean, lines = editions.status(root)
    assert not clean and any("not what build makes" in line for line in lines)


def test_gate_catches_changed_nbgrader_metadata(copy_root):
    root, translation = copy_root

    def grade(nb):
        _first(nb, "code").metadata["nbgrader"] = {"grade": True, "grade_id": "q1", "points": 2, "locked": True}

    _edit_notebook(root / translation.target, grade)
    expected = editions.generate(translation.source, translation, root=root)
    assert "metadata differs" in editions.differences(expected, nbformat.read(root / translation.target, as_version=4))[0]


def test_allow_stale_keeps_the_english_text_under_a_visible_note(copy_root):
    root, translation = copy_root
    _edit_notebook(root / translation.source, lambda nb: setattr(_first(nb, "markdown"), "source", "# New English"))
    [written] = editions.build(root, allow_stale=True)
    first = _first(nbformat.read(written, as_version=4), "markdown")
    assert first.source.startswith(f"> **{editions.STALE_NOTE}**") and first.source.endswith("# New English")


def test_build_keeps_french_outputs_and_clears_those_of_changed_code(copy_root):
    root, translation = copy_root
    before = nbformat.read(root / translation.target, as_version=4)
    last = max(i for i, c in enumerate(before.cells) if c.cell_type == "code")
    _edit_notebook(root / translation.source, lambda nb: setattr(nb.cells[last], "source", "lecture.reading_list()"))
    editions.build(root)
    after = nbformat.read(root / translation.target, as_version=4)
    assert after.cells[last].outputs == [] and after.cells[last].execution_count is None
    kept = [(a.outputs, b.outputs) for i, (a, b) in enumerate(zip(after.cells, before.cells, strict=True))
            if a.cell_type == "code" and i != last]
    assert kept and all(new == old for new, old in kept)
    assert after.metadata.get("widgets") == before.metadata.get("widgets")


def test_template_keeps_french_text_and_shows_the_new_english_until_accepted(copy_root):
    root, translation = copy_root
    cell_id = _first(nbformat.read(root / translation.source, as_version=4), "markdown").id
    french = translation.cells[cell_id]["fr"]
    _edit_notebook(root / translation.source, lambda nb: setattr(_first(nb, "markdown"), "source", "# New English"))
    updated = editions.template(translation.source, root=root)
    assert updated.cells[cell_id]["fr"] == french and updated.cells[cell_id]["en_now"] == "# New English"
    assert editions.drift(updated, root).stale == [cell_id]
    assert editions.accept(translation.source, root=root) == [cell_id]
    accepted = editions.Translation.load(translation.path)
    assert not editions.drift(accepted, root) and "en_now" not in accepted.cells[cell_id]
    assert accepted.cells[cell_id]["en"] == "# New English"


def test_template_starts_a_new_file_with_every_markdown_cell(tmp_path):
    english = nbformat.v4.new_notebook()
    english.cells = [nbformat.v4.new_markdown_cell("## A"), nbformat.v4.new_code_cell("x = 1"),
                     nbformat.v4.new_markdown_cell("## B")]
    english.cells[0].id = "0123"  # digits only: must stay a string id, not become the number 123
    (tmp_path / "course").mkdir()
    nbformat.write(english, tmp_path / "course" / "x.ipynb")
    with pytest.raises(ValueError, match="--target"):
        editions.template("course/x.ipynb", root=tmp_path)
    made = editions.template("course/x.ipynb", "course/fr/x.ipynb", root=tmp_path)
    reread = editions.Translation.load(made.path)
    assert list(reread.cells) == ["0123", english.cells[2].id]
    assert editions.drift(reread, tmp_path).missing == list(reread.cells)
    assert json.loads(json.dumps(reread.cells))["0123"]["en"] == "## A"


def test_french_readme_has_the_same_two_commands_and_is_linked_from_the_readme():
    english, french = (ROOT / "README.md").read_text(), (ROOT / "README.fr.md").read_text()
    commands = re.compile(r"```bash\n(.*?)\n```", re.S)
    assert commands.findall(french)[:2] == commands.findall(english)[:2]
    assert "README.fr.md" in "\n".join(english.splitlines()[:5])
    assert "mali-ssr start --lang fr" in french and "nbgrader" in french
    for translation in TRANSLATIONS:
        assert Path(translation.target).name in french, translation.target
