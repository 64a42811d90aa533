"""The French edition of the data: overlays by record id, with the English text's fingerprint."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from .loading import _read_yaml, load
from .schema import Change, CourseData, DataError, Member, Variant

# ------------------------------------------------------------ French edition (overlays)
#
# French text lives in overlay files, ``course_data/fr/<file>.yaml`` (self-checks:
# ``fr/self_checks/<module>.yaml``), keyed by record id, so that ids, dates,
# categories and sources stay in one place, the English files::
#
#     complete: true          # every record of the English file must have French
#     records:
#       <record id>:
#         en_sha: 1a2b3c4d5e6f  # fingerprint of the English text it translates
#         description: "..."
#
# ``en_sha`` is the first 12 hex digits of the SHA-256 of the English record's
# translatable fields as JSON (sorted keys, UTF-8); :func:`english_sha` computes
# it. When the English text changes, the French is *stale*: reported by
# :func:`translation_status` and not applied (the current English is shown
# instead, so an outdated French text never repeats a claim since corrected). A missing translation in a file marked
# complete, a field without English counterpart, or an id that is no record are
# errors at load.

OVERLAY_LANGUAGES = ("fr",)

#: Per file: fields whose French the overlay must give (when the English record
#: has them), and fields it may give (the English or a ``*_fr`` field is kept
#: otherwise). List fields hold one text per item, in the English record's order
#: (``changes`` in date order, as the loaded record has them).
TRANSLATABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bibliography": (("note", "title"), ()),  # title: only the course's own [descriptions], see below
    "timeline": (("description", "note", "variants"), ("title",)),
    "institutions": (("legal_text", "mandate", "composition", "note", "members", "changes", "variants"), ("acronym",)),
    "actors": (("description", "note", "variants"), ("acronym",)),
    "glossary": (("definition",), ("term",)),
    "self_checks": (("question", "options", "explanation", "hint"), ()),
    "places": (("name",), ()),  # the course map's places (mali_ssr.places), French names such as Tombouctou
}
#: French already kept in the English files: the French edition uses it unless the overlay says otherwise.
FRENCH_FIELDS = {"title": "title_fr", "term": "term_fr"}
#: Fields translatable only for some records. A source's title is the source's own, the same in
#: every edition, except where the course had no title to give and wrote an English description
#: in square brackets ("[Article on the launch of Operation Serval]"): that is course text, so the
#: French edition needs French. Only a title wholly in brackets is one; a real title that merely
#: contains a bracket ("Historique [history page of the CRSS website]") stays as it is, and stays
#: out of the fingerprint, so the en_sha of every real-titled record is unchanged.
_TRANSLATABLE_ONLY_IF = {
    ("bibliography", "title"): lambda title: title.startswith("[") and title.endswith("]"),
}
_LIST_ITEMS = {"variants": ("claim", Variant), "changes": ("description", Change), "members": ("group", Member)}


@dataclass(frozen=True)
class TranslationGap:
    """A record whose translation is missing or older than its English text."""

    file: str  # the overlay file, e.g. 'fr/timeline.yaml'
    record: str
    problem: str  # 'missing' or 'stale'
    en_sha: str  # the fingerprint of the English text now, to copy into the overlay once translated


def _data_language(lang: str | None) -> str:
    from ..i18n import language

    lang = lang or language()
    return lang if lang in OVERLAY_LANGUAGES else "en"  # the pseudo-locale only transforms the interface


def translatable_text(file: str, record: Any) -> dict[str, Any]:
    """The English text of ``record`` that a translation must cover (empty fields left out)."""
    required, optional = TRANSLATABLE[file]
    out: dict[str, Any] = {}
    for name in required + optional:
        value = getattr(record, name)
        if name in _LIST_ITEMS:
            value = [getattr(item, _LIST_ITEMS[name][0]) for item in value]
        elif name == "options":
            value = list(value)
        only_if = _TRANSLATABLE_ONLY_IF.get((file, name))
        if value and (only_if is None or only_if(value)):
            out[name] = value
    return out


def english_sha(file: str, record: Any) -> str:
    """Fingerprint of the English text a translation of ``record`` was made from."""
    import hashlib
    import json

    payload = json.dumps(translatable_text(file, record), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def _overlay_groups(data: CourseData, base: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(data file, overlay path inside base, records by id) for every file that can have French."""
    groups = [(file, f"{file}.yaml", records) for file, records in _tables(data).items() if file != "self_checks"]
    folder = base / "self_checks"
    if folder.is_dir():
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if path.name.endswith(".yaml"):
                ids = [r.get("id") for r in _read_yaml(path, f"self_checks/{path.name}") or [] if isinstance(r, dict)]
                records = {rid: data.self_checks[rid] for rid in ids if rid in data.self_checks}
                groups.append(("self_checks", f"self_checks/{path.name}", records))
    return groups


def _read_overlay(base: Any, lang: str, name: str) -> tuple[bool, dict[str, Any]] | None:
    """(complete, records) of one overlay file, or None when it does not exist."""
    from ..i18n import _

    path = base / lang / name
    where = f"{lang}/{name}"
    if not path.is_file():
        return None
    raw = _read_yaml(path, where)
    if not isinstance(raw, dict) or not isinstance(raw.get("records", {}), dict):
        raise DataError(where, "-", "records", _("a translation file is a mapping with 'complete' and 'records' (by id)"))
    complete = raw.get("complete", False)
    if not isinstance(complete, bool):
        raise DataError(where, "-", "complete", _("expected true or false, found {value!r}").format(value=complete))
    return complete, raw.get("records") or {}


def _translate_record(where: str, file: str, record: Any, french: Any, complete: bool) -> Any:
    """``record`` with the French text of ``french`` (one overlay entry), checked against the English."""
    from ..i18n import _

    rid = record.id
    if not isinstance(french, dict):
        raise DataError(where, rid, "-", _("each translation is a mapping of field: French text"))
    english = translatable_text(file, record)
    required, optional = TRANSLATABLE[file]
    for key in french:
        if key == "en_sha":
            continue
        if key not in required + optional:
            raise DataError(where, rid, str(key), _("not a translatable field (allowed: {allowed})").format(
                allowed=", ".join(sorted(required + optional))))
        if key not in english:
            raise DataError(where, rid, str(key), _("the English record has no such text to translate"))
    if not isinstance(french.get("en_sha"), str):
        raise DataError(where, rid, "en_sha", _("missing: the fingerprint of the English text (see translation_status)"))
    changes: dict[str, Any] = {}
    for name, value in english.items():
        fallback = FRENCH_FIELDS.get(name)
        if name not in french:
            if fallback and getattr(record, fallback, None):
                changes[name] = getattr(record, fallback)
            elif complete and name in required:
                raise DataError(where, rid, name, _("French text is missing (the file is marked complete)"))
            continue
        fr = french[name]
        if isinstance(value, list):
            if not isinstance(fr, list) or len(fr) != len(value) or not all(isinstance(t, str) and t.strip() for t in fr):
                raise DataError(where, rid, name, _("expected a list of {n} French texts, one per English item").format(
                    n=len(value)))
            fr = [t.strip() for t in fr]
            if name in _LIST_ITEMS:
                attr = _LIST_ITEMS[name][0]
                changes[name] = tuple(replace(item, **{attr: t}) for item, t in zip(getattr(record, name), fr, strict=True))
            else:
                changes[name] = tuple(fr)
        else:
            if not isinstance(fr, str) or not fr.strip():
                raise DataError(where, rid, name, _("expected non-empty French text"))
            changes[name] = fr.strip()
    return replace(record, **changes)


def _is_stale(where: str, file: str, record: Any, french: Any) -> bool:
    """Whether an overlay entry translates an older English text than the record has now.

    A stale translation is not applied: it may state what the English edition has since
    corrected, so the reader gets the current English until the French is redone.
    """
    from ..i18n import _

    if not isinstance(french, dict):
        raise DataError(where, record.id, "-", _("each translation is a mapping of field: French text"))
    if not isinstance(french.get("en_sha"), str):
        raise DataError(where, record.id, "en_sha", _("missing: the fingerprint of the English text (see translation_status)"))
    return french["en_sha"] != english_sha(file, record)


def _with_french_fields(record: Any) -> Any:
    """``record`` with the French kept beside the English (``title_fr``, ``term_fr``) in place."""
    french = {name: getattr(record, fr) for name, fr in FRENCH_FIELDS.items() if getattr(record, fr, None)}
    return replace(record, **french) if french else record


def _tables(data: CourseData) -> dict[str, dict[str, Any]]:
    return {"bibliography": data.bibliography, "timeline": data.events, "institutions": data.institutions,
            "actors": data.actors, "glossary": data.glossary, "self_checks": data.self_checks}


def translated_records(file: str, name: str, records: dict[str, Any], overlay: tuple[bool, dict[str, Any]],
                       lang: str) -> dict[str, Any]:
    """The records of one overlay file (``name``) that it translates in step, in ``lang``.

    Raises :class:`DataError` for an id that is no record, a record missing from a
    file marked complete, or a translation that does not fit its English record.
    Stale translations are left out, so those records stay in English.
    """
    from ..i18n import _

    complete, entries = overlay
    where = f"{lang}/{name}"
    for rid in entries:
        if rid not in records:
            raise DataError(where, str(rid), "id", _("no record with this id in {file}").format(file=name))
    out = {}
    for rid, record in records.items():
        if rid in entries and _is_stale(where, file, record, entries[rid]):
            continue  # outdated French is never shown: the English (and its *_fr fields) stand in
        if rid in entries:
            out[rid] = _translate_record(where, file, record, entries[rid], complete)
        elif complete and translatable_text(file, record):
            raise DataError(where, rid, "-", _("no French translation for this record (the file is marked complete)"))
    return out


def _apply_overlay(data: CourseData, base: Any, lang: str) -> CourseData:
    """``data`` with the text fields in ``lang``, from the overlay files under ``base/lang``."""

    tables: dict[str, dict[str, Any]] = {name: {} for name in _tables(data)}
    for file, name, records in _overlay_groups(data, base):
        overlay = _read_overlay(base, lang, name)
        if overlay is None:
            continue
        tables[file].update(translated_records(file, name, records, overlay, lang))
    for file, records in _tables(data).items():  # untranslated records still show the French kept in the English files
        for rid, record in records.items():
            if rid not in tables[file]:
                tables[file][rid] = _with_french_fields(record)
    events = {**data.events, **tables["timeline"]}
    return replace(
        data,
        bibliography={**data.bibliography, **tables["bibliography"]},
        timeline=tuple(events[e.id] for e in data.timeline),
        events=events,
        institutions={**data.institutions, **tables["institutions"]},
        actors={**data.actors, **tables["actors"]},
        glossary={**data.glossary, **tables["glossary"]},
        self_checks={**data.self_checks, **tables["self_checks"]},
    )


def translation_status(data_dir: str | Path | None = None, lang: str = "fr") -> list[TranslationGap]:
    """Every record of ``lang``'s edition whose translation is missing or stale (empty: in step).

    Loading in ``lang`` also validates the overlay files, so a broken one raises
    :class:`DataError` here too.
    """
    data_dir = data_dir or os.environ.get("MALI_SSR_DATA_DIR") or None
    base: Any = resources.files("mali_ssr") / "course_data" if data_dir is None else Path(data_dir)
    english = load(data_dir, lang="en")
    load(data_dir, lang=lang)
    from ..places import PLACES_FILE, build_places, load_geography

    load_geography(data_dir=data_dir, lang=lang) if data_dir else load_geography(lang=lang)  # validates fr/places.yaml

    groups = _overlay_groups(english, base)
    groups.append(("places", PLACES_FILE, build_places(_read_yaml(base / PLACES_FILE, PLACES_FILE), english.bibliography)))
    gaps = []
    for file, name, records in groups:
        overlay = _read_overlay(base, lang, name)
        entries = overlay[1] if overlay else {}
        for rid, record in records.items():
            if not translatable_text(file, record):
                continue  # nothing to translate (a source without a note)
            sha = english_sha(file, record)
            if rid not in entries:
                gaps.append(TranslationGap(f"{lang}/{name}", rid, "missing", sha))
            elif entries[rid].get("en_sha") != sha:
                gaps.append(TranslationGap(f"{lang}/{name}", rid, "stale", sha))
    return gaps
