"""Benchmarks: what users wait for, measured side by side, reported as ratios.

    python benchmarks/run.py                 # every section, 40 submissions
    python benchmarks/run.py --submissions 40 400 --only grading
    python benchmarks/run.py --only jobs     # which --jobs is fastest on this machine

Grading compares, in one run, plain sequential `nbgrader autograde` and
`mali-ssr grade` (both with the course's sandbox on) with the floor: the same
submissions' cells executed in one kernel that is already running.

Machines are noisy, so every number is set against a floor measured in the same
run. Writes a
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
    "grading_speedup": 5.0,  # mali-ssr grade (sandbox on) at least this much faster than sequential nbgrader
    "grading_scale": 11.0,  # 400 submissions cost at most this much more than 40
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


# runs a command and reports, last on stderr, the peak resident memory (kB) of its largest process
PEAK_MEMORY = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def _timed(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the command and everything it started, MB of its largest process at peak)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_MEMORY, *command], cwd=cwd, env=nbgrader_env(), check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), peak_mb


def execution_floor(course: Path, assignment: str, limit: int = 12) -> float:
    """Seconds per submission to run its cells in one kernel that is already running (no start-up, no nbgrader)."""
    import nbformat
    from jupyter_client.manager import start_new_kernel
    from nbclient import NotebookClient

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        folders = sorted((course / "submitted").iterdir())[:limit]
        started = time.perf_counter()
        for folder in folders:
            path = folder / assignment / f"{assignment}.ipynb"
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(nb, km=km, timeout=60, allow_errors=True,
                                    resources={"metadata": {"path": str(path.parent)}})
            client.kc = kc
            client.reset_execution_trackers()
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
        return (time.perf_counter() - started) / len(folders)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def sandbox_startup(course: Path, runs: int = 5) -> tuple[float, float]:
    """Seconds to start a sandboxed grading kernel and see it answer, then stop it (median): cold, and warm
    (forked from the run's template into its own sandbox, as `mali-ssr grade` does)."""
    code = ("import asyncio, time, statistics, sys\n"
            "from pathlib import Path\n"
            "from mali_ssr.sandbox.kernel import SandboxKernelManager\n"
            "from mali_ssr.sandbox.warm import warm_kernels\n"
            "async def one():\n"
            "    km = SandboxKernelManager(kernel_name='python3'); t = time.perf_counter()\n"
            "    await km.start_kernel(); kc = km.client(); kc.start_channels(); await kc.wait_for_ready(timeout=60)\n"
            "    took = time.perf_counter() - t; kc.stop_channels(); await km.shutdown_kernel(now=True); return took\n"
            f"cold = statistics.median([asyncio.run(one()) for _ in range({runs})])\n"
            "with warm_kernels(Path('warm-template.log')):\n"
            f"    warm = statistics.median([asyncio.run(one()) for _ in range({runs})])\n"
            "print(cold, warm)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=course, env=nbgrader_env(), check=True,
                         capture_output=True, text=True)
    cold, warm = out.stdout.split()[-2:]
    return float(cold), float(warm)


def bench_grading(counts: list[int], assignment: str, jobs: int | None) -> list[tuple[str, str, str]]:
    """Plain sequential nbgrader, mali-ssr grade (sandbox on) and the floor, per class size; ratios between them."""
    from mali_ssr.grading import gradebook_snapshot

    rows, per_count = [], {}
    for n in counts:
        with tempfile.TemporaryDirectory(prefix="mali-ssr-bench-") as tmp:
            plain = _course(Path(tmp), assignment, n)
            ours = Path(tmp) / "ours"
            shutil.copytree(plain, ours)
            t_plain, cpu_plain, _peak = _timed([sys.executable, "-m", "nbgrader", "autograde", assignment], plain)
            command = [sys.executable, "-m", "mali_ssr", "grade", assignment] + ([f"--jobs={jobs}"] if jobs else [])
            t_ours, cpu_ours, peak = _timed(command, ours)
            same = gradebook_snapshot(plain, assignment) == gradebook_snapshot(ours, assignment)
            floor = execution_floor(plain, assignment)
            cold, startup = sandbox_startup(plain) if n == counts[0] else per_count[counts[0]]["kernels"]
        per_count[n] = {"ours": t_ours, "kernels": (cold, startup), "peak": peak}
        speedup = t_plain / t_ours
        verdict = "ok" if speedup >= TARGETS["grading_speedup"] and same else "MISSED"
        rest = cpu_ours / n - startup - floor
        rows += [
            (f"Grading {n}: sequential `nbgrader autograde` (sandbox on)", f"{t_plain / n:.2f} s/submission",
             f"{t_plain:.0f} s in all; CPU {cpu_plain / n:.2f} s/submission"),
            (f"Grading {n}: `mali-ssr grade` (sandbox on)", f"{t_ours / n:.2f} s/submission",
             f"{speedup:.2f}x faster ({verdict}, target ≥ {TARGETS['grading_speedup']}x); gradebooks identical: "
             f"{same}; CPU {cpu_ours / n:.2f} s/submission"),
            (f"Grading {n}: floor (the cells in a running kernel)", f"{floor:.2f} s/submission",
             f"mali-ssr grade is {t_ours / n / floor:.1f}x the floor, plain nbgrader {t_plain / n / floor:.1f}x"),
            (f"Grading {n}: where mali-ssr grade's CPU goes", f"{cpu_ours / n:.2f} s/submission",
             f"sandboxed kernel start-up {startup:.2f} s warm, {cold:.2f} s cold (wall, measured alone); "
             f"execution {floor:.2f} s; "
             f"re-check, gradebook and nbgrader overhead ≈ {max(rest, 0):.2f} s"),
        ]
    if len(counts) > 1:
        small, large = counts[0], counts[-1]
        scale = per_count[large]["ours"] / per_count[small]["ours"]
        allowed = TARGETS["grading_scale"] * large / small / 10
        rows.append((f"Grading: {large} against {small} submissions", f"{scale:.1f}x the time",
                     f"{'ok' if scale <= allowed else 'MISSED'} (target ≤ {allowed:g}x)"))
        memory = per_count[large]["peak"] / per_count[small]["peak"]
        rows.append((f"Grading: memory, {large} against {small} submissions",
                     f"{memory:.2f}x the largest process",
                     f"{per_count[small]['peak']:.0f} MB and {per_count[large]['peak']:.0f} MB at peak "
                     f"(largest grading process; {'flat' if memory <= 1.2 else 'GROWS'}: target ≤ 1.2x)"))
    return rows


def bench_jobs(assignment: str, n: int = 12) -> list[tuple[str, str, str]]:
    """`mali-ssr grade --jobs J` for J = 1 .. cores + 3 on the same class: which is fastest here."""
    cores = os.cpu_count() or 1
    times = {}
    for jobs in range(1, cores + 4):
        with tempfile.TemporaryDirectory(prefix="mali-ssr-bench-") as tmp:
            course = _course(Path(tmp), assignment, n)
            times[jobs] = _timed([sys.executable, "-m", "mali_ssr", "grade", assignment, f"--jobs={jobs}"], course)[0]
    best = min(times, key=times.get)
    shown = ", ".join(f"{j}: {t / n:.2f}" for j, t in times.items())
    return [(f"Grading: --jobs on {cores} cores", f"best {best}",
             f"s/submission by jobs: {shown} (default: cores + 2 = {cores + 2})")]


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
    """Each widget's update (view + the PNG the learner sees), two ways, 50 updates each:

    * *one control moved*: what a learner does, one slider or box at a time (a random control to a
      random value, from the previous values);
    * *all controls jump*: every control to a new random value at once (no interface does this; the
      worst case for reusing what did not change).
    """
    import random

    os.environ.setdefault("MPLBACKEND", "Agg")
    from mali_ssr import widgets
    from mali_ssr.data import CATEGORIES, DRIVERS, load
    from mali_ssr.figure_display import bundle
    from mali_ssr.maps import map_view

    data = load()
    rng = random.Random(1)
    keys = [k for _label, k in widgets.disagreement_keys(data)]

    def some(options):
        return lambda: rng.sample(options, rng.randint(1, len(options)))

    def period(low=1950):
        return lambda: (rng.randint(low, 2000), rng.randint(2001, 2025))

    def seats():
        return rng.randint(0, 40)

    def share():
        return round(rng.random(), 1)

    # widget -> (controls: name -> random value, view of the control values)
    cases = {
        "timeline_view": ({"categories": some(CATEGORIES), "drivers": some(DRIVERS), "period": period()},
                          lambda c: widgets.timeline_view(c["categories"], c["drivers"], c["period"], data)),
        "initiatives_view": ({"period": lambda: sorted(rng.sample(range(1950, 2026), 2)),
                              "bin_years": lambda: rng.randint(1, 10)},
                             lambda c: widgets.initiatives_view(c["period"], c["bin_years"], data)),
        "institution_view": ({"institution": lambda: rng.choice(list(data.institutions))},
                             lambda c: widgets.institution_view(c["institution"], data)),
        "council_view": ({**{g: seats for g in widgets.STARTING_SEATS},
                          "cma_delay": lambda: rng.randint(0, 24), "platform_delay": lambda: rng.randint(0, 24)},
                         lambda c: widgets.council_view(**c)),
        "peace_justice_view": ({"amnesty": share, "prosecution": share, "sanctions": share, "council_unity": share},
                               lambda c: widgets.peace_justice_view(**c)),
        "map_view": ({"categories": some(CATEGORIES), "period": period()},
                     lambda c: map_view(c["categories"], c["period"], data)),
        "disagreement_view": ({"key": lambda: rng.choice(keys)}, lambda c: widgets.disagreement_view(c["key"], data)),
        "glossary_view": ({"term": lambda: rng.choice(list(data.glossary))},
                          lambda c: widgets.glossary_view(c["term"], data)),
        "widget_check_view": ({"value": lambda: rng.randint(0, 10)}, lambda c: widgets.widget_check_view(c["value"])),
    }

    def timed(view, values) -> tuple[float, float]:
        """(wall, CPU) milliseconds: the wait, and this process's own work (what other load cannot inflate)."""
        started, cpu = time.perf_counter(), time.process_time()
        shown = view(values)
        if shown.figure is not None:  # include the redraw the learner waits for: the picture the widget shows
            bundle(shown.figure, caption=False)
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000

    def summary(times: list[tuple[float, float]]) -> tuple[str, bool]:
        wall, cpu = sorted(t[0] for t in times), sorted(t[1] for t in times)
        median, p95 = statistics.median(wall), wall[int(0.95 * len(wall)) - 1]
        ok = median <= TARGETS["widget_median_ms"] and p95 <= TARGETS["widget_p95_ms"]
        return (f"median {median:.1f} ms, p95 {p95:.1f} ms (CPU {statistics.median(cpu):.1f} / "
                f"{cpu[int(0.95 * len(cpu)) - 1]:.1f} ms)"), ok

    rows = []
    for name, (controls, view) in cases.items():
        values = {control: draw() for control, draw in controls.items()}
        timed(view, values)  # the widget's first picture, drawn when its cell runs
        moved = []
        for _ in range(50):
            control = rng.choice(list(controls))
            values[control] = controls[control]()
            moved.append(timed(view, values))
        jumped = [timed(view, {control: draw() for control, draw in controls.items()}) for _ in range(50)]
        (moved_text, moved_ok), (jumped_text, jumped_ok) = summary(moved), summary(jumped)
        target = f"target median ≤ {TARGETS['widget_median_ms']:g} ms, p95 ≤ {TARGETS['widget_p95_ms']:g} ms"
        verdict = "ok" if moved_ok else f"MISSED ({target})"
        rows.append((f"Widget {name}", f"one control moved: {moved_text}; all controls jump: {jumped_text}",
                     f"{verdict}; all controls jump {'ok' if jumped_ok else 'MISSED'}"))
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
    parser.add_argument("--submissions", type=int, nargs="+", default=[40],
                        help="class sizes to grade, e.g. 40 400 (400 takes a long while)")
    parser.add_argument("--jobs", type=int, default=None, help="mali-ssr grade --jobs (default: its own)")
    parser.add_argument("--assignment", default="01_history")
    parser.add_argument("--only", choices=["grading", "jobs", "notebooks", "widgets", "startup"], action="append")
    args = parser.parse_args(argv)
    sections = args.only or ["grading", "notebooks", "widgets", "startup"]
    floor = empty_notebook_floor(5) if "notebooks" in sections else 0.0
    rows: list[tuple[str, str, str]] = []
    if floor:
        rows.append(("Floor: empty notebook in a fresh kernel", f"{floor:.2f} s", "median of 5"))
    if "grading" in sections:
        rows += bench_grading(args.submissions, args.assignment, args.jobs)
    if "jobs" in sections:
        rows += bench_jobs(args.assignment)
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
