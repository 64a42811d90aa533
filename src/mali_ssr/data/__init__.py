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

The rooms: :mod:`.schema` (vocabularies, dates, records), :mod:`.validation`, :mod:`.loading`,
:mod:`.translation` (the French overlays). Every name stays importable from ``mali_ssr.data``.
"""

from .loading import (  # noqa: F401
    _load_shipped,
    _read_yaml,
    build,
    filter_events,
    load,
    read_raw,
)
from .schema import (  # noqa: F401
    ACTOR_KINDS,
    ATTACHMENTS,
    CATEGORIES,
    CERTAINTIES,
    DATE_FORMS,
    DATE_PATTERNS,
    DRIVERS,
    FILES,
    ID_PATTERN,
    INITIATIVE_CATEGORIES,
    INSTITUTION_KINDS,
    NATIONAL_DRIVERS,
    PRECISIONS,
    SOURCE_KINDS,
    STANCES,
    Actor,
    Change,
    CourseData,
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
from .translation import (  # noqa: F401
    _LIST_ITEMS,
    FRENCH_FIELDS,
    OVERLAY_LANGUAGES,
    TRANSLATABLE,
    TranslationGap,
    _apply_overlay,
    _data_language,
    _is_stale,
    _overlay_groups,
    _read_overlay,
    _tables,
    _translate_record,
    _with_french_fields,
    english_sha,
    translatable_text,
    translated_records,
    translation_status,
)
from .validation import (  # noqa: F401
    _TYPE_NAMES,
    ACTOR_FIELDS,
    BIBLIOGRAPHY_FIELDS,
    GLOSSARY_FIELDS,
    INSTITUTION_FIELDS,
    SELF_CHECK_FIELDS,
    TIMELINE_FIELDS,
    UNKNOWN_PUBLICATION,
    VARIANT_FIELDS,
    I,
    L,
    S,
    _build_actors,
    _build_bibliography,
    _build_glossary,
    _build_institutions,
    _build_self_checks,
    _build_timeline,
    _check_unique,
    _Checker,
    _publication_year,
    _records,
)
