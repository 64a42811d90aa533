"""Citations written in the notebooks' prose point at real bibliography entries.

Prose cites like "(Bagayoko 2017; Maliweb 2019b)". Every such citation whose
name is a source's short name or author must match that source's year and
letter, so that a bibliography edit that shifts a letter cannot silently
leave the text pointing at the wrong source.
"""

import json
import re
from pathlib import Path

import pytest

from mali_ssr.data import load

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "course").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb"))
PARENTHESES = re.compile(r"\(([^()]*\d{4}[a-z]?[^()]*)\)")
CITATION = re.compile(r"^\s*(?P<name>[^\d;,()*`]+?)\s+(?P<year>\d{4})(?P<suffix>[a-z]?)\s*$")


def _square(name: str) -> str:
    """'Wikipedia (fr)' -> 'Wikipedia [fr]', so that names never nest parentheses."""
    return name.replace("(", "[").replace(")", "]")


def _labels():
    labels: dict[str, set[str]] = {}
    for source in load().bibliography.values():
        for name in {source.short_name, source.author}:
            labels.setdefault(_square(name), set()).add(f"{source.year}{source.suffix}")
    return labels


def _with_square_names(text: str) -> str:
    for source in load().bibliography.values():
        for name in (source.short_name, source.author):
            if "(" in name:
                text = text.replace(name, _square(name))
    return text


def _citations(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        source = _with_square_names(source)
        for group in PARENTHESES.findall(source):
            for part in group.split(";"):
                match = CITATION.match(part)
                if match:
                    yield match["name"].strip(), match["year"] + match["suffix"]


def test_the_check_reads_citations():
    assert sum(1 for path in NOTEBOOKS for _ in _citations(path)) > 50


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_citations_match_the_bibliography(path):
    labels = _labels()
    wrong = []
    for name, year in _citations(path):
        if name in labels and year not in labels[name]:
            wrong.append(f"({name} {year}): the bibliography has {name} {', '.join(sorted(labels[name]))}")
    assert not wrong, "\n".join(wrong)
