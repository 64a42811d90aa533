"""The axe-core gate: no critical or serious accessibility violation in the course's own content.

axe-core (installed from npm by .ci/run into .ci/node; no CDN) is injected into every page of the
HTML edition and into one live lecture in JupyterLab. Violations inside the course's content
(rendered Markdown, outputs: figures, tables, the course's HTML) fail the test; those in
JupyterLab's own interface are printed in the test output and not counted. A last test shows that
the gate fails on a page with an image without alt text.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from browser_support import (
    ROOT,
    VIEWPORT,
    WAIT_MS,
    Server,
    fresh_page,
    jupyter_env,
    launched_browser,
    open_notebook,
    require_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
COUNTED = ("critical", "serious")
LIVE_LECTURE = "course/01_history_lecture.ipynb"
# What belongs to the course inside JupyterLab: rendered Markdown cells and cell outputs.
COURSE_CONTENT = ".jp-MarkdownOutput, .jp-OutputArea-output"

RUN_AXE = """async (scope) => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => {
            const el = document.querySelector(n.target[0]);
            return {target: n.target.join(' '), ours: !scope || !!(el && el.closest(scope)), html: n.html.slice(0, 160)};
        }),
    }));
}"""


def axe_source() -> str:
    if not AXE.is_file():
        message = f"axe-core is missing ({AXE}); install it: npm install --prefix .ci/node axe-core@4.14"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, scope: str | None = None) -> tuple[list[str], list[str]]:
    """(counted, listed): counted are critical/serious violations in our content, listed all the others."""
    page.add_script_tag(content=axe_source())
    counted, listed = [], []
    for violation in page.evaluate(RUN_AXE, scope):
        for node in violation["nodes"]:
            line = f"{violation['impact']} {violation['id']} ({violation['help']}): {node['target']} {node['html']}"
            (counted if node["ours"] and violation["impact"] in COUNTED else listed).append(line)
    return counted, listed


@pytest.fixture(scope="module")
def browser():
    with launched_browser(require_browser()) as browser:
        yield browser


@pytest.fixture
def page(browser):
    with fresh_page(browser) as page:
        yield page


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    from mali_ssr.html_edition import build

    started = time.perf_counter()
    files = build(tmp_path_factory.mktemp("html"), solutions=True, root=ROOT)
    print(f"HTML edition: {len(files)} pages in {time.perf_counter() - started:.1f} s")
    return files


def _edition_pages():
    names = ["index"] + [p.stem for p in sorted((ROOT / "course").glob("[0-9][0-9]_*.ipynb"))]
    names += [f"solution-{p.stem}" for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))]
    return names


@pytest.mark.parametrize("name", _edition_pages())
def test_html_edition_page_passes_axe_and_fetches_nothing_outside(page, edition, name):
    path = next(p for p in edition if p.stem == name)
    outside = []
    page.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
               if not route.request.url.startswith(("file:", "data:")) else route.continue_())
    page.goto(path.as_uri())
    counted, listed = axe_violations(page)
    for line in listed:
        print("not counted:", line)
    assert outside == [], f"the page asked for outside resources: {outside}"
    assert counted == [], "\n".join(counted)
    assert page.evaluate("document.documentElement.lang") in ("en", "fr")


def test_live_lecture_in_jupyterlab_passes_axe_in_the_course_content(browser, tmp_path):
    axe_source()
    workspace = tmp_path / "workspace"
    env = jupyter_env(tmp_path / "jupyter")
    server = Server(lambda port: [sys.executable, "-m", "mali_ssr", "start", "--dir", str(workspace), "--no-browser",
                                  "--port", str(port)], env, cwd=tmp_path, log=tmp_path / "server.log")
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        open_notebook(page, server, LIVE_LECTURE)
        page.wait_for_selector(".jp-OutputArea-output img", timeout=WAIT_MS)
        alts = page.eval_on_selector_all(".jp-OutputArea-output img", "es => es.map(e => e.getAttribute('alt'))")
        assert alts and all(alts), f"figures without alt text in JupyterLab: {alts}"
        counted, listed = axe_violations(page, COURSE_CONTENT)
        print(f"JupyterLab's own violations (listed, not counted): {len(listed)}")
        for line in listed:
            print("  ", line)
        assert counted == [], "\n".join(counted)
    finally:
        context.close()
        server.stop()


def test_the_gate_fails_on_an_image_without_alt_text(page, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main><h1>t</h1>'
                   '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf'
                   'DwAChwGA60e6kgAAAABJRU5ErkJggg=="></main></body></html>')
    page.goto(bad.as_uri())
    counted, _listed = axe_violations(page)
    assert any(" image-alt " in line for line in counted), counted
