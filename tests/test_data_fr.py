"""The French edition of the course data: every record has French, and drift is caught.

French text lives in overlay files (``course_data/fr/``) keyed by record id. These
tests check that the shipped overlays cover every record and are in step with the
English text, and that the loader rejects a broken overlay by file, record and field.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data_files import edit_yaml, read_yaml
from mali_ssr import data as course_data
from mali_ssr.data import DataError, load, translation_status
from mali_ssr.places import load_geography

OVERLAYS = Path(course_data.__file__).parents[1] / "course_data" / "fr"




# ------------------------------------------------------------------ shipped overlays


def test_every_overlay_file_is_declared_complete():
    files = sorted(OVERLAYS.rglob("*.yaml"))
    names = {p.relative_to(OVERLAYS).as_posix() for p in files}
    english = {f"{n}.yaml" for n in course_data.FILES} | {"places.yaml"} | {
        f"self_checks/{p.name}" for p in (OVERLAYS.parent / "self_checks").glob("*.yaml")}
    assert names == english
    for path in files:
        assert read_yaml(path)["complete"] is True, path


def test_every_record_has_french_in_step_with_the_english():
    gaps = translation_status()
    assert not gaps, "\n".join(f"{g.file}: {g.record} is {g.problem} (en_sha now {g.en_sha})" for g in gaps)


def test_french_load_gives_french_text_and_keeps_the_shared_fields():
    english, french = load(lang="en"), load(lang="fr")
    ev_en, ev_fr = english.events["cnrss-created-2014"], french.events["cnrss-created-2014"]
    assert "Conseil national pour la RSS" in ev_fr.description
    assert "National Council" in ev_en.description
    assert ev_fr.title == ev_en.title_fr  # the French title kept in timeline.yaml
    assert (ev_fr.date, ev_fr.category, ev_fr.sources) == (ev_en.date, ev_en.category, ev_en.sources)
    assert french.glossary["ssr"].term == english.glossary["ssr"].term_fr
    assert french.institutions["cnrss"].members[0].group == "Représentants de la CMA"
    assert french.institutions["cnrss"].members[0].count == english.institutions["cnrss"].members[0].count
    assert french.actors["platform"].acronym == "Plateforme"
    check_en, check_fr = english.self_checks["m3-who-asked"], french.self_checks["m3-who-asked"]
    assert check_fr.answer == check_en.answer and len(check_fr.options) == len(check_en.options)
    assert check_fr.options[check_fr.answer] == "Le gouvernement malien lui-même."
    assert [e.id for e in french.timeline] == [e.id for e in english.timeline]
    assert french.events["coup-2012"] is next(e for e in french.timeline if e.id == "coup-2012")


def test_language_comes_from_the_environment_and_each_is_cached(monkeypatch):
    monkeypatch.setenv("MALI_SSR_LANG", "fr")
    assert load() is load(lang="fr")
    assert load().glossary["amnesty"].term == "Amnistie"
    monkeypatch.setenv("MALI_SSR_LANG", "en")
    assert load() is load(lang="en")
    assert load().glossary["amnesty"].term == "Amnesty"
    monkeypatch.setenv("MALI_SSR_LANG", "qps")  # the pseudo-locale transforms the interface, not the data
    assert load() is load(lang="en")


# ------------------------------------------------ bibliography: the course's [descriptions]

#: Words of English grammar that no French title here needs; one left in means an English description shows.
ENGLISH_WORDS = re.compile(r"\b(the|of|and|on|for|with|from|by|about|into)\b", re.IGNORECASE)
#: Real titles that merely contain a bracket: the source's own title, the same in every edition.
TITLES_WITH_A_BRACKET = ("yabi2018", "moulaye2015", "crss-historique", "wikimirror-cme")


def _is_description(title: str) -> bool:
    return title.startswith("[") and title.endswith("]")


def test_french_bibliography_shows_no_english_bracketed_description():
    english, french = load(lang="en").bibliography, load(lang="fr").bibliography
    described = [sid for sid, source in english.items() if _is_description(source.title)]
    assert len(described) > 100  # the course describes most of its untitled sources
    # the check below has teeth: it flags nearly every English description
    assert sum(bool(ENGLISH_WORDS.search(english[sid].title)) for sid in described) > 0.9 * len(described)
    for sid in described:
        fr_title = french[sid].title
        assert _is_description(fr_title), (sid, fr_title)
        assert fr_title != english[sid].title, sid
        assert not ENGLISH_WORDS.search(fr_title), (sid, fr_title)
    assert french["causeur2013"].title == "[Article sur le lancement de l'opération Serval]"
    assert french["herodote1857"].title == "[Article sur le décret du 21 juillet 1857 créant les tirailleurs sénégalais]"


def test_real_titles_and_shared_fields_are_the_same_in_both_editions():
    english, french = load(lang="en").bibliography, load(lang="fr").bibliography
    real = [sid for sid, source in english.items() if not _is_description(source.title)]
    assert set(TITLES_WITH_A_BRACKET) <= set(real)
    for sid in real:
        assert french[sid].title == english[sid].title, sid
    for sid, source in english.items():
        fr = french[sid]
        assert (fr.author, fr.year, fr.outlet, fr.url, fr.cite_as) == (
            source.author, source.year, source.outlet, source.url, source.cite_as), sid


def test_only_a_bracketed_description_is_in_a_sources_fingerprint():
    english = load(lang="en").bibliography
    yabi, serval = english["yabi2018"], english["causeur2013"]
    assert course_data.translatable_text("bibliography", yabi) == {"note": yabi.note}
    assert course_data.translatable_text("bibliography", serval)["title"] == serval.title


def test_a_bracketed_title_without_french_is_rejected(data_copy):
    edit_yaml(data_copy / "fr" / "bibliography.yaml", lambda c: c["records"]["causeur2013"].pop("title"))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.file, err.value.record, err.value.field) == ("fr/bibliography.yaml", "causeur2013", "title")


def test_a_source_described_only_by_its_title_still_needs_french(data_copy):
    assert load(data_copy, lang="en").bibliography["unscr2085"].note is None
    edit_yaml(data_copy / "fr" / "bibliography.yaml", lambda c: c["records"].pop("unscr2085"))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.record, err.value.field) == ("unscr2085", "-")


def test_a_french_title_for_a_real_title_is_rejected(data_copy):
    edit_yaml(data_copy / "fr" / "bibliography.yaml",
          lambda c: c["records"]["crss-historique"].update({"title": "Historique [page d'histoire du site du CRSS]"}))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.record, err.value.field) == ("crss-historique", "title")


def test_a_changed_description_is_stale_but_a_changed_real_title_is_not(data_copy):
    def retitle(records):
        by_id = {r["id"]: r for r in records}
        by_id["causeur2013"]["title"] = "[Article on the start of Operation Serval]"
        by_id["bagayoko2017"]["title"] += " (2017)"

    edit_yaml(data_copy / "bibliography.yaml", retitle)
    assert [(g.record, g.problem) for g in translation_status(data_copy)] == [("causeur2013", "stale")]
    french = load(data_copy, lang="fr").bibliography
    assert french["causeur2013"].title == "[Article on the start of Operation Serval]"  # current English until redone
    assert french["bagayoko2017"].title.endswith(" (2017)")


# ---------------------------------------------------------------- broken overlays


def test_a_missing_record_is_rejected_when_the_file_is_complete(data_copy):
    edit_yaml(data_copy / "fr" / "timeline.yaml", lambda c: c["records"].pop("coup-2012"))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.file, err.value.record) == ("fr/timeline.yaml", "coup-2012")
    load(data_copy, lang="en")  # the English edition does not need the French


def test_a_missing_record_falls_back_to_english_while_the_file_is_incomplete(data_copy):
    def drop(content):
        content["complete"] = False
        content["records"].pop("coup-2012")

    edit_yaml(data_copy / "fr" / "timeline.yaml", drop)
    french = load(data_copy, lang="fr")
    assert french.events["coup-2012"].description == load(data_copy, lang="en").events["coup-2012"].description
    assert french.events["coup-2012"].title == french.events["coup-2012"].title_fr
    assert [(g.file, g.record, g.problem) for g in translation_status(data_copy)] == [
        ("fr/timeline.yaml", "coup-2012", "missing")]


@pytest.mark.parametrize("file, rid, field_name", [
    ("timeline.yaml", "coup-2012", "note"),
    ("institutions.yaml", "cnrss", "mandate"),
    ("self_checks/03_impunity_and_peace.yaml", "m3-who-asked", "hint"),
])
def test_a_missing_field_is_rejected_by_name(data_copy, file, rid, field_name):
    edit_yaml(data_copy / "fr" / file, lambda c: c["records"][rid].pop(field_name))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.file, err.value.record, err.value.field) == (f"fr/{file}", rid, field_name)


def test_an_id_that_is_no_record_is_rejected(data_copy):
    edit_yaml(data_copy / "fr" / "actors.yaml", lambda c: c["records"].update({"no-such-actor": {"en_sha": "0" * 12}}))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.file, err.value.record, err.value.field) == ("fr/actors.yaml", "no-such-actor", "id")


def test_a_list_of_the_wrong_length_is_rejected(data_copy):
    edit_yaml(data_copy / "fr" / "timeline.yaml", lambda c: c["records"]["coup-2012"]["variants"].pop())
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.record, err.value.field) == ("coup-2012", "variants")


def test_a_field_the_english_record_lacks_is_rejected(data_copy):
    edit_yaml(data_copy / "fr" / "timeline.yaml", lambda c: c["records"]["coup-2021"].update({"note": "Une note."}))
    with pytest.raises(DataError) as err:
        load(data_copy, lang="fr")
    assert (err.value.record, err.value.field) == ("coup-2021", "note")


def test_a_changed_english_record_is_reported_stale_and_shown_in_english(data_copy):
    def reword(records):
        next(r for r in records if r["id"] == "coup-2021")["description"] += " (reworded)"

    edit_yaml(data_copy / "timeline.yaml", reword)
    french = load(data_copy, lang="fr")  # still loads, but the outdated French is not shown
    stale = french.events["coup-2021"]
    assert stale.description.endswith(" (reworded)")
    assert stale.title == stale.title_fr  # the French title kept beside the English still shows
    assert french.events["coup-2012"].description != load(data_copy, lang="en").events["coup-2012"].description
    gaps = translation_status(data_copy)
    assert [(g.file, g.record, g.problem) for g in gaps] == [("fr/timeline.yaml", "coup-2021", "stale")]
    english = load(data_copy, lang="en").events["coup-2021"]
    assert gaps[0].en_sha == course_data.english_sha("timeline", english)


def test_a_changed_option_makes_a_self_check_stale(data_copy):
    def reword(records):
        records[0]["options"][0] += " Really."

    path = data_copy / "self_checks" / "00_start_here.yaml"
    edit_yaml(path, reword)
    first = read_yaml(path)[0]
    assert [(g.record, g.problem) for g in translation_status(data_copy)] == [(first["id"], "stale")]
    assert load(data_copy, lang="fr").self_checks[first["id"]].options == tuple(first["options"])  # English shown


# ------------------------------------------------------------------ map places


def test_the_french_map_uses_french_place_and_country_names():
    english, french = load_geography(lang="en"), load_geography(lang="fr")
    assert english.places["timbuktu"].name == "Timbuktu (Tombouctou)"
    assert (french.places["timbuktu"].name, french.places["algiers"].name) == ("Tombouctou", "Alger")
    assert french.places["kidal"].latitude == english.places["kidal"].latitude
    assert {c.iso_a3: c.name for c in french.countries}["DZA"] == "Algérie"
    assert load_geography(lang="fr") is french


def test_a_place_name_changed_in_english_is_stale_and_shown_in_english(data_copy):
    def rename(records):
        next(r for r in records if r["id"] == "timbuktu")["name"] = "Timbuktu"

    edit_yaml(data_copy / "places.yaml", rename)
    assert load_geography(data_dir=data_copy, lang="fr").places["timbuktu"].name == "Timbuktu"
    assert [(g.file, g.record, g.problem) for g in translation_status(data_copy)] == [
        ("fr/places.yaml", "timbuktu", "stale")]


@pytest.mark.parametrize("change, record, field_name", [
    (lambda c: c["records"].update({"atlantis": {"en_sha": "0" * 12, "name": "Atlantide"}}), "atlantis", "id"),
    (lambda c: c["records"].pop("gao"), "gao", "-"),
    (lambda c: c["countries"].pop("NER"), "NER", "countries"),
    (lambda c: c["countries"].update({"FRA": "France"}), "FRA", "countries"),
])
def test_a_broken_place_overlay_is_rejected_by_name(data_copy, change, record, field_name):
    edit_yaml(data_copy / "fr" / "places.yaml", change)
    with pytest.raises(DataError) as err:
        load_geography(data_dir=data_copy, lang="fr")
    assert (err.value.file, err.value.record, err.value.field) == ("fr/places.yaml", record, field_name)
    with pytest.raises(DataError):
        translation_status(data_copy)
