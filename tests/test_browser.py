"""End to end in a real browser: JupyterLab as a student and as an instructor sees it.

* Student: ``mali-ssr start --no-browser`` in a temporary workspace; each lecture notebook is run
  whole in JupyterLab, must show no error, and one widget per module is operated (a slider by
  keyboard, a dropdown, a quiz) and must change its output.
* Assignment: a right answer typed into an exercise passes the visible test ("Form OK"); an answer of the
  wrong form gets the visible test's clear AnswerError ("... should be ...").
* Home page: its links open a lecture and its assignment; there a check run before its answer, and the
  untouched answer cell, each show one plain sentence (no traceback). The learner's Nbgrader menu has the
  assignment list but no formgrader, course list or "Create Assignment", and /formgrader is not served.
* Map: Module 1's map cell is run and the figure is screenshotted (test-artifacts/map-module-1.png); the
  picture must be a real drawing (size, colours) and carry its alt text.
* French: ``mali-ssr start --lang fr`` opens a French JupyterLab (its menus are French); the French
  Module 1 runs whole and its widget labels, buttons, list options and figure alt texts are French, with
  no English catalogue string; the French Assignment 1 answers a missing answer in French.
* Instructor: ``mali-ssr instructor`` on a copy of the course directory after ``nbgrader generate_assignment``
  has nbgrader's instructor tools in its menu and lists the four assignments in the formgrader.

Screenshots go to test-artifacts/. The servers are started here, in temporary folders, and stopped
by process id. Without chromium these tests skip, except under CI (CI set), where they fail.
Run only these: ``pytest tests/test_browser.py -m browser``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser_support import (
    ARTIFACTS,
    LAB_MENUS,
    ROOT,
    RUN_ALL_MS,
    VIEWPORT,
    WAIT_MS,
    Server,
    element_screenshot,
    error_texts,
    executed,
    french_catalogue,
    fresh_page,
    jupyter_env,
    kernel_idle,
    launched_browser,
    menu_bar_labels,
    menu_command,
    open_menu_commands,
    open_notebook,
    page_excerpt,
    picture_problems,
    prompts,
    replace_cell_source,
    require_browser,
    run_cell,
    screenshot,
    scroll_into_view,
    shutdown_kernel,
    stderr_outputs,
    wait_kernel_idle,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LECTURES = sorted(p.stem for p in (ROOT / "course").glob("[0-9]*.ipynb"))
ASSIGNMENTS = ("01_history", "02_institutional_design", "03_impunity_and_peace", "04_synthesis")
EXERCISE = "01_history"
FRENCH_LECTURE = "course/fr/01_histoire.ipynb"
FRENCH_EXERCISE = "exercises/01_history_fr/01_history_fr.ipynb"
MAP_LECTURE = "course/01_history_lecture.ipynb"  # Module 1: its map section shows lecture.figure("map")

#: nbgrader's instructor-side menu commands (hidden in a learner's workspace) and its student-side one
INSTRUCTOR_COMMANDS = ("nbgrader:open-formgrader", "nbgrader:open-course-list", "nbgrader:open-create-assignment")
STUDENT_COMMANDS = ("nbgrader:open-assignment-list",)

# The widget operated in each lecture module: (kind, what identifies it).
#   slider:   the slider's description; moved with the keyboard (focus the handle, ArrowRight)
#   dropdown: the dropdown's description; another option chosen
#   quiz:     the self-check id; the right option clicked, then "Check my answer"
INTERACTIONS = {
    "00_start_here": ("slider", "Move me"),
    "01_history_lecture": ("slider", "Years per bar"),
    "02_institutional_design_lecture": ("dropdown", "Institution"),
    "03_impunity_and_peace_lecture": ("slider", "Breadth of amnesty"),
    "04_what_happened_next_lecture": ("quiz", "m4-strategy-status"),
}


def test_every_lecture_has_an_interaction():
    assert LECTURES == sorted(INTERACTIONS), "add the new lecture's widget to INTERACTIONS"


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium():
    return require_browser()


@pytest.fixture(scope="module")
def browser(chromium):
    with launched_browser(chromium) as browser:
        yield browser


@pytest.fixture
def page(browser):
    with fresh_page(browser) as page:
        yield page


@pytest.fixture(scope="module")
def student_server(chromium, tmp_path_factory):
    """``mali-ssr start --no-browser`` in a temporary workspace (the real command, as a learner runs it)."""
    base = tmp_path_factory.mktemp("student")
    workspace = base / "workspace"
    env = jupyter_env(base / "jupyter")

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "mali_ssr", "start", "--dir", str(workspace), "--no-browser",
                "--port", str(port)]

    server = Server(command, env, cwd=base, log=base / "server.log")
    server.workspace = workspace
    try:
        missing = [n for n in LECTURES if not (workspace / "course" / f"{n}.ipynb").is_file()]
        assert not missing, f"mali-ssr start did not copy {missing} into the workspace"
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def french_server(chromium, tmp_path_factory):
    """``mali-ssr start --lang fr --no-browser``: the French edition in its own workspace, JupyterLab in French."""
    base = tmp_path_factory.mktemp("french")
    workspace = base / "mali-ssr-cours"
    env = jupyter_env(base / "jupyter")

    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "mali_ssr", "start", "--lang", "fr", "--dir", str(workspace), "--no-browser",
                "--port", str(port)]

    server = Server(command, env, cwd=base, log=base / "server.log")
    server.workspace = workspace
    try:
        for path in (FRENCH_LECTURE, FRENCH_EXERCISE):
            assert (workspace / path).is_file(), f"mali-ssr start --lang fr did not copy {path}"
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def instructor_server(chromium, tmp_path_factory):
    """``mali-ssr instructor`` on a copy of the course directory, after ``nbgrader generate_assignment``."""
    base = tmp_path_factory.mktemp("instructor")
    course = base / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for section in ("solutions", "exercises"):
        shutil.copytree(ROOT / section, course / section, ignore=ignore)
    env = jupyter_env(base / "jupyter")
    nbgrader = shutil.which("nbgrader", path=env["PATH"])
    assert nbgrader, "the nbgrader command is not installed next to this Python"
    for name in ASSIGNMENTS:
        done = subprocess.run([nbgrader, "generate_assignment", name, "--force"], cwd=course, env=env,
                              check=False, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, \
            f"nbgrader generate_assignment {name} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"

    def command(port: int) -> list[str]:  # the instructor's own command (JupyterLab rooted at the course)
        return [sys.executable, "-m", "mali_ssr", "instructor", "--course", str(course), "--no-browser",
                "--port", str(port)]

    server = Server(command, env, cwd=course, log=base / "server.log")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def diagnostics(page, server: Server, name: str):
    """On failure: a screenshot, the page text and the end of the server log (shown by pytest)."""
    (ARTIFACTS / f"FAILED-{name}.png").unlink(missing_ok=True)  # not one left from an earlier run
    try:
        yield
    except Exception:
        try:
            path = screenshot(page, f"FAILED-{name}.png")
            print(f"failure screenshot: {path}")
        except Exception as exc:
            print(f"(no failure screenshot: {exc})")
        print(f"--- page text ({name}) ---\n{page_excerpt(page)}")
        print(f"--- server log (last lines) ---\n{server.log_tail()}")
        raise


# ------------------------------------------------------------------------- lecture helpers


def code_cell_with(page, control):
    """The notebook code cell whose output holds the ``control`` locator (one match required)."""
    cell = page.locator(".jp-Notebook .jp-CodeCell", has=control)
    assert cell.count() == 1, f"expected one code cell with the control, found {cell.count()}"
    return cell


def code_cell_running(page, code: str):
    """The code cell whose source contains ``code``."""
    cell = page.locator(".jp-Notebook .jp-CodeCell", has=page.locator(".jp-InputArea-editor", has_text=code))
    assert cell.count() == 1, f"expected one code cell running {code!r}, found {cell.count()}"
    return cell


def output_state(box) -> tuple[tuple[str, ...], str]:
    """What a widget shows: its images (their src) and its text."""
    images = tuple(box.locator("img").evaluate_all("es => es.map(e => e.getAttribute('src') || '')"))
    return images, box.inner_text()


def clear_outputs(page, lang: str = "en") -> None:
    """Clear the notebook's stored outputs (Edit > Clear Outputs of All Cells), if it has any."""
    if any(executed(p) for p in prompts(page)):
        menu_command(page, LAB_MENUS[lang]["edit"], "editmenu:clear-all")
        wait_until(lambda: not any(executed(p) for p in prompts(page)), WAIT_MS, "the outputs to be cleared")


def run_all(page, lang: str = "en") -> None:
    """Clear the stored outputs (so execution counts are this run's), run all cells, wait for the end.

    ``lang`` is JupyterLab's interface language (its menus are found by their label).
    """
    clear_outputs(page, lang)
    menu_command(page, LAB_MENUS[lang]["run"], "runmenu:run-all")
    wait_until(lambda: (ps := prompts(page)) and all(executed(p) for p in ps) and kernel_idle(page), RUN_ALL_MS,
               "every code cell to run and the kernel to be idle", poll=0.5)
    # ipywidgets draw after the kernel replied: wait for the placeholders to go
    wait_until(lambda: page.get_by_text("Loading widget...").count() == 0, WAIT_MS, "the widgets to render")


def check_lecture_outputs(page, name: str) -> None:
    errors = error_texts(page)
    assert not errors, f"{name}: error output after Run All:\n" + "\n---\n".join(e[:1500] for e in errors)
    other = stderr_outputs(page)
    if other:  # warnings are shown, not failed on (a first matplotlib run may print one)
        print(f"{name}: stderr output (not an error):\n" + "\n".join(t[:500] for t in other))
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    for i in range(cells.count()):
        cell = cells.nth(i)
        source = cell.locator(".jp-InputArea-editor").inner_text()
        if "widgets." in source:
            assert cell.locator(".jupyter-widgets").count() > 0, f"{name}: no widget rendered for:\n{source}"
            warnings = [t for t in cell.locator(".widget-output").all_inner_texts() if "⚠" in t]
            assert not warnings, f"{name}: a widget starts with a warning:\n{source}\n{warnings}"
        if "lecture.figure(" in source:
            assert cell.locator(".jp-OutputArea-output img").count() > 0, f"{name}: no figure for:\n{source}"


def move_slider(page, label: str, presses: int, shows, what: str):
    """Move the slider called ``label`` by ``presses`` steps with the keyboard (focus, ArrowRight).

    ``shows(before, now, value)`` says when the widget's output (images, text) shows the new value.
    Returns the widget box, the old and new values and the output before and after.
    """
    slider = page.locator(".widget-slider",
                          has=page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$")))
    assert slider.count() == 1, f"expected one slider {label!r}, found {slider.count()}"
    box = code_cell_with(page, slider).locator(".jp-OutputArea-output").first
    output = box.locator(".widget-output")
    handle = slider.locator(".noUi-handle")
    old = handle.get_attribute("aria-valuenow")
    before = output_state(output)
    scroll_into_view(slider, "center")
    handle.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    wait_until(lambda: handle.get_attribute("aria-valuenow") != old, WAIT_MS, f"the slider {label!r} to move from {old}")
    new = handle.get_attribute("aria-valuenow")
    wait_until(lambda: shows(before, output_state(output), new), WAIT_MS, f"{what} (slider {label!r} {old} -> {new})")
    wait_kernel_idle(page)
    after = output_state(output)
    assert shows(before, after, new), f"{what}: the output changed again after the kernel went idle"
    return box, old, new, before, after


def interact(page, name: str):
    """Operate the module's widget, check its output changed; return (widget box, description)."""
    kind, target = INTERACTIONS[name]
    if kind == "slider" and name == "00_start_here":
        from mali_ssr.i18n import _

        def says_value(before, now, value):
            return _("Widgets work in this notebook: you moved the slider to {value}.").format(value=int(float(value))) in now[1]

        box, old, new, _before, _after = move_slider(page, target, 3, says_value, "the widget check's sentence")
        return box, f"slider {target!r} {old} -> {new} (sentence shows {int(float(new))})"
    if kind == "slider":
        def new_chart(before, now, value):
            return bool(now[0]) and now[0] != before[0] and now[1].strip()

        box, old, new, _before, _after = move_slider(page, target, 1, new_chart, "a new chart")
        return box, f"slider {target!r} {old} -> {new} (chart redrawn)"
    if kind == "dropdown":
        dropdown = page.locator(".widget-dropdown",
                                has=page.locator(".widget-label", has_text=re.compile(f"^{re.escape(target)}$")))
        assert dropdown.count() == 1, f"expected one dropdown {target!r}, found {dropdown.count()}"
        select = dropdown.locator("select")
        box = code_cell_with(page, dropdown).locator(".jp-OutputArea-output").first
        output = box.locator(".widget-output")
        old = select.input_value()
        options = select.evaluate("s => [...s.options].map(o => o.value)")
        new = next(o for o in options if o != old)
        before = output_state(output)
        heading = output.locator("h4").first
        assert heading.inner_text().startswith(old.split(":")[0] + ":"), "the card does not show the selected entry"
        select.select_option(value=new)
        card = new.split(":")[0] + ":"

        def shows_new_card():
            now = output_state(output)
            return now[0] and now[0] != before[0] and heading.count() and heading.inner_text().startswith(card)

        wait_until(shows_new_card, WAIT_MS, f"the chart and card of {new!r}")
        wait_kernel_idle(page)
        assert shows_new_card(), "the output changed again after the kernel went idle"
        return box, f"dropdown {target!r} {old!r} -> {new!r}"
    if kind == "quiz":
        from mali_ssr.data import load
        from mali_ssr.widgets import check_answer

        check = load().self_checks[target]
        right, expected = check_answer(target, check.answer)
        assert right
        cell = code_cell_running(page, f'"{target}"')
        box = cell.locator(".jp-OutputArea-output").first
        feedback = box.locator(".widget-html").last
        assert feedback.inner_text().strip() == "", "the quiz shows feedback before any answer"
        scroll_into_view(box, "center")
        box.locator(f'.widget-radio-box input[type="radio"][value="{check.answer}"]').check()
        box.get_by_role("button", name=re.compile("Check my answer")).click()
        wait_until(lambda: feedback.inner_text().strip(), WAIT_MS, "the quiz feedback")
        assert feedback.inner_text().strip() == expected.strip()
        return box, f"quiz {target!r}: option {check.answer} + 'Check my answer' -> {expected[:40]!r}..."
    raise ValueError(kind)


# ------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("name", LECTURES)
def test_lecture_runs_and_widget_responds(page, student_server, name):
    path = f"course/{name}.ipynb"
    with diagnostics(page, student_server, f"module-{name}"):
        open_notebook(page, student_server, path)
        run_all(page)
        check_lecture_outputs(page, name)
        box, description = interact(page, name)
        errors = error_texts(page)
        assert not errors, f"{name}: error output after the interaction:\n" + "\n---\n".join(errors)
        tall = box.evaluate("e => e.getBoundingClientRect().height") > VIEWPORT["height"] * 0.7
        scroll_into_view(box, "start" if tall else "center")
        shot = screenshot(page, f"module-{name}.png")
        print(f"{name}: {description}; screenshot {shot.relative_to(ROOT)}")
    shutdown_kernel(page, student_server, path)


def _first_numeric_answer(solution: dict) -> tuple[str, str]:
    """(grade id, code) of the first answer cell whose answer is whole numbers, as the literals a student types.

    The solution computes its answer from the public parameters: run its locked cells and that answer here, and
    write the values it gives as plain numbers.
    """
    namespace: dict = {}
    for cell in solution["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or not meta:
            continue
        if meta.get("locked") and not meta.get("grade"):
            exec(source, namespace)  # set-up, parameters, worked examples
        elif meta.get("solution") and "### BEGIN SOLUTION" in source:
            before = set(namespace)
            exec(source, namespace)
            numbers = {k: v for k, v in namespace.items() if k not in before and type(v) is int}
            if numbers:
                return meta["grade_id"], "\n".join(f"{name} = {value}" for name, value in numbers.items())
    raise AssertionError("no answer cell with a numeric answer")


def test_assignment_visible_test(page, student_server):
    solution = json.loads((ROOT / "solutions" / EXERCISE / f"{EXERCISE}.ipynb").read_text(encoding="utf-8"))
    answer_id, right = _first_numeric_answer(solution)
    variable, number = re.search(r"^(\w+)\s*=\s*(\d+)\s*$", right, re.MULTILINE).groups()
    wrong = re.sub(rf"^{variable}\s*=\s*{number}\s*$", f'{variable} = "{number}"', right, count=1, flags=re.MULTILINE)

    path = f"exercises/{EXERCISE}/{EXERCISE}.ipynb"
    exercise = json.loads((student_server.workspace / path).read_text(encoding="utf-8"))
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in exercise["cells"]]
    answer_at = ids.index(answer_id)
    test_at = answer_at + 1
    test_meta = exercise["cells"][test_at]["metadata"]["nbgrader"]
    assert test_meta.get("grade") and not test_meta.get("solution"), "the cell after the answer is not its test"
    above = [i for i, c in enumerate(exercise["cells"][:answer_at])
             if c["cell_type"] == "code" and "".join(c["source"]).strip()]

    with diagnostics(page, student_server, f"assignment-{EXERCISE}"):
        open_notebook(page, student_server, path)
        cells = page.locator(".jp-Notebook .jp-Cell")
        assert cells.count() == len(exercise["cells"])
        answer, test = cells.nth(answer_at), cells.nth(test_at)

        # the set-up and example cells above the answer
        answer.locator(".jp-InputPrompt").click()
        menu_command(page, "Run", "notebook:run-all-above")
        wait_until(lambda: all(executed(cells.nth(i).locator(".jp-InputPrompt").inner_text().strip()) for i in above)
                   and kernel_idle(page), WAIT_MS, "the cells above the answer to run")
        assert not error_texts(page), "the cells above the answer failed:\n" + "\n".join(error_texts(page))

        # a right answer: the visible test passes
        replace_cell_source(page, answer, right)
        run_cell(page, answer)  # Shift+Enter: runs the answer and selects the test cell
        assert "jp-mod-active" in (test.get_attribute("class") or ""), "Shift+Enter did not move to the test cell"
        run_cell(page, test)
        assert not stderr_outputs(answer) and not stderr_outputs(test), error_texts(page)
        passed = test.locator(".jp-OutputArea").inner_text()
        assert "Form OK" in passed, f"the visible test printed no 'Form OK': {passed!r}"
        scroll_into_view(answer, "start")
        screenshot(page, f"assignment-{EXERCISE}-right.png")

        # an answer of the wrong form: the visible test says what is wrong
        replace_cell_source(page, answer, wrong)
        run_cell(page, answer)
        run_cell(page, test)
        failed = "\n".join(stderr_outputs(test))
        assert "Form OK" not in test.locator(".jp-OutputArea").inner_text()
        last_line = failed.strip().splitlines()[-1] if failed.strip() else ""
        assert re.match(rf"{variable} should be .+", last_line) and "Traceback" not in failed, \
            f"expected one plain sentence about {variable} (no traceback), got:\n{failed[-1500:]}"
        scroll_into_view(answer, "start")
        screenshot(page, f"assignment-{EXERCISE}-wrong-form.png")
        print(f"right: {right!r} -> {passed.strip()[:60]!r}...; wrong: {wrong!r} -> {last_line!r}")
    shutdown_kernel(page, student_server, path)


def test_instructor_formgrader_lists_assignments(page, instructor_server):
    with diagnostics(page, instructor_server, "instructor-formgrader"):
        page.goto(f"{instructor_server.url}/lab?reset")
        page.wait_for_selector(".lm-MenuBar-item", timeout=WAIT_MS)
        items = open_menu_commands(page, "Nbgrader")
        assert set(INSTRUCTOR_COMMANDS) <= set(items), f"the instructor's Nbgrader menu lacks tools: {items}"
        page.keyboard.press("Escape")
        menu_command(page, "Nbgrader", "nbgrader:open-formgrader")
        frame = page.frame_locator("iframe[src*='formgrader']")
        for name in ASSIGNMENTS:
            row = frame.locator("table tbody tr", has=frame.get_by_role("link", name=name, exact=True))
            row.wait_for(state="visible", timeout=WAIT_MS)
        rows = frame.locator("table tbody tr").all_inner_texts()
        listed = [n for n in ASSIGNMENTS if any(r.split()[0] == n for r in rows if r.split())]
        assert listed == list(ASSIGNMENTS), f"formgrader lists {rows}"
        screenshot(page, "instructor-formgrader.png")


def _follow_home_link(page, server: Server, title_part: str, opens: str) -> None:
    """Open the course home, run it, click the link whose text holds ``title_part``, wait for ``opens`` to open."""
    open_notebook(page, server, "course/index.ipynb")
    run_all(page)
    link = page.locator(".jp-OutputArea a", has_text=title_part).first
    wait_until(lambda: link.count(), WAIT_MS, f"the home page's link to {title_part}")
    link.click()
    current = page.locator(".jp-MainAreaWidget .lm-TabBar-tab.lm-mod-current, #jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    wait_until(lambda: any(Path(opens).name in current.nth(i).inner_text() for i in range(current.count())),
               WAIT_MS, f"{opens} to open from the home page")
    path_shown = page.locator(".jp-NotebookPanel:visible").first.get_attribute("data-path") or ""
    assert path_shown in ("", opens) or path_shown.endswith(opens), f"opened {path_shown!r}, expected {opens}"


def unanswered_check_messages(page, exercise: dict, answer_id: str, check_id: str) -> dict[str, str]:
    """In the open exercise: run its set-up cell, the check of ``answer_id`` before any answer, then the untouched
    answer cell. Returns what the check and the answer cell show (their error text), after asserting that the
    set-up ran cleanly and that no traceback is shown."""
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in exercise["cells"]]
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook").first
    cells = notebook.locator(".jp-Cell")
    assert cells.count() == len(exercise["cells"]), "the open notebook is not the exercise"
    setup, answer, check = (cells.nth(ids.index(i)) for i in ("setup", answer_id, check_id))
    for cell in (setup, check, answer):  # the check before the answer, then the untouched answer
        scroll_into_view(cell, "center")
        cell.locator(".jp-InputPrompt").click()
        run_cell(page, cell)
    assert not stderr_outputs(setup), f"the set-up cell failed: {stderr_outputs(setup)}"
    shown = {}
    for name, cell in (("check", check), ("answer", answer)):
        assert "Traceback" not in cell.inner_text(), f"a traceback under the {name} cell: {cell.inner_text()[-1500:]}"
        shown[name] = "\n".join(stderr_outputs(cell)).strip()
    scroll_into_view(answer, "center")
    return shown


def test_home_page_links_to_a_lecture_and_to_its_assignment(page, student_server):
    """The course home's links open a lecture and its assignment; there a check run too early says so plainly.

    On the way, the learner's Nbgrader menu is checked: the assignment list, no formgrader, course list or
    "Create Assignment" (``mali-ssr start`` hides nbgrader's instructor side)."""
    from mali_ssr.i18n import _

    path = f"exercises/{EXERCISE}/{EXERCISE}.ipynb"
    exercise = json.loads((student_server.workspace / path).read_text(encoding="utf-8"))
    with diagnostics(page, student_server, "home"):
        _follow_home_link(page, student_server, "History", "course/01_history_lecture.ipynb")
        screenshot(page, "home-to-lecture.png")
        menu = check_student_nbgrader(page, student_server)  # and no instructor tools in the learner's menu
        _follow_home_link(page, student_server, "Assignment 1", path)
        screenshot(page, "home-to-assignment.png")
        shown = unanswered_check_messages(page, exercise, "q1_first_coup_answer", "q1_first_coup")
        assert shown["check"] == _("`{name}` is not defined yet: run your answer cell first (or check the spelling), "
                                   "then run this cell again.").format(name="first_coup_year"), shown
        assert shown["answer"] == _("This answer is not written yet: replace the line `raise NotImplementedError()` "
                                    "with your answer, then run the cell again."), shown
        screenshot(page, "home-assignment-unanswered.png")
        print(f"learner's Nbgrader menu: {menu}; from the home page's link, in {path}: {shown}")
    for opened in ("course/index.ipynb", "course/01_history_lecture.ipynb", path):
        shutdown_kernel(page, student_server, opened)


# ----------------------------------------------------------------------- the learner's nbgrader


def check_student_nbgrader(page, server: Server) -> list[str]:
    """In a learner's workspace (JupyterLab open in ``page``), nbgrader's menu holds the assignment list but no
    instructor tool, and the server does not serve the formgrader. Returns the menu's command ids."""
    items = open_menu_commands(page, "Nbgrader")  # nbgrader has no translations: "Nbgrader" in French too
    page.keyboard.press("Escape")
    shown = [i for i in INSTRUCTOR_COMMANDS if i in items]
    assert not shown, f"instructor tools in the learner's Nbgrader menu: {shown} (all items: {items})"
    assert set(STUDENT_COMMANDS) <= set(items), f"the learner's Nbgrader menu lost the assignment list: {items}"
    status = page.request.get(f"{server.url}/formgrader").status
    assert status == 404, f"the learner's server answers /formgrader with {status}"
    return items


# ------------------------------------------------------------------------------- the map


def test_map_screenshot(page, student_server):
    """Module 1's map, drawn in JupyterLab: a screenshot of the figure is a real picture, with its alt text.

    Only the lecture's import and its map cell are run (the whole lecture runs in
    test_lecture_runs_and_widget_responds)."""
    from mali_ssr.i18n import _, ngettext

    alt_start = ngettext("A map of Mali and its neighbours marking {n} event by place: {places}.",
                         "A map of Mali and its neighbours marking {n} events by place: {places}.", 2).split("{n}")[0]
    with diagnostics(page, student_server, "map"):
        open_notebook(page, student_server, MAP_LECTURE)
        clear_outputs(page)  # the picture must be this run's, not the stored output
        for code in ("from mali_ssr import lecture", 'lecture.figure("map")'):
            cell = code_cell_running(page, code)
            scroll_into_view(cell, "center")
            cell.locator(".jp-InputPrompt").click()
            run_cell(page, cell)
        assert not error_texts(page), f"the map cell failed: {error_texts(page)}"
        image = cell.locator(".jp-OutputArea-output figure img")
        assert image.count() == 1, f"the map cell shows {image.count()} figure images"
        alt = image.get_attribute("alt") or ""
        assert alt.startswith(alt_start) and "Kidal" in alt, f"the map's alt text is {alt!r}"
        caption = cell.locator("figcaption").inner_text()
        assert _("Figure: {description}").format(description=alt) == caption.strip()
        shot = element_screenshot(image, "map-module-1.png")
    problems = picture_problems(shot)
    print(f"map screenshot {shot.relative_to(ROOT)}: {shot.stat().st_size} bytes; problems: {problems or 'none'}")
    assert not problems, f"the map screenshot {shot} is not a drawn map: {problems}"
    shutdown_kernel(page, student_server, MAP_LECTURE)


def test_picture_check_refuses_blank_pictures(tmp_path):
    """The map screenshot's check can fail: a blank, a nearly blank, a tiny or a non-PNG picture is refused."""
    from PIL import Image, ImageDraw

    blank = tmp_path / "blank.png"
    Image.new("RGB", (900, 676), "white").save(blank)
    box = tmp_path / "box.png"
    picture = Image.new("RGB", (900, 676), "white")
    ImageDraw.Draw(picture).rectangle((10, 10, 300, 300), fill="grey")
    picture.save(box)
    tiny = tmp_path / "tiny.png"
    Image.effect_noise((90, 60), 100).convert("RGB").save(tiny)
    gif = tmp_path / "map.png"
    Image.new("RGB", (900, 676), "white").save(gif, format="GIF")
    noise = tmp_path / "noise.png"
    Image.effect_noise((900, 676), 100).convert("RGB").save(noise)
    assert all(picture_problems(p) for p in (blank, box, tiny, gif))
    assert picture_problems(noise) == []


# ---------------------------------------------------------------------------- French edition


def widget_texts(page) -> list[str]:
    """What a learner reads on the notebook's widgets: labels, buttons, list options, small HTML notes."""
    selectors = (".jp-Notebook .widget-label", ".jp-Notebook .jupyter-widgets button",
                 ".jp-Notebook .jupyter-widgets select option", ".jp-Notebook .widget-html small")
    texts = (" ".join(t.split()) for sel in selectors for t in page.locator(sel).all_inner_texts())
    return [t for t in texts if t]  # spaces normalised: ipywidgets writes list options with no-break spaces


def test_french_lecture_in_a_french_jupyterlab(page, french_server, monkeypatch):
    """The French Module 1 in the French workspace: JupyterLab's menus, the widgets and the figures are French."""
    monkeypatch.setenv("MALI_SSR_LANG", "fr")
    from mali_ssr.i18n import _, ngettext

    french = french_catalogue()
    english = {msgid for msgid, msgstr in french.items() if msgstr and msgstr != msgid}
    with diagnostics(page, french_server, "french-lecture"):
        open_notebook(page, french_server, FRENCH_LECTURE)
        check_student_nbgrader(page, french_server)
        menus = menu_bar_labels(page)
        assert {"Fichier", "Édition", "Affichage", "Exécution", "Noyau"} <= set(menus), f"JupyterLab's menus: {menus}"
        assert not {"File", "Edit", "View", "Run", "Kernel"} & set(menus), f"English menus: {menus}"
        run_all(page, "fr")
        check_lecture_outputs(page, "fr/01_histoire")
        texts = widget_texts(page)
        wanted = [_(m) for m in ("Category", "Driven by", "Period", "Years per bar", "Term", "Check my answer",
                                 "Hold Ctrl (Cmd on a Mac) to pick several categories or drivers.")]
        missing = [w for w in wanted if w not in texts]
        assert not missing, f"French widget texts missing: {missing}\nshown: {sorted(set(texts))}"
        left_in_english = sorted({t for t in texts if t in english})
        assert not left_in_english, f"English catalogue strings on the French widgets: {left_in_english}"

        alts = page.locator(".jp-Notebook .jp-OutputArea-output figure img").evaluate_all(
            "es => es.map(e => e.getAttribute('alt') || '')")
        assert alts and all(alts), f"a French figure without alt text: {alts}"
        map_cell = code_cell_running(page, 'lecture.figure("map")')
        map_alt = map_cell.locator("figure img").get_attribute("alt") or ""
        alt_start = ngettext("A map of Mali and its neighbours marking {n} event by place: {places}.",
                             "A map of Mali and its neighbours marking {n} events by place: {places}.",
                             2).split("{n}")[0]
        assert alt_start.startswith("Une carte") and map_alt.startswith(alt_start), f"the map's alt text: {map_alt!r}"
        english_starts = tuple({m.split("{")[0] for m in english if m.startswith(("A ", "An ")) and len(m.split("{")[0]) > 8})
        english_alts = [a for a in alts if a.startswith(english_starts)]
        assert not english_alts, f"English alt text in the French lecture: {english_alts}"
        scroll_into_view(map_cell, "start")
        screenshot(page, "french-lecture-map.png")
        print(f"menus {menus}; {len(texts)} widget texts, {len(alts)} figures; map alt {map_alt[:80]!r}...")
    shutdown_kernel(page, french_server, FRENCH_LECTURE)


def test_french_exercise_says_what_is_missing_in_french(page, french_server, monkeypatch):
    """The French assignment: an untouched answer and a check run before the answer each get one French sentence."""
    monkeypatch.setenv("MALI_SSR_LANG", "fr")
    from mali_ssr.i18n import _

    exercise = json.loads((french_server.workspace / FRENCH_EXERCISE).read_text(encoding="utf-8"))
    not_written = _("This answer is not written yet: replace the line `raise NotImplementedError()` with your "
                    "answer, then run the cell again.")
    not_defined = _("`{name}` is not defined yet: run your answer cell first (or check the spelling), "
                    "then run this cell again.").format(name="first_coup_year")
    assert not_written.startswith("Cette réponse") and "n’est pas encore défini" in not_defined
    with diagnostics(page, french_server, "french-exercise"):
        open_notebook(page, french_server, FRENCH_EXERCISE)
        shown = unanswered_check_messages(page, exercise, "q1_first_coup_answer", "q1_first_coup")
        assert shown == {"check": not_defined, "answer": not_written}, f"expected one French sentence each: {shown}"
        screenshot(page, "french-exercise-unanswered.png")
        print(f"French exercise: {shown}")
    shutdown_kernel(page, french_server, FRENCH_EXERCISE)
