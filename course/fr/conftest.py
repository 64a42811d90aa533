"""nbval runs the French notebooks with ``MALI_SSR_LANG=fr``, as scripts/refresh_notebooks.py stored them.

nbval starts one kernel per notebook while setting up its first cell; the
kernel inherits this process's environment, so the language is set around
that setup (for this folder's items only) and restored afterwards.

Executing notebooks takes seconds, so these items are marked ``slow``: the fast
lane (``-m "not slow"``) skips them; ``pytest course/fr/`` runs them.
"""

import os

import pytest


def pytest_itemcollected(item):
    item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    previous = os.environ.get("MALI_SSR_LANG")
    os.environ["MALI_SSR_LANG"] = "fr"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MALI_SSR_LANG", None)
        else:
            os.environ["MALI_SSR_LANG"] = previous
