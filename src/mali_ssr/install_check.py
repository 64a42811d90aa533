"""`mali-ssr check`: does this installation work for the course?

Each check is a function that returns ``None`` when all is well and a short
explanation when not. The command runs them all, prints one line each and a
verdict, and exits non-zero if any failed, so that a learner or an IT
department can tell at once what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .i18n import N_, _, ngettext


def check_data() -> str | None:
    from .data import DataError, load

    try:
        data = load()
    except DataError as exc:
        return str(exc)
    if not data.timeline:
        return _("the timeline is empty")
    return None


def check_kernel() -> str | None:
    from jupyter_client.manager import start_new_kernel

    try:
        manager, client = start_new_kernel(kernel_name="python3", startup_timeout=60)
    except Exception as exc:  # any failure to start is the answer
        return _("a Python kernel did not start ({error}: {detail})").format(error=exc.__class__.__name__, detail=exc)
    try:
        reply = client.execute_interactive("import mali_ssr, ipywidgets", timeout=60)
        if reply["content"]["status"] != "ok":
            return _("the kernel cannot import the course package: {detail}").format(detail=reply["content"].get("evalue"))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return None


def _labextension_enabled(name: str) -> str | None:
    from jupyter_core.paths import jupyter_config_path, jupyter_path

    if not any((Path(p) / name / "package.json").is_file() for p in jupyter_path("labextensions")):
        return _("the JupyterLab extension {name} is not installed").format(name=name)
    for folder in jupyter_config_path():
        config = Path(folder) / "labconfig" / "page_config.json"
        if config.is_file():
            try:
                disabled = json.loads(config.read_text()).get("disabledExtensions", {})
            except ValueError:
                continue
            if (isinstance(disabled, dict) and disabled.get(name)) or (isinstance(disabled, list) and name in disabled):
                return _("the JupyterLab extension {name} is disabled ({config})").format(name=name, config=config)
    return None


def check_widgets() -> str | None:
    try:
        import ipywidgets
    except ImportError:
        return _("ipywidgets is not installed")
    if int(ipywidgets.__version__.split(".")[0]) < 8:
        return _("ipywidgets {version} is too old (the course needs {needed})").format(version=ipywidgets.__version__, needed=8)
    return _labextension_enabled("@jupyter-widgets/jupyterlab-manager")


def check_nbgrader() -> str | None:
    from jupyter_core.paths import jupyter_config_path

    problem = _labextension_enabled("@jupyter/nbgrader")
    if problem:
        return problem
    for folder in jupyter_config_path():
        conf = Path(folder) / "jupyter_server_config.d" / "nbgrader.json"
        if conf.is_file():
            try:
                enabled = json.loads(conf.read_text())["ServerApp"]["jpserver_extensions"]
            except (ValueError, KeyError):
                return _("the nbgrader server configuration {path} is damaged").format(path=conf)
            if enabled.get("nbgrader.server_extensions.formgrader"):
                return None
            return _("the nbgrader formgrader server extension is disabled")
    return _("the nbgrader server extensions are not configured")


def check_notebook() -> str | None:
    import nbformat
    from nbclient import NotebookClient

    from .workspace import WorkspaceError, originals

    try:
        lectures = originals(("course",))
    except WorkspaceError as exc:
        return str(exc)
    if not lectures:
        return _("no lecture notebook is installed")
    first = next(iter(lectures.values()))
    try:
        nb = nbformat.read(first, as_version=4)
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(first.parent)}}).execute()
    except Exception as exc:
        detail = " ".join(str(exc).split())[-300:]
        return _("{notebook} did not run: {error}: {detail}").format(
            notebook=first.name, error=exc.__class__.__name__, detail=detail)
    return None


CHECKS: list[tuple[str, Callable[[], str | None]]] = [
    (N_("course data validates"), check_data),
    (N_("a Python kernel starts and imports the course"), check_kernel),
    (N_("ipywidgets and its JupyterLab extension"), check_widgets),
    (N_("nbgrader extensions enabled"), check_nbgrader),
    (N_("a lecture notebook executes"), check_notebook),
]


def run_checks(print_line=print, checks=None) -> int:
    """Run every check, print a line each and a verdict; return the number that failed."""
    checks = CHECKS if checks is None else checks
    failed = []
    for label, check in checks:
        name = _(label)
        try:
            problem = check()
        except Exception as exc:  # a check that crashes is a failed check, not a traceback
            problem = f"{exc.__class__.__name__}: {exc}"
        if problem:
            failed.append(name)
            print_line(_("FAIL  {name}: {detail}").format(name=name, detail=problem))
        else:
            print_line(_("OK    {name}").format(name=name))
    if failed:
        print_line(ngettext("{failed} of {n} checks failed: {names}. Fix it and run `mali-ssr check` again.",
                            "{failed} of {n} checks failed: {names}. Fix these and run `mali-ssr check` again.",
                            len(failed)).format(failed=len(failed), n=len(checks), names="; ".join(failed)))
    else:
        print_line(_("All {n} checks passed: the course is ready.").format(n=len(checks)))
    return len(failed)

