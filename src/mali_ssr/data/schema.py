"""The shape of the course data: vocabularies, dates, and the records the loader builds."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..i18n import _

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
