"""Interactive widgets for the lecture notebooks.

Each widget is split in two. A *view function* (``*_view``) is a plain function
of the control values that returns what should be shown: a matplotlib
``Figure``, an HTML string, or both. It never raises on an empty or impossible
selection; it returns a clear message instead. Tests and benchmarks call view
functions directly, without a browser. A *builder* makes the ipywidgets
controls and wires them to the view function with ``interactive_output``."""

from .builders import (
    QUIZ_CLASS,
    QUIZ_STYLE,
    SLIDER_CLASS,
    SLIDER_STYLE,
    accountability_timeline,
    council_model,
    glossary_browser,
    initiatives_explorer,
    institution_map,
    peace_justice_model,
    self_check,
    self_checks,
    source_disagreements,
    timeline_explorer,
    widget_check,
)
from .views import (
    ACCOUNTABILITY_CATEGORIES,
    FIRST_YEAR,
    LAST_YEAR,
    MODEL_LABEL,
    STARTING_SEATS,
    View,
    check_answer,
    council_view,
    disagreement_keys,
    disagreement_view,
    glossary_view,
    initiatives_view,
    institution_view,
    peace_justice_view,
    timeline_view,
    widget_check_view,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "ACCOUNTABILITY_CATEGORIES",
    "MODEL_LABEL",
    "STARTING_SEATS",
    "View",
    "widget_check_view",
    "widget_check",
    "glossary_view",
    "glossary_browser",
    "timeline_view",
    "timeline_explorer",
    "accountability_timeline",
    "initiatives_view",
    "initiatives_explorer",
    "institution_view",
    "institution_map",
    "council_view",
    "council_model",
    "peace_justice_view",
    "peace_justice_model",
    "disagreement_keys",
    "disagreement_view",
    "source_disagreements",
    "QUIZ_CLASS",
    "QUIZ_STYLE",
    "SLIDER_CLASS",
    "SLIDER_STYLE",
    "check_answer",
    "self_check",
    "self_checks",
]
