"""Loading: the YAML files read once (cached per language), validated and built; event filters."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..i18n import _
from .schema import FILES, CourseData, DataError, Event
from .validation import (
    _build_actors,
    _build_bibliography,
    _build_glossary,
    _build_institutions,
    _build_self_checks,
    _build_timeline,
)

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
    from .translation import OVERLAY_LANGUAGES, _apply_overlay, _data_language  # it imports this room
    lang = _data_language(lang)
    data_dir = data_dir or os.environ.get("MALI_SSR_DATA_DIR") or None
    if data_dir is None:
        return _load_shipped(lang)
    data = build(read_raw(data_dir))
    return _apply_overlay(data, Path(data_dir), lang) if lang in OVERLAY_LANGUAGES else data


@lru_cache(maxsize=4)  # one per edition
def _load_shipped(lang: str = "en") -> CourseData:
    from .translation import _apply_overlay

    if lang != "en":  # every edition is built on the same validated English records
        return _apply_overlay(_load_shipped("en"), resources.files("mali_ssr") / "course_data", lang)
    return build(read_raw(None))




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
