"""Generate the student notebooks in ``exercises/`` from the instructor notebooks in ``solutions/``.

``solutions/`` is the single source of every assignment; ``exercises/`` is
nbgrader's output and is never edited by hand. Generation happens in a
throw-away course directory, so it never touches an instructor's gradebook.
:func:`normalise` strips what changes from run to run (cell ids, execution
metadata), so that a test can prove the committed exercises are in sync.

    python -m mali_ssr.exercises          # refresh exercises/ from solutions/
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .i18n import _

_GENERATE = """
import sys
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

config = Config()
config.CourseDirectory.root = sys.argv[1]
config.CourseDirectory.source_directory = "solutions"
config.CourseDirectory.release_directory = "exercises"
api = NbGraderAPI(CourseDirectory(config=config), config=config)
failed = False
for assignment in sys.argv[2:]:
    result = api.generate_assignment(assignment, force=True)
    if not result["success"]:
        failed = True
        sys.stderr.write(f"{assignment}: {result.get('error') or result.get('log')}\\n")
sys.exit(1 if failed else 0)
"""

VOLATILE_NOTEBOOK_METADATA = ("widgets", "language_info")
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "trusted")


def assignments(root: Path) -> list[str]:
    return sorted(p.name for p in (Path(root) / "solutions").iterdir() if p.is_dir() and not p.name.startswith("."))


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader subprocesses: this Python's bin/ first (nbgrader calls alembic)."""
    return {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}


def generate_in_course(course: str | Path, names: list[str]) -> None:
    """``nbgrader generate_assignment`` for each name, in an existing course directory (gradebook kept)."""
    done = subprocess.run([sys.executable, "-c", _GENERATE, str(course), *names], cwd=course, env=nbgrader_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(_("nbgrader could not generate the exercises:") + "\n" + done.stderr[-2000:])


def generate(root: str | Path, dest: str | Path, names: list[str] | None = None) -> Path:
    """Run nbgrader on ``root/solutions`` in a temporary course and copy the result to ``dest``."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    names = names or assignments(root)
    with tempfile.TemporaryDirectory(prefix="mali-ssr-generate-") as tmp:
        course = Path(tmp)
        for name in names:
            shutil.copytree(root / "solutions" / name, course / "solutions" / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        generate_in_course(course, names)
        for name in names:
            target = dest / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course / "exercises" / name, target)
    return dest


def normalise(path: str | Path) -> dict:
    """A notebook as JSON without cell ids and run-specific metadata, for comparisons."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in VOLATILE_NOTEBOOK_METADATA:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        cell.pop("id", None)
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def _cells_by_id(nb: dict) -> dict[str, dict]:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def answer_cells(solution: dict) -> list[str]:
    """Grade ids of the cells a student writes in (code answers and written answers)."""
    return [gid for gid, c in _cells_by_id(solution).items() if c["metadata"]["nbgrader"].get("solution")]


def fill_answers(exercise: dict, solution: dict, answers: dict[str, str]) -> dict:
    """A copy of the student notebook with answer cells filled in, as a student would submit it.

    ``answers`` maps an answer cell's grade id to its new source; the value
    ``"SOLUTION"`` takes the cell from the solution notebook. Used by the tests
    and the benchmarks to build right, partly right and wrong submissions.
    """
    nb = json.loads(json.dumps(exercise))
    released, sources = _cells_by_id(nb), _cells_by_id(solution)
    for grade_id, code in answers.items():
        if grade_id not in released:
            raise KeyError(_("no answer cell {grade_id!r} in the exercise").format(grade_id=grade_id))
        released[grade_id]["source"] = sources[grade_id]["source"] if code == "SOLUTION" else code
    return nb


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    if not (root / "solutions").is_dir():
        print(_("run this from a clone of the course repository ({folder} not found)").format(folder="solutions/"),
              file=sys.stderr)
        return 2
    generate(root, root / "exercises")
    print(_("{exercises} regenerated from {solutions} ({names})").format(
        exercises="exercises/", solutions="solutions/", names=", ".join(assignments(root))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
