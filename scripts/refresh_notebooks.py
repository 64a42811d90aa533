"""Re-execute the lecture and solution notebooks in place so their stored outputs match the code.

    python scripts/refresh_notebooks.py              # every notebook in course/ and solutions/, both editions
    python scripts/refresh_notebooks.py course/01_history_lecture.ipynb course/fr/01_histoire.ipynb

Outputs are stored (so the notebooks read well on GitHub and before they are
run) and nbval checks in CI that re-running reproduces them. Run this after
changing the package or a notebook, and commit the result.

Each notebook runs in its edition's language: a notebook under a ``fr/``
folder or named ``*_fr`` gets ``MALI_SSR_LANG=fr`` in its kernel's
environment (widget labels, figures and messages in French), every other one
``MALI_SSR_LANG=en``, whatever the locale of the machine running the script.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def placeholder_for_widgets(nb) -> int:
    """Store a widget cell's output as a one-line invitation instead of the widget's saved state.

    Saved widget state was more than half of a lecture's bytes and most of every refresh's diff, and an unrun
    lecture showed its raw ``VBox(children=...)`` text. Returns how many outputs were replaced.
    """
    from mali_ssr.figure_display import widget_placeholder

    message = widget_placeholder()
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/plain": message, "text/html": f"<p><em>{message}</em></p>"}
                output.get("metadata", {}).clear()
                replaced += 1
    nb.metadata.pop("widgets", None)
    return replaced


def language(path: Path) -> str:
    """The edition a notebook belongs to: French under a ``fr/`` folder or when named ``*_fr``."""
    french = "fr" in path.parent.parts or path.stem.endswith("_fr") or path.parent.name.endswith("_fr")
    return "fr" if french else "en"


def refresh(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    kernel_env = {**os.environ, "MALI_SSR_LANG": language(path)}
    # store_widget_state: nbclient needs it for Output widgets; the state is dropped below
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute(env=kernel_env)
    elapsed = time.perf_counter() - started
    saved, os.environ["MALI_SSR_LANG"] = os.environ.get("MALI_SSR_LANG"), language(path)
    try:
        placeholder_for_widgets(nb)  # in the notebook's own language
    finally:
        os.environ.pop("MALI_SSR_LANG") if saved is None else os.environ.__setitem__("MALI_SSR_LANG", saved)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or (sorted((ROOT / "course").glob("*.ipynb"))
                                         + sorted((ROOT / "course").glob("fr/*.ipynb"))
                                         + sorted((ROOT / "solutions").glob("*/*.ipynb")))
    for path in paths:
        print(f"{path.name} ({language(path)}): executed in {refresh(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
