"""Load and validate the course data shipped inside the package.

The course's facts live in plain YAML files in ``mali_ssr/course_data/`` so that
an instructor can read, correct and extend them without touching code. This is
the one module that reads them. Every record is checked on load; a bad record
raises :class:`DataError` naming the file, the record and the field, so that a
typo never turns into a silently wrong chart.

>>> data = load()
>>> data.bibliography["bagayoko2017"].author
'Niagalé Bagayoko'
>>> len(data.timeline) >= 45
True
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .i18n import N_, _

FILES = ("bibliography", "timeline", "institutions", "actors", "glossary")

CATEGORIES = (
    "military",
    "coup",
    "armed-conflict",
    "agreement",
    "institution",
    "national-initiative",
    "international-intervention",
    "justice-impunity",
    "sanctions",
    "political",
)
DRIVERS = (
    "malian-state",
    "malian-military",
    "armed-movements",
    "civil-society",
    "international",
    "colonial-power",
)
#: Categories that count as an *initiative* when national and international
#: initiatives are compared (coups, conflicts and sanctions do not).
INITIATIVE_CATEGORIES = ("national-initiative", "institution", "agreement", "international-intervention")
#: Drivers counted as "national" when the course compares national and
#: international initiatives.
NATIONAL_DRIVERS = ("malian-state", "malian-military", "civil-society")
PRECISIONS = ("day", "month", "year")
CERTAINTIES = ("verified", "disputed", "unverified")
SOURCE_KINDS = ("seed", "academic", "official", "press", "reference")
INSTITUTION_KINDS = ("ssr", "ddr", "peace-process", "justice", "sanctions")
ATTACHMENTS = (
    "president",
    "prime-minister",
    "ministry",
    "government-and-movements",
    "international",
    "unknown",
)
ACTOR_KINDS = (
    "armed-coalition",
    "armed-group",
    "jihadist-group",
    "international-mission",
    "international-body",
    "state",
)
STANCES = ("ex-rebel", "pro-government", "dissident", "jihadist", "international", "state")

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DATE_FORMS = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}
DATE_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
}


class DataError(ValueError):
    """A data file or record is wrong. The message names file, record and field."""

    def __init__(self, file: str, record: str, field_name: str, problem: str):
        self.file, self.record, self.field, self.problem = file, record, field_name, problem
        super().__init__(_("{file}: record {record!r}, field {field!r}: {problem}").format(
            file=file, record=record, field=field_name, problem=problem))


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the day, the month or only the year."""

    year: int
    month: int = 1
    day: int = 1
    precision: str = "day"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, self.day)

    @property
    def decimal_year(self) -> float:
        """Position on a time axis (middle of the month or year when less precise)."""
        if self.precision == "year":
            return self.year + 0.5
        days = 366 if calendar.isleap(self.year) else 365
        if self.precision == "month":
            mid = dt.date(self.year, self.month, 15)
        else:
            mid = self.start
        return self.year + (mid.timetuple().tm_yday - 1) / days

    def label(self) -> str:
        """Readable date at its own precision: '19 Nov 1968', 'Mar 2009', '1962'."""
        if self.precision == "year":
            return str(self.year)
        month = calendar.month_abbr[self.month]
        if self.precision == "month":
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"

    def iso(self) -> str:
        return {"day": f"{self.year:04d}-{self.month:02d}-{self.day:02d}",
                "month": f"{self.year:04d}-{self.month:02d}",
                "year": f"{self.year:04d}"}[self.precision]


def parse_date(value: Any, precision: str) -> PartialDate:
    """Parse ``value`` at ``precision``; raise ``ValueError`` with a readable reason."""
    if isinstance(value, dt.date):  # YAML may hand us a date object for unquoted dates
        value = value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if precision not in PRECISIONS:
        raise ValueError(_("unknown value {value!r}; allowed: {allowed}").format(value=precision, allowed=", ".join(PRECISIONS)))
    match = DATE_PATTERNS[precision].match(str(value))
    if not match:
        raise ValueError(_("{value!r} is not a date of the form {form} for precision {precision!r}").format(
            value=value, form=DATE_FORMS[precision], precision=precision))
    parts = [int(p) for p in match.groups()] + [1, 1]
    year, month, day = parts[:3]
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(_("{value!r} is not a real calendar date ({detail})").format(value=value, detail=exc)) from None
    return PartialDate(year, month, day, precision)


# ------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Source:
    """One bibliography entry. ``year`` is the year of publication, never the year of the events reported;
    it is ``None`` when the publication date is unknown (``published: unknown``), and the citation says "n.d.".
    """

    id: str
    author: str
    title: str
    year: int | None
    outlet: str
    language: str
    kind: str
    url: str | None = None
    note: str | None = None
    cite_as: str | None = None  # short name in citations: a surname or an organisation's usual name
    suffix: str = ""  # 'a', 'b'... when two sources share a short name and a year
    published: str = "unknown"  # "YYYY", "YYYY-MM", "YYYY-MM-DD" or "unknown"

    @property
    def short_name(self) -> str:
        return self.cite_as or self.author.split()[-1]

    @property
    def date_label(self) -> str:
        """What a citation shows for the date: '2017', '2015a', or 'n.d.' (no date) when it is unknown."""
        if self.year is None:
            no_date = _("n.d.")
            return f"{no_date}-{self.suffix}" if self.suffix else no_date
        return f"{self.year}{self.suffix}"

    def citation(self) -> str:
        """Short reference: 'Bagayoko (2017)'; 'DCAF (2015a)' where two would look alike."""
        return f"{self.short_name} ({self.date_label})"


@dataclass(frozen=True)
class Variant:
    """One source's version of a disputed fact."""

    claim: str
    sources: tuple[str, ...]
    date: PartialDate | None = None


@dataclass(frozen=True)
class Event:
    id: str
    date: PartialDate
    category: str
    drivers: tuple[str, ...]
    title: str
    description: str
    sources: tuple[str, ...]
    certainty: str = "verified"
    title_fr: str | None = None
    note: str | None = None
    variants: tuple[Variant, ...] = ()

    @property
    def is_national(self) -> bool:
        return any(d in NATIONAL_DRIVERS for d in self.drivers)

    @property
    def is_international(self) -> bool:
        return any(d in ("international", "colonial-power") for d in self.drivers)


@dataclass(frozen=True)
class Change:
    date: PartialDate
    description: str
    sources: tuple[str, ...]
    attachment: str | None = None
    ended: bool = False  # this change ends the body (replaced, lapsed, basis removed)


@dataclass(frozen=True)
class Member:
    group: str
    count: int


@dataclass(frozen=True)
class Institution:
    id: str
    acronym: str
    name_en: str
    name_fr: str
    kind: str
    created: PartialDate
    legal_text: str
    attachment: str
    mandate: str
    composition: str
    sources: tuple[str, ...]
    members: tuple[Member, ...] = ()
    changes: tuple[Change, ...] = ()
    certainty: str = "verified"
    note: str | None = None
    variants: tuple[Variant, ...] = ()

    @property
    def ended(self) -> PartialDate | None:
        """When the body ceased to exist, if a change says so."""
        return next((c.date for c in self.changes if c.ended), None)

    def attachment_on(self, when: dt.date) -> str:
        """Who the institution answered to on a given day, following its changes."""
        current = self.attachment
        for change in self.changes:
            if change.attachment and change.date.start <= when:
                current = change.attachment
        return current


@dataclass(frozen=True)
class Actor:
    id: str
    acronym: str
    name_en: str
    name_fr: str
    kind: str
    stance: str
    description: str
    sources: tuple[str, ...]
    founded: PartialDate | None = None
    members: tuple[str, ...] = ()
    certainty: str = "verified"
    note: str | None = None
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition: str
    sources: tuple[str, ...]
    term_fr: str | None = None
    see_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelfCheck:
    """A multiple-choice question with immediate feedback (not graded)."""

    id: str
    module: int
    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    hint: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CourseData:
    """Everything the course knows, validated and cross-referenced."""

    bibliography: dict[str, Source]
    timeline: tuple[Event, ...]
    institutions: dict[str, Institution]
    actors: dict[str, Actor]
    glossary: dict[str, Term]
    self_checks: dict[str, SelfCheck] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)

    def cite(self, *source_ids: str) -> str:
        """'Bagayoko (2017); Yabi (2018)' for a list of source ids."""
        return "; ".join(self.bibliography[s].citation() for s in source_ids)

    def disputed(self) -> list[tuple[str, str, object]]:
        """Every record that keeps more than one version: (file, id, record)."""
        found: list[tuple[str, str, object]] = []
        for ev in self.timeline:
            if ev.variants:
                found.append(("timeline", ev.id, ev))
        for name, table in (("institutions", self.institutions), ("actors", self.actors)):
            for rid, rec in table.items():
                if rec.variants:
                    found.append((name, rid, rec))
        return found


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


# --------------------------------------------------------------------------- loading


def _read_yaml(path: Any, name: str) -> Any:
    import yaml  # imported here so that `import mali_ssr` stays fast

    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(name, "-", "-", _("the data file is missing from the package ({path})").format(path=path)) from None
    except UnicodeDecodeError as exc:
        raise DataError(name, "-", "-", _("the file is not valid YAML ({detail})").format(detail=exc)) from None
    try:
        return yaml.load(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C parser: 5x faster
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise DataError(name, "-", "-", _("the file is not valid YAML ({detail})").format(detail=detail)) from None


def build(raw: dict[str, Any]) -> CourseData:
    """Validate already-parsed records (one list per file name) and build CourseData."""
    bibliography = _build_bibliography(raw.get("bibliography"))
    timeline = _build_timeline(raw.get("timeline"), bibliography)
    data = CourseData(
        bibliography=bibliography,
        timeline=timeline,
        institutions=_build_institutions(raw.get("institutions"), bibliography),
        actors=_build_actors(raw.get("actors"), bibliography),
        glossary=_build_glossary(raw.get("glossary"), bibliography),
        self_checks=_build_self_checks(raw.get("self_checks", []), bibliography),
        events={e.id: e for e in timeline},
    )
    return data


def read_raw(data_dir: str | Path | None = None) -> dict[str, Any]:
    """Parse the YAML files without validating them (used by `build` and tests)."""
    base: Any = resources.files("mali_ssr") / "course_data" if data_dir is None else Path(data_dir)
    raw = {name: _read_yaml(base / f"{name}.yaml", f"{name}.yaml") for name in FILES}
    # Self-check questions: one file per lecture module in self_checks/.
    checks: list = []
    folder = base / "self_checks"
    if folder.is_dir():
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if path.name.endswith(".yaml"):
                records = _read_yaml(path, f"self_checks/{path.name}")
                if not isinstance(records, list):
                    raise DataError(f"self_checks/{path.name}", "-", "-",
                                    _("the file must hold a list of records, found {found}").format(found=type(records).__name__))
                checks.extend(records)
    raw["self_checks"] = checks
    return raw


def load(data_dir: str | Path | None = None, lang: str | None = None) -> CourseData:
    """Load and validate the course data, in the language of the edition.

    The shipped files are used unless ``data_dir`` is given or the environment
    variable ``MALI_SSR_DATA_DIR`` names a folder (an instructor's corrected copy).
    ``lang`` is the language of the text fields (``en`` or ``fr``); by default
    the language in use (:func:`mali_ssr.i18n.language`). French text comes from
    the overlay files in ``fr/`` (see :func:`translation_status`).
    """
    lang = _data_language(lang)
    data_dir = data_dir or os.environ.get("MALI_SSR_DATA_DIR") or None
    if data_dir is None:
        return _load_shipped(lang)
    data = build(read_raw(data_dir))
    return _apply_overlay(data, Path(data_dir), lang) if lang in OVERLAY_LANGUAGES else data


@lru_cache(maxsize=4)  # one per edition
def _load_shipped(lang: str = "en") -> CourseData:
    if lang != "en":  # every edition is built on the same validated English records
        return _apply_overlay(_load_shipped("en"), resources.files("mali_ssr") / "course_data", lang)
    return build(read_raw(None))


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
    "bibliography": (("note",), ()),
    "timeline": (("description", "note", "variants"), ("title",)),
    "institutions": (("legal_text", "mandate", "composition", "note", "members", "changes", "variants"), ("acronym",)),
    "actors": (("description", "note", "variants"), ("acronym",)),
    "glossary": (("definition",), ("term",)),
    "self_checks": (("question", "options", "explanation", "hint"), ()),
    "places": (("name",), ()),  # the course map's places (mali_ssr.places), French names such as Tombouctou
}
#: French already kept in the English files: the French edition uses it unless the overlay says otherwise.
FRENCH_FIELDS = {"title": "title_fr", "term": "term_fr"}
_LIST_ITEMS = {"variants": ("claim", Variant), "changes": ("description", Change), "members": ("group", Member)}


@dataclass(frozen=True)
class TranslationGap:
    """A record whose translation is missing or older than its English text."""

    file: str  # the overlay file, e.g. 'fr/timeline.yaml'
    record: str
    problem: str  # 'missing' or 'stale'
    en_sha: str  # the fingerprint of the English text now, to copy into the overlay once translated


def _data_language(lang: str | None) -> str:
    from .i18n import language

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
        if value:
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
    from .i18n import _

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
    from .i18n import _

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
    from .i18n import _

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
    from .i18n import _

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
    from .i18n import _

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
    from .places import PLACES_FILE, build_places, load_geography

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


def filter_events(
    events: Iterable[Event],
    categories: Iterable[str] | None = None,
    drivers: Iterable[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    predicate: Callable[[Event], bool] | None = None,
) -> list[Event]:
    """Events whose category and drivers are among those given, in [start, end] years."""
    cats = None if categories is None else set(categories)
    drvs = None if drivers is None else set(drivers)
    out = []
    for ev in events:
        if cats is not None and ev.category not in cats:
            continue
        if drvs is not None and not drvs.intersection(ev.drivers):
            continue
        if start is not None and ev.date.year < start:
            continue
        if end is not None and ev.date.year > end:
            continue
        if predicate is not None and not predicate(ev):
            continue
        out.append(ev)
    return out
