"""Helpers for the browser tests (tests/test_browser.py): isolated JupyterLab servers and page waits.

Every server runs on 127.0.0.1 on a free port, without a token, with its configuration, data,
runtime, settings and workspace folders in a temporary directory, so that nothing in the user's
~/.jupyter is read or written. A server is started in its own process group and stopped by its
process id; kernels (which jupyter_client starts in sessions of their own) are stopped by the
server's shutdown, and any survivor is killed by pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1440, "height": 1000}

WAIT_MS = 60_000  # one condition (page loaded, kernel idle, output changed)
RUN_ALL_MS = 90_000  # a whole lecture notebook

# The kernel's status in the status bar, in JupyterLab's English and in its French language pack
KERNEL_STATUS = '.jp-StatusBar-TextItem[title^="Change kernel"], .jp-StatusBar-TextItem[title^="Changer de noyau"]'
IDLE_WORDS = ("Idle", "Inactif")
#: The labels of JupyterLab's menus, by interface language (French: jupyterlab-language-pack-fr-FR)
LAB_MENUS = {
    "en": {"file": "File", "edit": "Edit", "run": "Run", "kernel": "Kernel"},
    "fr": {"file": "Fichier", "edit": "Édition", "run": "Exécution", "kernel": "Noyau"},
}
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


# --------------------------------------------------------------------------- browser availability


def require_browser() -> str:
    """Chromium's path. Skip without it, except under CI (CI set), where a missing browser fails.

    Python playwright is a test dependency (the ``test`` extra): without it the tests fail.
    """
    if not os.access(CHROMIUM, os.X_OK):
        problem = f"chromium not found at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser tests cannot run in CI: {problem}", pytrace=False)
        pytest.skip(f"browser tests skipped: {problem} (CI is not set)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Python playwright is not installed: pip install -e '.[test]'", pytrace=False)
    return CHROMIUM


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def launched_browser(chromium: str):
    """Debian's chromium, headless, driven by Playwright; closed on the way out (the suites' ``browser`` fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def fresh_page(browser):
    """A page in a context of its own, with the suites' viewport and time limit (the ``page`` fixture)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def jupyter_env(base: Path) -> dict[str, str]:
    """Environment for an isolated JupyterLab: temporary config/data/runtime/settings folders.

    The config file turns the token off (loopback only), pins the address to 127.0.0.1, never
    tries another port, and switches JupyterLab's news and update checks off; the user settings
    render every notebook cell (no windowing), so that the whole notebook can be inspected.
    """
    dirs = {name: base / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    config = {
        "IdentityProvider": {"token": ""},
        "ServerApp": {"ip": "127.0.0.1", "open_browser": False, "port_retries": 0},
        "LabApp": {"news_url": None},
    }
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(config, indent=1))
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, value in settings.items():
        path = dirs["settings"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    env = dict(os.environ)
    for name in ("JUPYTER_TOKEN", "JUPYTER_PASSWORD", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
        env.pop(name, None)
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
        MPLBACKEND="Agg",
        PYTHONUNBUFFERED="1",
    )
    return env


class Server:
    """A JupyterLab server process (and its process group), its port and its log file."""

    def __init__(self, command: Callable[[int], list[str]], env: dict[str, str], cwd: Path, log: Path,
                 attempts: int = 3, timeout: float = 90):
        self.log = log
        self.process: subprocess.Popen | None = None
        last_error = ""
        for _attempt in range(attempts):  # a free port can be taken between choosing and binding it
            self.port = free_port()
            with open(log, "ab") as out:
                self.process = subprocess.Popen(command(self.port), env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                self._wait_ready(timeout)
                return
            except RuntimeError as exc:
                last_error = str(exc)
                self.stop()
        raise RuntimeError(f"JupyterLab did not start: {last_error}\n--- server log ---\n{self.log_tail()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"no answer on {self.url}/api/status within {timeout:.0f} s")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the process group (the server shuts its kernels down), then SIGKILL what is left."""
        process = self.process
        if process is None:
            return
        self.process = None
        children = []
        try:
            import psutil

            children = psutil.Process(process.pid).children(recursive=True)
        except Exception:  # psutil missing, or the process is already gone
            pass
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.2)
        for child in children:  # kernels live in sessions of their own: kill them by pid
            if _alive(child):
                try:
                    child.kill()
                except Exception:
                    pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def _alive(proc) -> bool:
    try:
        return proc.is_running() and proc.status() != "zombie"
    except Exception:
        return False


# --------------------------------------------------------------------------- page helpers


def wait_until(condition: Callable[[], object], timeout_ms: int, what: str, poll: float = 0.25):
    """Poll ``condition`` until it returns something true; fail with ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_ms / 1000:.0f} s waiting for {what}")
        time.sleep(poll)


def wait_kernel_idle(page, timeout_ms: int = WAIT_MS) -> None:
    page.wait_for_function(
        "sel => { const s = document.querySelector(sel); "
        "return !!s && /\\|\\s*(Idle|Inactif)\\s*$/.test(s.textContent.trim()); }",
        arg=KERNEL_STATUS, timeout=timeout_ms)


def open_notebook(page, server: Server, path: str) -> None:
    """Open a notebook in JupyterLab (a fresh layout) and wait until its kernel is idle."""
    page.goto(f"{server.url}/lab/tree/{path}?reset", timeout=WAIT_MS)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=WAIT_MS)
    wait_kernel_idle(page)


def menu_command(page, menu: str, command: str) -> None:
    """Click a menu of the menu bar, then its item for a JupyterLab command id."""
    label = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$"))
    page.locator(".lm-MenuBar-item", has=label).click()
    item = page.locator(f'.lm-Menu li.lm-Menu-item[data-command="{command}"]')
    item.wait_for(state="visible", timeout=WAIT_MS)
    item.click()


def menu_bar_labels(page) -> list[str]:
    """The labels of JupyterLab's menu bar, left to right."""
    page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=WAIT_MS)
    return [t.strip() for t in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]


def open_menu_commands(page, menu: str) -> list[str]:
    """Open a menu of the menu bar; return the command ids of its visible items (the menu stays open)."""
    label = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$"))
    page.locator(".lm-MenuBar-item", has=label).click()
    page.locator(".lm-Menu").first.wait_for(state="visible", timeout=WAIT_MS)
    return page.locator(".lm-Menu li.lm-Menu-item:visible").evaluate_all(
        "es => es.map(e => e.getAttribute('data-command') || '')")


def french_catalogue() -> dict[str, str]:
    """The course's message catalogue: each English string (plural forms too) -> its French translation."""
    from babel.messages.pofile import read_po

    po = ROOT / "src" / "mali_ssr" / "locale" / "fr" / "LC_MESSAGES" / "mali_ssr.po"
    with open(po, "rb") as handle:
        catalogue = read_po(handle)
    pairs: dict[str, str] = {}
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
            pairs[message.id[0]] = strings[0]
            pairs[message.id[1]] = strings[-1]
        else:
            pairs[message.id] = message.string
    return pairs


def prompts(page) -> list[str]:
    return page.eval_on_selector_all(".jp-Notebook .jp-CodeCell .jp-InputPrompt",
                                      "es => es.map(e => e.textContent.trim())")


def executed(prompt: str) -> bool:
    return re.fullmatch(r"\[\d+\]:?", prompt) is not None


def kernel_idle(page) -> bool:
    status = page.locator(KERNEL_STATUS)
    return status.count() > 0 and status.first.inner_text().strip().endswith(IDLE_WORDS)


def stderr_outputs(scope) -> list[str]:
    """Texts of the stderr/error outputs inside a page or locator."""
    return scope.locator(STDERR).all_inner_texts()


def error_texts(scope) -> list[str]:
    """Tracebacks, exceptions and widget-rendering errors shown inside a page or locator."""
    found = [t for t in stderr_outputs(scope) if re.search(r"Traceback|\w+(Error|Exception)\b", t)]
    for marker in ("Error displaying widget", "Error rendering", "Failed to display"):
        found += [f"{marker}: {t[:300]}" for t in scope.get_by_text(marker).all_inner_texts()]
    return found


def run_cell(page, cell, keys: str = "Shift+Enter", timeout_ms: int = WAIT_MS) -> None:
    """Run one (already selected or being edited) code cell and wait for its new execution count."""
    before = cell.locator(".jp-InputPrompt").inner_text().strip()
    page.keyboard.press(keys)
    wait_until(lambda: (p := cell.locator(".jp-InputPrompt").inner_text().strip()) != before and executed(p),
               timeout_ms, f"the cell to run (prompt was {before!r})")
    wait_kernel_idle(page, timeout_ms)


def replace_cell_source(page, cell, source: str) -> None:
    """Type a new source into a code cell (select all, insert the text: no auto-closed brackets)."""
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    wait_until(lambda: editor.inner_text().strip() == source.strip(), WAIT_MS, "the cell editor to hold the new code")


def scroll_into_view(locator, block: str = "start") -> None:
    """Scroll JupyterLab's notebook panel so that ``locator`` is visible (Lab scrolls inside its panels)."""
    locator.evaluate("(e, block) => e.scrollIntoView({block, inline: 'nearest'})", block)


def element_screenshot(locator, name: str) -> Path:
    """A screenshot of one element (e.g. a figure), scrolled into view first, into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    scroll_into_view(locator, "center")
    locator.page.wait_for_timeout(300)
    locator.screenshot(path=str(path))
    return path


def picture_problems(path: Path, min_width: int = 500, min_height: int = 350, min_colours: int = 50,
                     max_share: float = 0.8) -> list[str]:
    """Why a screenshot is not a real drawn picture (empty list if it is): not a PNG, too small, too few
    colours, or one colour covering most of it (a blank or failed figure)."""
    from PIL import Image

    if path.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        return [f"{path.name} is not a PNG file"]
    with Image.open(path) as picture:
        width, height = picture.size
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 24)
    problems = []
    if width < min_width or height < min_height:
        problems.append(f"only {width}x{height} px (at least {min_width}x{min_height} expected)")
    if len(colours) < min_colours:
        problems.append(f"only {len(colours)} distinct colours (at least {min_colours} expected)")
    share = max(count for count, _colour in colours) / (width * height)
    if share > max_share:
        problems.append(f"one colour covers {share:.0%} of the picture")
    return problems


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.wait_for_timeout(300)  # let the scroll and the last redraw settle before the capture
    page.screenshot(path=str(path))
    return path


def page_excerpt(page, limit: int = 3000) -> str:
    """Text of the main area (or the whole page) for failure messages."""
    try:
        main = page.locator("#jp-main-dock-panel")
        text = main.inner_text(timeout=5000) if main.count() else page.locator("body").inner_text(timeout=5000)
    except Exception as exc:  # the page itself may be what broke
        return f"(no page text: {exc})"
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more characters)"


def shutdown_kernel(page, server: Server, path: str) -> None:
    """Best effort: delete the notebook's kernel session, so the shared server keeps few kernels."""
    try:
        page.evaluate(
            """async ([base, path]) => {
                const m = document.cookie.match(/(?:^|; )_xsrf=([^;]*)/);
                const headers = m ? {'X-XSRFToken': decodeURIComponent(m[1])} : {};
                const sessions = await (await fetch(base + '/api/sessions')).json();
                for (const s of sessions) {
                    if (s.path === path) await fetch(base + '/api/sessions/' + s.id, {method: 'DELETE', headers});
                }
            }""",
            [server.url, path],
        )
    except Exception:
        pass
