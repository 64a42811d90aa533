"""The lecture notebooks keep the shape the course promises (their execution is checked by nbval)."""

import json
import re
from pathlib import Path

import pytest

from mali_ssr.data import load

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "course").glob("[0-9]*.ipynb"))


def _cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return nb, [(c, "".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in nb["cells"]]


def test_five_modules_in_order():
    assert [p.name[:2] for p in LECTURES] == ["00", "01", "02", "03", "04"]


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_lecture_shape(path):
    nb, cells = _cells(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    markdown = "\n".join(src for c, src in cells if c["cell_type"] == "markdown")
    code = [(c, src) for c, src in cells if c["cell_type"] == "code"]
    assert re.search(r"learning objectives", markdown, re.I)
    assert re.search(r"estimated time", markdown, re.I)
    assert re.search(r"discussion", markdown, re.I)
    widget_calls = [src for _c, src in code if "widgets." in src]
    assert len({re.search(r"widgets\.(\w+)\(", s).group(1) for s in widget_calls}) >= 2
    assert any("lecture.figure(" in src for _c, src in code)
    assert any("reading_list(" in src for _c, src in code)
    module = int(path.name[:2])
    assert [c for c in load().self_checks.values() if c.module == module], "no self-check questions"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_only_live_widgets_skip_output_comparison(path):
    _nb, cells = _cells(path)
    for cell, src in cells:
        if cell["cell_type"] != "code":
            continue
        ignored = "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
        assert ignored == ("widgets." in src), src[:80]


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_stored_outputs_have_no_errors_and_code_cells_stay_short(path):
    _nb, cells = _cells(path)
    for cell, src in cells:
        if cell["cell_type"] != "code":
            continue
        assert cell.get("execution_count"), f"cell not executed: {src[:60]}"
        for output in cell["outputs"]:
            assert output["output_type"] != "error", src[:60]
            assert output.get("name") != "stderr", src[:60]
        if "reading_list(" not in src:  # a list of source ids may run long; anything else stays a short call
            assert len([line for line in src.splitlines() if line.strip()]) <= 6, src[:80]


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_lectures_are_stored_without_widget_state(path):
    """Saved widget state is not kept: a widget cell's stored output invites the learner to run it."""
    from mali_ssr.figure_display import widget_placeholder

    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"]
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    widget_cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "widgets." in "".join(c["source"])]
    assert widget_cells
    for cell in widget_cells:
        texts = ["".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])]
        assert widget_placeholder() in texts, "".join(cell["source"])[:80]
