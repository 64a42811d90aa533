"""An accessible HTML edition of the course, for reading on a phone or with a screen reader.

    python -m mali_ssr.html_edition OUTDIR              # the lectures
    python -m mali_ssr.html_edition OUTDIR --solutions  # and the worked solutions, for self-learners

Each notebook becomes one static page made with nbconvert's ``classic`` template
(which keeps the alt text of images; the default ``lab`` template drops it), with
the page language set, prompts left out, widgets replaced by a sentence (they need
a running kernel), links between the pages and a contents page. Nothing is loaded
from the network: the pages carry their pictures and styles inline, and
:func:`outside_requests` checks that no page asks for anything from outside.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .i18n import _, language

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: what nbconvert writes as alt text when an image has none: it hides the problem from checkers
NO_ALT_PLACEHOLDER = "No description has been provided for this image"
TEMPLATE_DIR = Path(__file__).resolve().parent / "html_template"
# an attribute that makes a browser fetch something: src=, href= of <link>, url(...) in CSS, import ... from
_FETCHING = re.compile(r"""(?:<(?:script|img|iframe|audio|video|source|embed)\b[^>]*\bsrc\s*=\s*["']?(?P<src>[^"'\s>]+)"""
                       r"""|<link\b[^>]*\bhref\s*=\s*["']?(?P<href>[^"'\s>]+)"""
                       r"""|url\(\s*["']?(?P<url>[^"')]+)"""
                       r"""|@import\s+["'](?P<imp>[^"']+)"""
                       r"""|\bimport\s+[\w{}\s,*]+\s+from\s+["'](?P<mod>[^"']+))""", re.I)


class MissingAltText(ValueError):
    """A notebook shows a picture without a description: the edition would not be accessible."""


@dataclass(frozen=True)
class Page:
    source: Path
    href: str  # file name inside the output folder
    title: str
    section: str  # "lecture" or "solution"


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def _static_outputs(nb) -> None:
    """Replace live-widget outputs by a sentence and drop the saved widget state (it needs scripts)."""
    note = html.escape(_("An interactive widget is here: open this notebook in JupyterLab to use it."))
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                output["data"] = {"text/html": f"<p><i>{note}</i></p>"}
    nb.metadata.pop("widgets", None)


def _relink(nb, pages: dict[str, str]) -> None:
    """Links between notebooks point to the matching pages (or are left as they are)."""
    def fix(text: str) -> str:
        return re.sub(r"""([(\"'])((?:\.\./)?(?:[\w-]+/)*([\w-]+)\.ipynb)""",
                      lambda m: m.group(1) + pages.get(m.group(3), m.group(2)), text)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = fix(cell.source)
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                value = output["data"]["text/html"]
                output["data"]["text/html"] = fix("".join(value) if isinstance(value, list) else value)


def pages(root: Path, solutions: bool = False) -> list[Page]:
    import nbformat

    sources = [(p, "lecture") for p in sorted((root / "course").glob("[0-9][0-9]_*.ipynb"))]
    if solutions:
        sources += [(p, "solution") for p in sorted((root / "solutions").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))]
    out = []
    for path, section in sources:
        prefix = "" if section == "lecture" else "solution-"
        out.append(Page(path, f"{prefix}{path.stem}.html", _title(nbformat.read(path, as_version=4)) or path.stem,
                        section))
    return out


def build(outdir: str | Path, solutions: bool = False, root: Path | None = None) -> list[Path]:
    """Write the pages and ``index.html`` into ``outdir``; returns the files written."""
    import nbformat
    from nbconvert import HTMLExporter

    from .workspace import notebooks_root

    root = root or notebooks_root()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    found = pages(root, solutions)
    by_stem = {p.source.stem: p.href for p in found if p.section == "lecture"}
    by_stem["index"] = "index.html"
    lang = language() if language() in ("en", "fr") else "en"
    exporter = HTMLExporter(template_name="classic", template_file="mali_ssr_page.html.j2",
                            extra_template_paths=[str(TEMPLATE_DIR)],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    written = []
    for i, page in enumerate(found):
        nb = nbformat.read(page.source, as_version=4)
        nb.metadata["title"] = page.title
        _static_outputs(nb)
        _relink(nb, by_stem)
        neighbours = {"previous": found[i - 1] if i > 0 else None, "next": found[i + 1] if i + 1 < len(found) else None}
        resources = {
            "language_code": lang,
            "metadata": {"name": page.title},
            "mali_ssr": {
                "contents_href": "index.html", "contents": _("Contents"), "nav_label": _("Course pages"),
                "skip": _("Skip to the content"), "previous_label": _("Previous"), "next_label": _("Next"),
                **{k: ({"href": v.href, "title": v.title} if v else None) for k, v in neighbours.items()},
            },
        }
        body, _resources = exporter.from_notebook_node(nb, resources=resources)
        if NO_ALT_PLACEHOLDER in body:
            raise MissingAltText(_("{notebook}: a picture has no alt text; show figures with "
                                   "mali_ssr.figure_display and refresh the notebook's outputs").format(
                notebook=page.source.name))
        target = outdir / page.href
        target.write_text(body, encoding="utf-8")
        written.append(target)
    index = outdir / "index.html"
    index.write_text(contents_page(found, lang), encoding="utf-8")
    return [index, *written]


def contents_page(found: list[Page], lang: str) -> str:
    sections = [("lecture", _("Lectures")), ("solution", _("Assignments with worked solutions"))]
    parts = []
    for section, heading in sections:
        items = "".join(f'<li><a href="{html.escape(p.href)}">{html.escape(p.title)}</a></li>'
                        for p in found if p.section == section)
        if items:
            parts.append(f"<h2>{html.escape(heading)}</h2><ol>{items}</ol>")
    title = html.escape(_("Security sector reform in Mali: an open course"))
    intro = html.escape(_("A reading edition of the course notebooks. The figures carry text descriptions; the "
                          "interactive widgets need JupyterLab (see the course's README)."))
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{title}</title>'
            '<style>body{font-family:sans-serif;font-size:16px;line-height:1.5;max-width:50em;margin:2em auto;'
            'padding:0 1em;color:#1a1a1a;background:#ffffff}a{color:#0b5394}</style></head>\n'
            f"<body><main><h1>{title}</h1><p>{intro}</p>{''.join(parts)}</main></body>\n</html>\n")


def outside_requests(page_html: str) -> list[str]:
    """Every address in the page that a browser would fetch from outside (should be none)."""
    found = []
    for match in _FETCHING.finditer(page_html):
        address = next(v for v in match.groupdict().values() if v)
        if re.match(r"^(https?:)?//", address, re.I):
            found.append(address)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mali_ssr.html_edition",
                                     description=_("Build the accessible HTML edition of the course."))
    parser.add_argument("outdir", help=_("folder to write the pages into"))
    parser.add_argument("--solutions", action="store_true", help=_("also the assignments' worked solutions"))
    args = parser.parse_args(argv)
    written = build(args.outdir, args.solutions)
    print(_("{n} pages written to {dir}; open {index}").format(n=len(written), dir=args.outdir,
                                                                index=Path(args.outdir) / "index.html"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
