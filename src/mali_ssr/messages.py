"""Every user-facing string of the package, in one place.

The course will get a French edition: translators add a ``"fr"`` table here and
nothing else in the package changes. Code asks for a string by key with
:func:`text`; a missing key in the chosen language falls back to English.
Choose the language with the ``MALI_SSR_LANG`` environment variable.
"""

from __future__ import annotations

import os

EN: dict[str, str] = {
    # --- data loading -------------------------------------------------------
    "data.error": "{file}: record {record!r}, field {field!r}: {problem}",
    "data.missing_file": "the data file is missing from the package ({path})",
    "data.not_yaml": "the file is not valid YAML ({detail})",
    "data.not_list": "the file must hold a list of records, found {found}",
    "data.not_mapping": "each record must be a mapping of field: value, found {found}",
    "data.missing_field": "required field is missing",
    "data.unknown_field": "unknown field (allowed: {allowed})",
    "data.wrong_type": "expected {expected}, found {found} ({value!r})",
    "data.empty": "must not be empty",
    "data.bad_id": "ids use lowercase letters, digits and hyphens, found {value!r}",
    "data.duplicate_id": "duplicate id {value!r} (first defined as record {first})",
    "data.bad_choice": "unknown value {value!r}; allowed: {allowed}",
    "data.bad_date": "{value!r} is not a date of the form {form} for precision {precision!r}",
    "data.impossible_date": "{value!r} is not a real calendar date ({detail})",
    "data.unknown_source": "unknown source id {value!r}: add it to bibliography.yaml",
    "data.unknown_ref": "unknown {kind} id {value!r}",
    "data.too_few_options": "a question needs at least two options",
    "data.bad_answer": "answer {value} is not the index of one of the {n} options (0 is the first)",
    "data.no_sources": "every record must cite at least one source",
    "data.note_required": "a record whose certainty is {certainty!r} needs a note saying why",
    # --- widgets ------------------------------------------------------------
    "widget.no_events": "No event matches this selection. Widen the period or tick more boxes.",
    "widget.bad_period": "The period is empty: the first year ({start}) comes after the last ({end}).",
    "widget.out_of_range": "{what} must be between {low} and {high}; got {value}.",
    "widget.unknown_choice": "Unknown choice {value!r}. Pick one from the list.",
    "widget.events_shown": "{n} event(s) shown, {start} to {end}.",
    "widget.check_ok": "Widgets work in this notebook: you moved the slider to {value}.",
    "widget.check_prompt": "Move the slider. If a sentence appears below it, widgets work.",
    "widget.check_help": (
        "If nothing changes when you move the slider, widgets are not working: "
        "open the course with `mali-ssr start`, or install ipywidgets 8 in the "
        "environment that runs JupyterLab."
    ),
    "quiz.correct": "Correct. {explanation}",
    "quiz.incorrect": "Not quite. {hint}",
    "quiz.no_answer": "Pick an answer first.",
    "quiz.check_button": "Check my answer",
    "model.label": "Illustrative model, not data",
    # --- command line -------------------------------------------------------
    "cli.description": "The Mali SSR course: open the lectures, check the installation, grade assignments.",
    "cli.start.help": "copy the course notebooks into a workspace and open JupyterLab",
    "cli.check.help": "check that the installation works (kernel, widgets, nbgrader, data, notebooks)",
    "cli.start.copied": "copied {n} new notebook(s) into {dir}",
    "cli.start.updated": "updated {n} notebook(s) you had not changed",
    "cli.start.kept": "kept {n} notebook(s) you have changed (the course's newer original is beside it as {suffix}):",
    "cli.start.backup": "backed up {path} to {backup}",
    "cli.start.up_to_date": "your workspace {dir} is up to date",
    "cli.start.opening": "opening JupyterLab on {notebook} (stop it with Ctrl+C)",
    "cli.start.no_browser": "JupyterLab is starting; open the address it prints in your browser",
    "cli.start.not_dir": "cannot use {dir} as the workspace: it exists and is not a folder",
    "cli.start.not_writable": "cannot write to the workspace {dir}: {detail}",
    "cli.start.corrupt_manifest": (
        "the workspace record {path} is damaged ({detail}); it was moved aside to {backup} "
        "and every file you have is kept"
    ),
    "cli.reset.help": "put a notebook back as the course ships it (your copy is backed up first)",
    "cli.reset.done": "restored {notebook}; your previous copy is kept at {backup}",
    "cli.check.ok": "OK    {name}",
    "cli.check.fail": "FAIL  {name}: {detail}",
    "cli.check.verdict_ok": "All {n} checks passed: the course is ready.",
    "cli.check.verdict_fail": "{failed} of {n} checks failed: {names}. Fix these and run `mali-ssr check` again.",
    "cli.error": "mali-ssr: error: {detail}",
    "cli.grade.help": "autograde every submission of an assignment, in parallel (run from the course root)",
    "cli.grade.description": (
        "Autograde every submission under submitted/<student>/<assignment>/ with nbgrader, several students "
        "at once. The gradebook ends up as a sequential `nbgrader autograde` would leave it. A submission "
        "that crashes, hangs or is corrupt fails alone; the others are graded and the failures are listed."
    ),
    "cli.grade.summary": "graded {graded} submission(s) of {assignment} in {seconds:.1f} s; {failed} failed",
    "cli.grade.skipped": "skipped {n} already graded (use --force to grade them again): {students}",
    "cli.grade.flags_header": "flags for {n} student(s) (check these submissions by hand):",
    "cli.grade.failed_header": "these students' submissions could not be graded (see .mali-ssr/grade-logs/):",
    "cli.report.help": "write a CSV of scores per student and question, and a chart of the hardest questions",
    "cli.report.written": "wrote {csv} and {png} ({n} students)",
    "cli.report.hard": "  hardest: {question} (class average {percent}% of its points)",
}

TABLES: dict[str, dict[str, str]] = {"en": EN}


def language() -> str:
    """The language chosen by ``MALI_SSR_LANG`` (default English)."""
    lang = os.environ.get("MALI_SSR_LANG", "en").split("_")[0].lower()
    return lang if lang in TABLES else "en"


def text(key: str, **values: object) -> str:
    """Return the string ``key`` in the chosen language, filled with ``values``.

    >>> text("widget.bad_period", start=2020, end=2010)
    'The period is empty: the first year (2020) comes after the last (2010).'
    """
    table = TABLES[language()]
    template = table.get(key, EN[key])
    return template.format(**values)
