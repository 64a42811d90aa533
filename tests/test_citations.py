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
PARENTHESES = re.compile(r"\(([^()]*(?:\d{4}[a-z]?|n\.d\.)[^()]*)\)")
CITATION = re.compile(r"^\s*(?P<name>[^\d;,()*`]+?)\s+(?P<year>\d{4}|n\.d\.)(?P<suffix>[a-z]?|-[a-z])\s*$")


def _square(name: str) -> str:
    """'Wikipedia (fr)' -> 'Wikipedia [fr]', so that names never nest parentheses."""
    return name.replace("(", "[").replace(")", "]")


def _labels():
    labels: dict[str, set[str]] = {}
    for source in load().bibliography.values():
        for name in {source.short_name, source.author}:
            labels.setdefault(_square(name), set()).add(source.date_label)
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


# --- publication years: a citation year is never an event year in disguise --------------------------


def _latest_event_cited_for(data) -> dict[str, tuple[int, str]]:
    """For each source, the latest year of a dated fact it is cited for, and which record that is.

    A source named in a variant vouches for that variant's date (or the record's date if the variant has
    none); a source named only in a record's ``sources`` vouches for the record's own date.
    """
    latest: dict[str, tuple[int, str]] = {}

    def note(source_ids, year, where):
        for sid in source_ids:
            if sid not in latest or year > latest[sid][0]:
                latest[sid] = (year, where)

    def record(sources, date, variants, where):
        in_variants = set()
        for variant in variants:
            note(variant.sources, (variant.date or date).year, where)
            in_variants.update(variant.sources)
        note([s for s in sources if s not in in_variants], date.year, where)

    for event in data.timeline:
        record(event.sources, event.date, event.variants, f"timeline '{event.id}'")
    for inst in data.institutions.values():
        record(inst.sources, inst.created, inst.variants, f"institution '{inst.id}'")
        for change in inst.changes:
            note(change.sources, change.date.year, f"institution '{inst.id}', change of {change.date.label()}")
    for actor in data.actors.values():
        if actor.founded:
            record(actor.sources, actor.founded, actor.variants, f"actor '{actor.id}'")
    return latest


def _years_in_disguise(data) -> list[str]:
    problems = []
    for sid, (year, where) in sorted(_latest_event_cited_for(data).items()):
        source = data.bibliography[sid]
        if source.year is not None and source.year < year:
            problems.append(f"{sid}: cited year {source.year} (published {source.published}) is earlier than "
                            f"{year}, the date of {where}: record its publication date, or 'unknown'")
    return problems


def test_no_source_is_cited_for_events_after_its_publication_year():
    assert not _years_in_disguise(load())


def test_the_publication_year_check_catches_an_event_year(data_copy):
    """Give the October 2019 Maliactu retrospective its old event year back: the check must object."""
    path = data_copy / "bibliography.yaml"
    text = path.read_text(encoding="utf-8")
    entry = text.index("- id: maliactu-crss")
    head, tail = text[:entry], text[entry:]
    tail = tail.replace('year: 2019\n  published: "2019-10"', 'year: 2014\n  published: "2014"', 1)
    path.write_text(head + tail, encoding="utf-8")
    problems = _years_in_disguise(load(data_copy))
    assert any(p.startswith("maliactu-crss: cited year 2014") for p in problems), problems


def test_every_source_says_when_it_was_published():
    for source in load().bibliography.values():
        assert source.published == "unknown" or source.published.startswith(str(source.year)), source.id
        if source.published == "unknown":
            assert source.year is None and "not recorded" in (source.note or ""), source.id
