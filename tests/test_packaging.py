"""Packaging: conda and pip agree, the README's commands are the ones CI runs, the wheel ships the notebooks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_packages_as_pyproject():
    # (tomllib is Python 3.11+, the course supports 3.10: read the two lists directly)
    text = (ROOT / "pyproject.toml").read_text()
    lists = [re.search(rf"^{key} = \[(.*?)^\]", text, re.S | re.M).group(1) for key in ("dependencies", "test")]
    wanted = {_name(r) for block in lists for r in re.findall(r'"([^"]+)"', block)}
    assert {"jupyterlab", "nbgrader", "pytest", "nbval"} <= wanted
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_name(r) for r in dep["pip"] if not r.startswith("-")}
        else:
            conda.add(_name(dep))
    assert (conda | pip) - {"python", "pip"} == wanted


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    install, test = blocks[0], blocks[1]
    assert "mali-ssr start" in install and "pip install -e ." in install
    assert "pytest" in test and ".[test]" in test
    assert readme.index(install) < readme.index("## What this course is")
    assert test in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_wheel_ships_the_notebooks_and_data(built_wheel):
    wheel = built_wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in ROOT.glob("course/*.ipynb"):
        assert f"mali_ssr/notebooks/course/{notebook.name}" in names
    for notebook in ROOT.glob("exercises/*/*.ipynb"):
        assert f"mali_ssr/notebooks/exercises/{notebook.parent.name}/{notebook.name}" in names
    for notebook in ROOT.glob("solutions/*/*.ipynb"):
        assert f"mali_ssr/notebooks/solutions/{notebook.parent.name}/{notebook.name}" in names
    assert "mali_ssr/course_data/timeline.yaml" in names
    assert any(n.startswith("mali_ssr/course_data/self_checks/") for n in names)


# The student-side modules are a public API: learners' saved notebooks import these names (issue #10).
STUDENT_API = {'data': ['ACTOR_FIELDS', 'ACTOR_KINDS', 'ATTACHMENTS', 'Actor', 'BIBLIOGRAPHY_FIELDS', 'CATEGORIES', 'CERTAINTIES', 'Change', 'CourseData', 'DATE_FORMS', 'DATE_PATTERNS', 'DRIVERS', 'DataError', 'Event', 'FILES', 'GLOSSARY_FIELDS', 'I', 'ID_PATTERN', 'INITIATIVE_CATEGORIES', 'INSTITUTION_FIELDS', 'INSTITUTION_KINDS', 'Institution', 'L', 'Member', 'NATIONAL_DRIVERS', 'PRECISIONS', 'PartialDate', 'S', 'SELF_CHECK_FIELDS', 'SOURCE_KINDS', 'STANCES', 'SelfCheck', 'Source', 'TIMELINE_FIELDS', 'Term', 'UNKNOWN_PUBLICATION', 'VARIANT_FIELDS', 'Variant', 'build', 'filter_events', 'load', 'parse_date', 'read_raw'], 'widgets': ['ACCOUNTABILITY_CATEGORIES', 'FIRST_YEAR', 'LAST_YEAR', 'MODEL_LABEL', 'QUIZ_CLASS', 'QUIZ_STYLE', 'STARTING_SEATS', 'View', 'accountability_timeline', 'check_answer', 'council_model', 'council_view', 'disagreement_keys', 'disagreement_view', 'glossary_browser', 'glossary_view', 'initiatives_explorer', 'initiatives_view', 'institution_map', 'institution_view', 'peace_justice_model', 'peace_justice_view', 'self_check', 'self_checks', 'source_disagreements', 'timeline_explorer', 'timeline_view', 'widget_check', 'widget_check_view'], 'lecture': ['figure', 'home', 'progress', 'reading_list', 'term'], 'answer_checks': ['AnswerError', 'expect_choice', 'expect_equal', 'expect_function', 'expect_in_range', 'expect_keys', 'expect_length', 'expect_number', 'expect_option', 'expect_returns', 'expect_same_items', 'expect_type', 'form_ok', 'hidden_tests_passed', 'plain_message', 'use_plain_errors']}  # noqa: E501 - one line, so that a change of the API is one line of diff


@pytest.mark.parametrize("module", sorted(STUDENT_API))
def test_student_side_names_stay_importable(module):
    import importlib

    loaded = importlib.import_module(f"mali_ssr.{module}")
    missing = [name for name in STUDENT_API[module] if not hasattr(loaded, name)]
    assert missing == [], f"mali_ssr.{module} lost public names: {missing}"
