"""Benchmarks: what users wait for, measured side by side, reported as ratios.

    python benchmarks/run.py                 # all four sections, 40 submissions
    python benchmarks/run.py --submissions 10 --only grading

Machines are noisy, so every number is set against a floor measured in the same
run: the cost of executing an empty notebook in a fresh kernel. Writes a
markdown table to stdout and to benchmarks/results/latest.md. Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mali_ssr.exercises import answer_cells, fill_answers, generate_in_course, nbgrader_env  # noqa: E402

TARGETS = {
    "grading_speedup": 2.5,  # mali-ssr grade at least this much faster than sequential nbgrader
    "notebook_above_floor": 3.0,  # seconds
    "widget_median_ms": 40.0,
    "widget_p95_ms": 80.0,
    "help_seconds": 0.5,
}


def empty_notebook_floor(n: int) -> float:
    """Seconds to execute an empty notebook in a fresh kernel, median of n runs."""
    import nbformat
    from nbclient import NotebookClient

    times = []
    for _ in range(n):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("pass")]
        started = time.perf_counter()
        NotebookClient(nb, kernel_name="python3", timeout=60).execute()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _course(tmp: Path, assignment: str, n: int) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    generate_in_course(course, [assignment])
    exercise = json.loads((course / "exercises" / assignment / f"{assignment}.ipynb").read_text())
    solution = json.loads((course / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    cells = answer_cells(solution)
    for i in range(n):
        # a realistic class: right, blank and half-done submissions
        answers = {0: {c: "SOLUTION" for c in cells}, 1: {}, 2: {c: "SOLUTION" for c in cells[::2]}}[i % 3]
        folder = course / "submitted" / f"student{i:03d}" / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(json.dumps(fill_answers(exercise, solution, answers)))
    return course


def bench_grading(n: int, assignment: str, floor: float) -> list[tuple[str, str, str]]:
    from mali_ssr.grading import gradebook_snapshot

    with tempfile.TemporaryDirectory(prefix="mali-ssr-bench-") as tmp:
        plain = _course(Path(tmp), assignment, n)
        ours = Path(tmp) / "ours"
        shutil.copytree(plain, ours)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment], cwd=plain, env=nbgrader_env(),
                       check=True, capture_output=True)
        t_plain = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mali_ssr", "grade", assignment], cwd=ours, env=nbgrader_env(),
                       check=True, capture_output=True)
        t_ours = time.perf_counter() - started
        same = gradebook_snapshot(plain, assignment) == gradebook_snapshot(ours, assignment)
    cores = os.cpu_count() or 1
    speedup = t_plain / t_ours
    return [
        ("Grading: sequential `nbgrader autograde`", f"{t_plain / n:.2f} s/submission", f"{n} submissions"),
        ("Grading: `mali-ssr grade`", f"{t_ours / n:.2f} s/submission",
         f"{speedup:.2f}x faster (target ≥ {TARGETS['grading_speedup']}x); gradebooks identical: {same}"),
        ("Grading floor: empty notebook, fresh kernel", f"{floor:.2f} s/submission",
         f"mali-ssr grade is {t_ours / n / (floor / cores):.2f}x the floor / {cores} cores (aim ≤ 1.5x)"),
    ]


def bench_notebooks(floor: float) -> list[tuple[str, str, str]]:
    import nbformat
    from nbclient import NotebookClient

    rows = []
    paths = sorted((ROOT / "course").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        started = time.perf_counter()
        NotebookClient(nb, kernel_name="python3", timeout=120,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        elapsed = time.perf_counter() - started
        above = elapsed - floor
        verdict = "ok" if above <= TARGETS["notebook_above_floor"] else "MISSED"
        rows.append((f"Notebook {path.relative_to(ROOT)}", f"{elapsed:.2f} s",
                     f"{above:+.2f} s above floor ({verdict}, target ≤ {TARGETS['notebook_above_floor']} s)"))
    return rows


def bench_widgets() -> list[tuple[str, str, str]]:
    import random

    os.environ.setdefault("MPLBACKEND", "Agg")
    from mali_ssr import widgets
    from mali_ssr.data import CATEGORIES, DRIVERS, load

    data = load()
    rng = random.Random(1)
    keys = [k for _label, k in widgets.disagreement_keys(data)]

    from mali_ssr.figure_display import bundle

    def render(view):
        if view.figure is not None:  # include the redraw the learner waits for: the picture the widget shows
            bundle(view.figure, caption=False)

    cases = {
        "timeline_view": lambda: widgets.timeline_view(
            rng.sample(CATEGORIES, rng.randint(1, len(CATEGORIES))), rng.sample(DRIVERS, rng.randint(1, len(DRIVERS))),
            (rng.randint(1950, 2000), rng.randint(2001, 2025)), data),
        "initiatives_view": lambda: widgets.initiatives_view(sorted(rng.sample(range(1950, 2026), 2)),
                                                             rng.randint(1, 10), data),
        "institution_view": lambda: widgets.institution_view(rng.choice(list(data.institutions)), data),
        "council_view": lambda: widgets.council_view(*(rng.randint(0, 40) for _ in range(6)),
                                                     cma_delay=rng.randint(0, 24), platform_delay=rng.randint(0, 24)),
        "peace_justice_view": lambda: widgets.peace_justice_view(*(round(rng.random(), 1) for _ in range(4))),
        "disagreement_view": lambda: widgets.disagreement_view(rng.choice(keys), data),
        "glossary_view": lambda: widgets.glossary_view(rng.choice(list(data.glossary)), data),
        "widget_check_view": lambda: widgets.widget_check_view(rng.randint(0, 10)),
    }
    rows = []
    for name, call in cases.items():
        times = []
        for _ in range(50):
            started = time.perf_counter()
            render(call())
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        median, p95 = statistics.median(times), times[int(0.95 * len(times)) - 1]
        ok = median <= TARGETS["widget_median_ms"] and p95 <= TARGETS["widget_p95_ms"]
        rows.append((f"Widget {name}", f"median {median:.1f} ms, p95 {p95:.1f} ms",
                     "ok" if ok else f"MISSED (target median ≤ {TARGETS['widget_median_ms']:g} ms, "
                                    f"p95 ≤ {TARGETS['widget_p95_ms']:g} ms)"))
    return rows


def _median_seconds(command: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_startup() -> list[tuple[str, str, str]]:
    bare = _median_seconds([sys.executable, "-c", "pass"])
    helps = _median_seconds([sys.executable, "-m", "mali_ssr", "--help"])
    imports = _median_seconds([sys.executable, "-c", "import mali_ssr"])
    return [
        ("Start-up: `mali-ssr --help`", f"{helps:.2f} s",
         f"{'ok' if helps <= TARGETS['help_seconds'] else 'MISSED'} (target < 0.5 s; bare Python {bare:.2f} s)"),
        ("Start-up: `import mali_ssr`", f"{imports:.2f} s", f"{imports - bare:+.2f} s above bare Python"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--assignment", default="01_history")
    parser.add_argument("--only", choices=["grading", "notebooks", "widgets", "startup"], action="append")
    args = parser.parse_args(argv)
    sections = args.only or ["grading", "notebooks", "widgets", "startup"]
    floor = empty_notebook_floor(5) if {"grading", "notebooks"} & set(sections) else 0.0
    rows: list[tuple[str, str, str]] = []
    if floor:
        rows.append(("Floor: empty notebook in a fresh kernel", f"{floor:.2f} s", "median of 5"))
    if "grading" in sections:
        rows += bench_grading(args.submissions, args.assignment, floor)
    if "notebooks" in sections:
        rows += bench_notebooks(floor)
    if "widgets" in sections:
        rows += bench_widgets()
    if "startup" in sections:
        rows += bench_startup()
    table = ["| Measure | Result | Ratio / verdict |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table)
    print(text)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(f"Machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
