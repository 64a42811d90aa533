"""Re-execute the lecture and solution notebooks in place so their stored outputs match the code.

    python scripts/refresh_notebooks.py              # every notebook in course/ and solutions/
    python scripts/refresh_notebooks.py course/01_history.ipynb

Outputs are stored (so the notebooks read well on GitHub and before they are
run) and nbval checks in CI that re-running reproduces them. Run this after
changing the package or a notebook, and commit the result.
"""

from __future__ import annotations

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


def refresh(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True,  # nbclient needs it for Output widgets; dropped below
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - started
    placeholder_for_widgets(nb)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or (sorted((ROOT / "course").glob("*.ipynb"))
                                         + sorted((ROOT / "solutions").glob("*/*.ipynb")))
    for path in paths:
        print(f"{path.name}: executed in {refresh(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
