"""nbval runs the French notebooks with ``MALI_SSR_LANG=fr``, as scripts/refresh_notebooks.py stored them.

The French edition is ``course/fr/`` and the assignments ``solutions/*_fr`` (see
docs/translation.md). nbval starts one kernel per notebook while setting up its
first cell; the kernel inherits this process's environment, so the language is
set around that setup (for those items only) and restored afterwards.

Executing notebooks takes seconds, so every nbval item (both editions) is marked ``slow``: the fast
lane (``-m "not slow"``) skips them; ``pytest course/ solutions/`` runs them.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def _french_notebook(path: Path) -> bool:
    try:
        parts = path.resolve().relative_to(ROOT).parts
    except ValueError:
        return False
    return path.suffix == ".ipynb" and (parts[:2] == ("course", "fr") or (
        len(parts) == 3 and parts[0] == "solutions" and parts[1].endswith("_fr")))


def pytest_itemcollected(item):
    """Every notebook run by nbval (either edition) belongs to the slow lane: it starts a kernel."""
    if Path(str(item.fspath)).suffix == ".ipynb":
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if not _french_notebook(Path(str(item.fspath))):
        yield
        return
    previous = os.environ.get("MALI_SSR_LANG")
    os.environ["MALI_SSR_LANG"] = "fr"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MALI_SSR_LANG", None)
        else:
            os.environ["MALI_SSR_LANG"] = previous
