"""The shipped data validate, and each kind of bad record is rejected by name."""

from __future__ import annotations

import re

import pytest

from data_files import edit_yaml
from mali_ssr import data as course_data
from mali_ssr.data import DataError, load, parse_date


@pytest.fixture(scope="module")
def shipped():
    return load()


def test_shipped_data_validates(shipped):
    assert len(shipped.timeline) >= 45
    assert {"cnrss", "crss", "cnddr", "integration-commission", "csa"} <= set(shipped.institutions)
    assert {"cma", "platform", "cme", "minusma", "eutm-mali"} <= set(shipped.actors)
    assert len(shipped.glossary) >= 15


def test_seed_documents_come_first(shipped):
    assert list(shipped.bibliography)[:2] == ["bagayoko2017", "yabi2018"]
    assert shipped.bibliography["yabi2018"].language == "fr"


def test_every_record_cites_a_known_source(shipped):
    records = [*shipped.timeline, *shipped.institutions.values(), *shipped.actors.values(),
               *shipped.glossary.values(), *shipped.self_checks.values()]
    for record in records:
        assert record.sources, record.id
        assert set(record.sources) <= set(shipped.bibliography), record.id


def test_timeline_is_sorted_and_spans_colonial_army_to_today(shipped):
    dates = [e.date.start for e in shipped.timeline]
    assert dates == sorted(dates)
    assert dates[0].year < 1900 and dates[-1].year >= 2024


def test_disagreements_are_kept_with_their_sources(shipped):
    disputed = shipped.disputed()
    assert len(disputed) >= 8
    for _file, _rid, record in disputed:
        assert len(record.variants) >= 2 or record.note
        for variant in record.variants:
            assert variant.sources


def test_cnrss_moved_from_president_to_prime_minister(shipped):
    import datetime as dt

    cnrss = shipped.institutions["cnrss"]
    assert cnrss.attachment_on(dt.date(2015, 1, 1)) == "president"
    assert cnrss.attachment_on(dt.date(2017, 1, 1)) == "prime-minister"


def test_french_names_are_kept(shipped):
    assert shipped.institutions["cnrss"].name_fr.startswith("Conseil national")
    assert all(i.name_fr for i in shipped.institutions.values())


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [("1968-11-19", "day", "19 Nov 1968"), ("2009-03", "month", "Mar 2009"), ("1962", "year", "1962")],
)
def test_parse_date_labels(value, precision, expected):
    assert parse_date(value, precision).label() == expected


@pytest.mark.parametrize(
    ("value", "precision", "fragment"),
    [("2015-02-30", "day", "not a real calendar date"), ("2015-13", "month", "not a real calendar date"),
     ("15 May 2015", "day", "not a date of the form YYYY-MM-DD"), ("2015-05", "day", "YYYY-MM-DD"),
     ("2015", "decade", "unknown value")],
)
def test_parse_date_rejects_bad_dates(value, precision, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_date(value, precision)


# --- bad records: each rejected with file, record and field named --------------------


def _edit(folder, name, change):
    edit_yaml(folder / f"{name}.yaml", change)


def _first(records, rid):
    return next(r for r in records if r["id"] == rid)


CASES = [
    ("timeline", lambda rs: rs[0].update(sources=["no-such-source"]), "timeline.yaml", "sources",
     "unknown source id 'no-such-source'"),
    ("timeline", lambda rs: rs[0].update(sources=[]), "timeline.yaml", "sources", "cite at least one source"),
    ("timeline", lambda rs: rs[0].update(date="2013-02-29", precision="day"), "timeline.yaml", "date",
     "not a real calendar date"),
    ("timeline", lambda rs: rs[0].update(date="March 2013"), "timeline.yaml", "date", "not a date of the form"),
    ("timeline", lambda rs: rs[0].update(category="battle"), "timeline.yaml", "category", "unknown value 'battle'"),
    ("timeline", lambda rs: rs[0].update(drivers=["aliens"]), "timeline.yaml", "drivers", "unknown value 'aliens'"),
    ("timeline", lambda rs: rs.append(dict(rs[0])), "timeline.yaml", "id", "duplicate id"),
    ("timeline", lambda rs: rs[0].pop("description"), "timeline.yaml", "description", "required field is missing"),
    ("timeline", lambda rs: rs[0].update(colour="red"), "timeline.yaml", "colour", "unknown field"),
    ("timeline", lambda rs: rs[0].update(certainty="disputed", note=None), "timeline.yaml", "note",
     "needs a note"),
    ("institutions", lambda rs: _first(rs, "cnrss").update(attachment="king"), "institutions.yaml", "attachment",
     "unknown value 'king'"),
    ("institutions", lambda rs: _first(rs, "cnrss").update(sources=["nobody2099"]), "institutions.yaml", "sources",
     "unknown source id"),
    ("institutions", lambda rs: _first(rs, "cnrss").pop("legal_text"), "institutions.yaml", "legal_text",
     "required field is missing"),
    ("actors", lambda rs: _first(rs, "cma").update(members=["ghost-group"]), "actors.yaml", "members",
     "unknown actor id 'ghost-group'"),
    ("bibliography", lambda rs: rs[0].update(year="twenty"), "bibliography.yaml", "year", "expected a whole number"),
    ("bibliography", lambda rs: rs[1].update(id=rs[0]["id"]), "bibliography.yaml", "id", "duplicate id"),
    ("glossary", lambda rs: rs[0].update(see_also=["no-term"]), "glossary.yaml", "see_also",
     "unknown glossary id 'no-term'"),
    ("glossary", lambda rs: rs[0].update(id="Bad Id"), "glossary.yaml", "id", "ids use lowercase"),
]


@pytest.mark.parametrize(("name", "change", "file", "field", "fragment"), CASES,
                         ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_bad_record_is_rejected_by_name(data_copy, name, change, file, field, fragment):
    _edit(data_copy, name, change)
    with pytest.raises(DataError) as info:
        load(data_copy)
    error = info.value
    assert error.file == file
    assert error.field == field
    assert fragment in str(error)
    assert error.record not in ("", "-")


def test_not_yaml_names_the_file(data_copy):
    (data_copy / "actors.yaml").write_text("- id: cma\n  acronym: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"actors.yaml.*not valid YAML"):
        load(data_copy)


def test_missing_file_names_the_file(data_copy):
    (data_copy / "glossary.yaml").unlink()
    with pytest.raises(DataError, match=r"glossary.yaml.*missing"):
        load(data_copy)


def test_not_a_list(data_copy):
    (data_copy / "timeline.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(DataError, match="must hold a list of records"):
        load(data_copy)


def test_self_check_answer_out_of_range(data_copy):
    folder = data_copy / "self_checks"
    folder.mkdir(exist_ok=True)
    (folder / "99_broken.yaml").write_text(
        "- id: broken\n  module: 9\n  question: Q?\n  options: [a, b]\n  answer: 2\n"
        "  explanation: e\n  hint: h\n  sources: [bagayoko2017]\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"self_checks.*'broken'.*'answer'.*not the index"):
        load(data_copy)


def test_environment_variable_points_the_loader_at_another_folder(data_copy, monkeypatch):
    _edit(data_copy, "timeline", lambda rs: rs[0].update(category="battle"))
    monkeypatch.setenv("MALI_SSR_DATA_DIR", str(data_copy))
    with pytest.raises(DataError):
        course_data.load()


def test_bodies_that_ended_say_when(shipped):
    assert shipped.institutions["cdr"].ended.year == 2014
    assert shipped.institutions["cnrss"].ended is None


def test_ended_must_be_true_or_false(data_copy):
    def change(records):
        _first(records, "cdr")["changes"][0]["ended"] = "yes"

    _edit(data_copy, "institutions", change)
    with pytest.raises(DataError, match=r"'cdr', field 'changes\[0\].ended'"):
        load(data_copy)


# --- publication dates in the bibliography -----------------------------------------------------------

PUBLICATION_CASES = [
    (lambda r: r.update(published="autumn 2017"), "published", "is not a publication date"),
    (lambda r: r.update(published="2017-13"), "published", "not a real calendar date"),
    (lambda r: r.update(year=2016), "year", "differs from the publication date"),
    (lambda r: r.update(published="unknown"), "year", "leave out 'year'"),
    (lambda r: (r.pop("year"), r.update(published="unknown"), r.pop("note")), "note", "needs a note"),
    (lambda r: r.pop("published"), "published", "required field is missing"),
]


@pytest.mark.parametrize(("change", "field", "fragment"), PUBLICATION_CASES,
                         ids=[c[1] + f"-{i}" for i, c in enumerate(PUBLICATION_CASES)])
def test_bad_publication_date_is_rejected(data_copy, change, field, fragment):
    _edit(data_copy, "bibliography", lambda rs: change(_first(rs, "bagayoko2017")))
    with pytest.raises(DataError) as info:
        load(data_copy)
    assert (info.value.file, info.value.record, info.value.field) == ("bibliography.yaml", "bagayoko2017", field)
    assert fragment in str(info.value)


def test_unknown_publication_date_cites_as_no_date(shipped):
    herodote = shipped.bibliography["herodote1857"]
    assert herodote.year is None and herodote.published == "unknown"
    assert herodote.citation() == "Hérodote.net (n.d.)"
    assert shipped.bibliography["afribone1968"].citation() == "Afribone (n.d.-a)"
    assert shipped.bibliography["maliactu-crss"].citation() == "Maliactu (2019a)"


# --- self-checks: the right answer must not be guessable from its length ------------------------------


def _share_where_answer_is_longest(checks) -> float:
    """Share of questions whose correct option is (one of) the longest: a test-wise student's shortcut."""
    checks = list(checks)
    longest = sum(len(c.options[c.answer]) == max(len(o) for o in c.options) for c in checks)
    return longest / len(checks)


def test_correct_option_is_the_longest_in_at_most_a_third_of_self_checks(shipped):
    share = _share_where_answer_is_longest(shipped.self_checks.values())
    assert share <= 1 / 3, f"the correct option is the longest in {share:.0%} of the self-checks"


def test_the_length_rule_catches_answers_padded_to_be_longest(shipped):
    from dataclasses import replace

    padded = [replace(c, options=tuple(o + " (in full detail)" * (i == c.answer) for i, o in enumerate(c.options)))
              for c in shipped.self_checks.values()]
    assert _share_where_answer_is_longest(padded) > 1 / 3
