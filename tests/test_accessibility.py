"""Accessibility of the course's own content (fast checks; the axe-core gate is in test_axe.py).

* every picture stored in a notebook carries alt text (image outputs, inline <img>, widget outputs);
* headings in every notebook go down one level at a time;
* the colours of the package's own HTML text reach WCAG AA contrast on a white page;
* figures shown through mali_ssr.figure_display carry their description.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mali_ssr import figure_display, widgets
from mali_ssr.contrast import AA_NORMAL_TEXT, contrast_ratio

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("course", "solutions", "exercises") for p in (ROOT / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
IMG = re.compile(r"<img\b[^>]*>", re.I)
ALT = re.compile(r"""\balt\s*=\s*("([^"]*)"|'([^']*)')""", re.I)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value or ""


def _outputs(nb: dict):
    """Every output of the notebook: cell outputs, and outputs kept in saved widget state (Output widgets)."""
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            yield f"cell {index}", output
    state = nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    for model_id, model in state.get("state", {}).items():
        for output in model.get("state", {}).get("outputs", []) or []:
            yield f"widget {model_id[:8]}", output


def missing_alt(nb: dict) -> list[str]:
    """Where a picture has no alt text: an image output without 'alt' metadata that no HTML twin
    describes, or an <img> without a non-empty alt attribute."""
    problems = []
    for where, output in _outputs(nb):
        data = output.get("data", {})
        html = _text(data.get("text/html"))
        for tag in IMG.findall(html):
            match = ALT.search(tag)
            if not match or not (match.group(2) or match.group(3) or "").strip():
                problems.append(f"{where}: <img> without alt text")
        for mime in ("image/png", "image/jpeg", "image/svg+xml"):
            if mime in data and not str(output.get("metadata", {}).get(mime, {}).get("alt", "")).strip():
                problems.append(f"{where}: {mime} output without alt metadata")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_stored_picture_has_alt_text(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert missing_alt(nb) == []


def test_alt_text_gate_catches_a_bare_image():
    bare = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}},
        {"output_type": "display_data", "data": {"text/html": '<img src="x.png">'}, "metadata": {}},
        {"output_type": "display_data", "data": {"text/html": '<img src="x.png" alt="">'}, "metadata": {}},
    ]}], "metadata": {}}
    assert len(missing_alt(bare)) == 3


# ------------------------------------------------------------------------------ headings

HEADING = re.compile(r"^(#{1,6})\s+\S")
HTML_HEADING = re.compile(r"<h([1-6])\b", re.I)


def heading_levels(nb: dict) -> list[int]:
    levels = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fenced = False
        for line in _text(cell["source"]).splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and (m := HEADING.match(line)):
                levels.append(len(m.group(1)))
            elif not fenced:
                levels.extend(int(level) for level in HTML_HEADING.findall(line))
    return levels


def heading_problems(levels: list[int]) -> list[str]:
    problems = []
    if levels and levels[0] != 1:
        problems.append(f"the first heading is level {levels[0]}, not 1")
    if levels.count(1) > 1:
        problems.append("more than one level-1 heading")
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            problems.append(f"level {before} is followed by level {after}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_headings_go_down_one_level_at_a_time(path):
    assert heading_problems(heading_levels(json.loads(path.read_text(encoding="utf-8")))) == []


def test_heading_gate_catches_a_skipped_level():
    assert heading_problems([1, 2, 4]) == ["level 2 is followed by level 4"]
    assert heading_problems([2, 3]) == ["the first heading is level 2, not 1"]


# ------------------------------------------------------------------------------ contrast

PACKAGE = ROOT / "src" / "mali_ssr"
CSS_COLOUR = re.compile(r"(?<![-\w])(color|background(?:-color)?)\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def html_colours(source: str) -> list[tuple[str, str]]:
    return [(prop, colour) for prop, colour in CSS_COLOUR.findall(source)]


def contrast_problems(colours: list[tuple[str, str]], page: str = "#ffffff") -> list[str]:
    """Text colours under AA on the page, and backgrounds under AA behind the page's default black text."""
    problems = []
    for prop, colour in colours:
        text, ground = (colour, page) if prop == "color" else ("#000000", colour)
        ratio = contrast_ratio(text, ground)
        if ratio < AA_NORMAL_TEXT:
            problems.append(f"{prop}:{colour} contrast {ratio:.2f} < {AA_NORMAL_TEXT}")
    return problems


def test_colours_of_the_course_html_reach_wcag_aa():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        found += [(f"{path.name}: {p}", c) for p, c in html_colours(source)]
    assert found, "no colour found: the scan is broken"
    problems = [f"{where} -> {msg}" for where, c in found
                for msg in contrast_problems([(where.split(": ")[1], c)])]
    assert problems == []


def test_contrast_gate_catches_light_grey_text():
    assert contrast_problems(html_colours('<p style="color:#999999">faint</p>'))
    assert not contrast_problems(html_colours('<p style="color:#a04000">warning</p>'))


# ------------------------------------------------------------------------ figure display


def test_a_figure_goes_out_with_alt_text_in_html_and_metadata():
    from matplotlib.figure import Figure

    fig = Figure()
    figure_display.describe(fig.add_subplot(), "Two bars of equal height.")
    data, metadata = figure_display.bundle(fig)
    assert metadata == {"image/png": {"alt": "Two bars of equal height."}}
    assert 'alt="Two bars of equal height."' in data["text/html"]
    assert "<figcaption><i>Figure: Two bars of equal height.</i></figcaption>" in data["text/html"]
    assert data["text/plain"] == "Two bars of equal height."
    assert data["image/png"] and data["image/png"] in data["text/html"]


def test_a_figure_without_description_is_refused():
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([1, 2])
    with pytest.raises(figure_display.MissingDescription):
        figure_display.bundle(fig)


@pytest.mark.parametrize("view", [
    lambda: widgets.timeline_view(["coup"], ["malian-military"], (1960, 2025)),
    lambda: widgets.initiatives_view((1990, 2024), 5),
    lambda: widgets.institution_view("cnrss"),
    lambda: widgets.council_view(30, 3, 10, 10, 2, 2),
    lambda: widgets.peace_justice_view(0.5, 0.2, 0.3, 0.5),
], ids=["timeline", "initiatives", "institution", "council", "peace-justice"])
def test_every_widget_figure_has_a_description(view):
    shown = view()
    assert shown.figure is not None and figure_display.description(shown.figure)


# ------------------------------------------------------------------------ HTML edition


def test_outside_requests_finds_cdn_scripts_and_styles():
    from mali_ssr.html_edition import outside_requests

    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/y.css">'
            '<style>@import "https://fonts.example/z.css"; body{background:url(data:image/png;base64,AAA)}</style>'
            '<a href="https://example.org/">a link is not a request</a><img src="data:image/png;base64,AAA" alt="x">')
    assert outside_requests(page) == ["https://cdn.example/x.js", "//cdn.example/y.css", "https://fonts.example/z.css"]


def test_contents_page_has_language_headings_and_links(tmp_path):
    from mali_ssr.html_edition import Page, contents_page

    found = [Page(ROOT / "course" / "01_history_lecture.ipynb", "01_history_lecture.html", "Module 1", "lecture"),
             Page(ROOT / "solutions" / "01_history" / "01_history.ipynb", "solution-01_history.html", "A1", "solution")]
    page = contents_page(found, "en")
    assert '<html lang="en">' in page
    assert heading_problems([int(h) for h in HTML_HEADING.findall(page)]) == []
    assert 'href="01_history_lecture.html"' in page and 'href="solution-01_history.html"' in page
