"""Validation: every field of every record checked, errors naming file, record and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..i18n import N_, _
from .schema import (
    ACTOR_KINDS,
    ATTACHMENTS,
    CATEGORIES,
    CERTAINTIES,
    DATE_PATTERNS,
    DRIVERS,
    ID_PATTERN,
    INSTITUTION_KINDS,
    PRECISIONS,
    SOURCE_KINDS,
    STANCES,
    Actor,
    Change,
    DataError,
    Event,
    Institution,
    Member,
    PartialDate,
    SelfCheck,
    Source,
    Term,
    Variant,
    parse_date,
)

# ----------------------------------------------------------------------- validation


_TYPE_NAMES = {str: N_("text"), int: N_("a whole number"), list: N_("a list"), dict: N_("a mapping")}


class _Checker:
    """Checks one record's fields against a spec and builds typed values."""

    def __init__(self, file: str, record: dict, index: int, fields: dict[str, tuple], known_sources=None):
        self.file = file
        self.raw = record
        rid = record.get("id") if isinstance(record, dict) else None
        self.name = rid if isinstance(rid, str) and rid else f"#{index + 1}"
        self.fields = fields
        self.known_sources = known_sources

    def fail(self, field_name: str, problem: str) -> DataError:
        return DataError(self.file, self.name, field_name, problem)

    def check_keys(self) -> None:
        allowed = set(self.fields)
        for key in self.raw:
            if key not in allowed:
                raise self.fail(str(key), _("unknown field (allowed: {allowed})").format(allowed=", ".join(sorted(allowed))))
        for key, (required, *_rest) in self.fields.items():
            if required and key not in self.raw:
                raise self.fail(key, _("required field is missing"))

    def get(self, key: str) -> Any:
        required, kind, *extra = self.fields[key]
        if key not in self.raw or self.raw[key] is None:
            if required:
                raise self.fail(key, _("required field is missing"))
            return None
        value = self.raw[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(key, _("expected {expected}, found {found} ({value!r})").format(
                expected=_(_TYPE_NAMES[int]), found=type(value).__name__, value=value))
        if kind in (str, list, dict) and not isinstance(value, kind):
            raise self.fail(key, _("expected {expected}, found {found} ({value!r})").format(
                expected=_(_TYPE_NAMES[kind]), found=type(value).__name__, value=value))
        if kind in (str, list) and not value:
            raise self.fail(key, _("must not be empty"))
        if kind is str:
            value = value.strip()
        choices = extra[0] if extra else None
        if choices is not None and value not in choices:
            raise self.fail(key, _("unknown value {value!r}; allowed: {allowed}").format(value=value, allowed=", ".join(choices)))
        return value

    def get_id(self) -> str:
        value = self.get("id")
        if not ID_PATTERN.match(value):
            raise self.fail("id", _("ids use lowercase letters, digits and hyphens, found {value!r}").format(value=value))
        return value

    def get_date(self, key: str, precision_key: str = "precision", raw: dict | None = None) -> PartialDate | None:
        raw = self.raw if raw is None else raw
        if raw.get(key) is None:
            if self.fields.get(key, (False,))[0] and raw is self.raw:
                raise self.fail(key, _("required field is missing"))
            return None
        precision = raw.get(precision_key)
        if precision is None:
            raise self.fail(precision_key, _("required field is missing"))
        try:
            return parse_date(raw[key], precision)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None

    def get_sources(self, raw: dict | None = None, where: str = "sources") -> tuple[str, ...]:
        raw = self.raw if raw is None else raw
        value = raw.get("sources")
        if value is None:
            raise self.fail(where, _("every record must cite at least one source"))
        if not isinstance(value, list):
            raise self.fail(where, _("expected {expected}, found {found} ({value!r})").format(
                expected=_("a list"), found=type(value).__name__, value=value))
        if not value:
            raise self.fail(where, _("every record must cite at least one source"))
        for sid in value:
            if self.known_sources is not None and sid not in self.known_sources:
                raise self.fail(where, _("unknown source id {value!r}: add it to bibliography.yaml").format(value=sid))
        return tuple(value)

    def get_strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if value is None:
            return ()
        for item in value:
            if not isinstance(item, str) or not item:
                raise self.fail(key, _("expected {expected}, found {found} ({value!r})").format(
                    expected=_("a list of text"), found=type(item).__name__, value=item))
        return tuple(value)

    def get_certainty(self) -> str:
        certainty = self.get("certainty") or "verified"
        if certainty != "verified" and not self.raw.get("note"):
            raise self.fail("note", _("a record whose certainty is {certainty!r} needs a note saying why").format(
                certainty=certainty))
        return certainty

    def get_variants(self) -> tuple[Variant, ...]:
        value = self.get("variants")
        if value is None:
            return ()
        out = []
        for i, item in enumerate(value):
            where = f"variants[{i}]"
            if not isinstance(item, dict):
                raise self.fail(where, _("each record must be a mapping of field: value, found {found}").format(
                    found=type(item).__name__))
            for key in item:
                if key not in ("claim", "sources", "date", "precision"):
                    raise self.fail(f"{where}.{key}", _("unknown field (allowed: {allowed})").format(
                        allowed="claim, date, precision, sources"))
            claim = item.get("claim")
            if not isinstance(claim, str) or not claim.strip():
                raise self.fail(f"{where}.claim", _("required field is missing"))
            date = None
            if item.get("date") is not None:
                try:
                    date = parse_date(item["date"], item.get("precision") or "")
                except ValueError as exc:
                    raise self.fail(f"{where}.date", str(exc)) from None
            out.append(Variant(claim.strip(), self.get_sources(item, f"{where}.sources"), date))
        return tuple(out)


def _check_unique(file: str, records: Iterable[tuple[int, str]]) -> None:
    seen: dict[str, int] = {}
    for index, rid in records:
        if rid in seen:
            raise DataError(file, rid, "id", _("duplicate id {value!r} (first defined as record {first})").format(
                value=rid, first=f"#{seen[rid] + 1}"))
        seen[rid] = index


S, I, L = str, int, list  # noqa: E741 - short names keep the field tables readable
VARIANT_FIELDS = {"variants": (False, L), "certainty": (False, S, CERTAINTIES), "note": (False, S)}

BIBLIOGRAPHY_FIELDS = {
    "id": (True, S), "author": (True, S), "cite_as": (False, S), "title": (True, S), "year": (False, I),
    "published": (True, S), "outlet": (True, S),
    "url": (False, S), "language": (True, S), "kind": (True, S, SOURCE_KINDS), "note": (False, S),
}
TIMELINE_FIELDS = {
    "id": (True, S), "date": (True, None), "precision": (True, S, PRECISIONS),
    "category": (True, S, CATEGORIES), "drivers": (True, L), "title": (True, S), "title_fr": (False, S),
    "description": (True, S), "sources": (True, L), **VARIANT_FIELDS,
}
INSTITUTION_FIELDS = {
    "id": (True, S), "acronym": (True, S), "name_en": (True, S), "name_fr": (True, S),
    "kind": (True, S, INSTITUTION_KINDS), "created": (True, None), "precision": (True, S, PRECISIONS),
    "legal_text": (True, S), "attachment": (True, S, ATTACHMENTS), "mandate": (True, S),
    "composition": (True, S), "members": (False, L), "changes": (False, L), "sources": (True, L),
    **VARIANT_FIELDS,
}
ACTOR_FIELDS = {
    "id": (True, S), "acronym": (True, S), "name_en": (True, S), "name_fr": (True, S),
    "kind": (True, S, ACTOR_KINDS), "stance": (True, S, STANCES), "founded": (False, None),
    "precision": (False, S, PRECISIONS), "members": (False, L), "description": (True, S),
    "sources": (True, L), **VARIANT_FIELDS,
}
SELF_CHECK_FIELDS = {
    "id": (True, S), "module": (True, I), "question": (True, S), "options": (True, L),
    "answer": (True, I), "explanation": (True, S), "hint": (True, S), "sources": (True, L),
}
GLOSSARY_FIELDS = {
    "id": (True, S), "term": (True, S), "term_fr": (False, S), "definition": (True, S),
    "sources": (True, L), "see_also": (False, L),
}


def _records(file: str, raw: Any, fields: dict, known_sources) -> list[_Checker]:
    if not isinstance(raw, list):
        raise DataError(file, "-", "-", _("the file must hold a list of records, found {found}").format(found=type(raw).__name__))
    checkers = []
    for index, record in enumerate(raw):
        if not isinstance(record, dict):
            raise DataError(file, f"#{index + 1}", "-", _("each record must be a mapping of field: value, found {found}").format(
                found=type(record).__name__))
        checker = _Checker(file, record, index, fields, known_sources)
        checker.check_keys()
        checkers.append(checker)
    _check_unique(file, ((i, c.get_id()) for i, c in enumerate(checkers)))
    return checkers


UNKNOWN_PUBLICATION = "unknown"


def _publication_year(c: _Checker) -> int | None:
    """Check ``published`` against ``year``: the citation year is the publication year, or absent if unknown."""
    published = c.get("published")
    year = c.get("year")
    if published == UNKNOWN_PUBLICATION:
        if year is not None:
            raise c.fail("year", _("the publication date is unknown, so leave out 'year' (the citation says "
                                   "n.d.); an event year is not a publication year"))
        if not c.raw.get("note"):
            raise c.fail("note", _("'published: unknown' needs a note that says the date is not recorded"))
        return None
    precision = next((p for p, pattern in DATE_PATTERNS.items() if pattern.match(published)), None)
    if precision is None:
        raise c.fail("published", _("'{value}' is not a publication date: write YYYY, YYYY-MM, YYYY-MM-DD "
                                    "or unknown").format(value=published))
    try:
        date = parse_date(published, precision)
    except ValueError as exc:
        raise c.fail("published", str(exc)) from None
    if year is None:
        raise c.fail("year", _("required field is missing"))
    if year != date.year:
        raise c.fail("year", _("year {year} differs from the publication date {published}: the citation year "
                               "is the year of publication").format(year=year, published=published))
    return year


def _build_bibliography(raw: Any) -> dict[str, Source]:
    out = {}
    for c in _records("bibliography.yaml", raw, BIBLIOGRAPHY_FIELDS, None):
        out[c.get_id()] = Source(
            id=c.get_id(), author=c.get("author"), title=c.get("title"), year=_publication_year(c),
            outlet=c.get("outlet"), language=c.get("language"), kind=c.get("kind"),
            url=c.get("url"), note=c.get("note"), cite_as=c.get("cite_as"), published=c.get("published"),
        )
    # Two sources that would cite alike get 2015a, 2015b, in file order.
    groups: dict[tuple[str, int], list[str]] = {}
    for sid, source in out.items():
        groups.setdefault((source.short_name, source.year), []).append(sid)
    for ids in groups.values():
        if len(ids) > 1:
            for letter, sid in zip("abcdefghijklmnopqrstuvwxyz", ids, strict=False):
                out[sid] = replace(out[sid], suffix=letter)
    return out


def _build_timeline(raw: Any, sources) -> tuple[Event, ...]:
    events = []
    for c in _records("timeline.yaml", raw, TIMELINE_FIELDS, sources):
        drivers = c.get_strings("drivers")
        for d in drivers:
            if d not in DRIVERS:
                raise c.fail("drivers", _("unknown value {value!r}; allowed: {allowed}").format(
                    value=d, allowed=", ".join(DRIVERS)))
        c.get("precision")
        events.append(Event(
            id=c.get_id(), date=c.get_date("date"), category=c.get("category"), drivers=drivers,
            title=c.get("title"), title_fr=c.get("title_fr"), description=c.get("description"),
            sources=c.get_sources(), certainty=c.get_certainty(), note=c.get("note"),
            variants=c.get_variants(),
        ))
    return tuple(sorted(events, key=lambda e: (e.date.start, e.id)))


def _build_institutions(raw: Any, sources) -> dict[str, Institution]:
    out = {}
    for c in _records("institutions.yaml", raw, INSTITUTION_FIELDS, sources):
        members = []
        for i, m in enumerate(c.get("members") or []):
            if not isinstance(m, dict) or set(m) != {"group", "count"}:
                raise c.fail(f"members[{i}]", _("unknown field (allowed: {allowed})").format(allowed="group, count"))
            if not isinstance(m["count"], int) or isinstance(m["count"], bool) or m["count"] < 1:
                raise c.fail(f"members[{i}].count", _("expected {expected}, found {found} ({value!r})").format(
                    expected=_("a whole number above 0"),
                                                         found=type(m["count"]).__name__, value=m["count"]))
            members.append(Member(str(m["group"]), m["count"]))
        changes = []
        for i, ch in enumerate(c.get("changes") or []):
            where = f"changes[{i}]"
            if not isinstance(ch, dict):
                raise c.fail(where, _("each record must be a mapping of field: value, found {found}").format(
                    found=type(ch).__name__))
            for key in ch:
                if key not in ("date", "precision", "attachment", "description", "sources", "ended"):
                    raise c.fail(f"{where}.{key}", _("unknown field (allowed: {allowed})").format(
                        allowed="attachment, date, description, ended, precision, sources"))
            if not isinstance(ch.get("ended", False), bool):
                raise c.fail(f"{where}.ended", _("expected {expected}, found {found} ({value!r})").format(
                    expected=_("true or false"),
                                                    found=type(ch["ended"]).__name__, value=ch["ended"]))
            if ch.get("date") is None:
                raise c.fail(f"{where}.date", _("required field is missing"))
            try:
                date = parse_date(ch["date"], ch.get("precision") or "")
            except ValueError as exc:
                raise c.fail(f"{where}.date", str(exc)) from None
            attachment = ch.get("attachment")
            if attachment is not None and attachment not in ATTACHMENTS:
                raise c.fail(f"{where}.attachment", _("unknown value {value!r}; allowed: {allowed}").format(value=attachment,
                                                         allowed=", ".join(ATTACHMENTS)))
            if not isinstance(ch.get("description"), str) or not ch["description"].strip():
                raise c.fail(f"{where}.description", _("required field is missing"))
            changes.append(Change(date, ch["description"].strip(), c.get_sources(ch, f"{where}.sources"), attachment,
                                  ch.get("ended", False)))
        out[c.get_id()] = Institution(
            id=c.get_id(), acronym=c.get("acronym"), name_en=c.get("name_en"), name_fr=c.get("name_fr"),
            kind=c.get("kind"), created=c.get_date("created"), legal_text=c.get("legal_text"),
            attachment=c.get("attachment"), mandate=c.get("mandate"), composition=c.get("composition"),
            sources=c.get_sources(), members=tuple(members),
            changes=tuple(sorted(changes, key=lambda ch: ch.date.start)),
            certainty=c.get_certainty(), note=c.get("note"), variants=c.get_variants(),
        )
    return out


def _build_actors(raw: Any, sources) -> dict[str, Actor]:
    checkers = _records("actors.yaml", raw, ACTOR_FIELDS, sources)
    ids = {c.get_id() for c in checkers}
    out = {}
    for c in checkers:
        members = c.get_strings("members")
        for m in members:
            if m not in ids:
                raise c.fail("members", _("unknown {kind} id {value!r}").format(kind="actor", value=m))
        out[c.get_id()] = Actor(
            id=c.get_id(), acronym=c.get("acronym"), name_en=c.get("name_en"), name_fr=c.get("name_fr"),
            kind=c.get("kind"), stance=c.get("stance"), description=c.get("description"),
            sources=c.get_sources(), founded=c.get_date("founded"), members=members,
            certainty=c.get_certainty(), note=c.get("note"), variants=c.get_variants(),
        )
    return out


def _build_glossary(raw: Any, sources) -> dict[str, Term]:
    checkers = _records("glossary.yaml", raw, GLOSSARY_FIELDS, sources)
    ids = {c.get_id() for c in checkers}
    out = {}
    for c in checkers:
        see_also = c.get_strings("see_also")
        for ref in see_also:
            if ref not in ids:
                raise c.fail("see_also", _("unknown {kind} id {value!r}").format(kind="glossary", value=ref))
        out[c.get_id()] = Term(
            id=c.get_id(), term=c.get("term"), term_fr=c.get("term_fr"), definition=c.get("definition"),
            sources=c.get_sources(), see_also=see_also,
        )
    return out


def _build_self_checks(raw: Any, sources) -> dict[str, SelfCheck]:
    out = {}
    for c in _records("self_checks", raw, SELF_CHECK_FIELDS, sources):
        options = c.get_strings("options")
        if len(options) < 2:
            raise c.fail("options", _("a question needs at least two options"))
        answer = c.get("answer")
        if not 0 <= answer < len(options):
            raise c.fail("answer", _("answer {value} is not the index of one of the {n} options (0 is the first)").format(
                value=answer, n=len(options)))
        out[c.get_id()] = SelfCheck(
            id=c.get_id(), module=c.get("module"), question=c.get("question"), options=options,
            answer=answer, explanation=c.get("explanation"), hint=c.get("hint"), sources=c.get_sources(),
        )
    return out
