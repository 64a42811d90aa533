"""The hostile search for solutions, from an installed wheel (issue #11: "including an installed-wheel run").

An editable install and a wheel put the course's notebooks in different places: the wheel ships them inside the
package (``mali_ssr/notebooks/``), where a kernel that can import ``mali_ssr`` could once read them. This test
builds the wheel, installs it in a fresh virtual environment (its dependencies are borrowed from this one, without
this one's editable ``mali_ssr``), and grades, with that environment's own ``mali-ssr grade`` and sandbox, an honest
submission and one whose scratch cell searches sys.path, the package's folders and importlib.resources for the
course notebooks and the hidden tests (tests/hostile_cases.py, ``search_sys_path``).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from grading_support import require_sandbox
from hostile_cases import BY_NAME, MARKER
from mali_ssr.exercises import answer_cells, fill_answers, nbgrader_env

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
A = "01_history"


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory, built_wheel) -> Path:
    """A virtual environment holding the wheel of this checkout; returns its bin/ folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = built_wheel
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    # This environment's packages as plain folders: a .pth line adds a folder without running its .pth files, so
    # this environment's editable mali_ssr (a .pth finder) stays out, and the wheel's copy is the one imported.
    ours = {sysconfig.get_paths()["purelib"], *site.getsitepackages()}
    (purelib / "borrowed_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    where = subprocess.run([str(python), "-c", "import mali_ssr; print(mali_ssr.__file__)"], capture_output=True,
                           text=True, check=True, cwd=tmp).stdout.strip()
    assert Path(where).is_relative_to(purelib), f"the wheel's mali_ssr is not the one imported: {where}"
    return venv / "bin"


def test_an_installed_wheel_hands_no_notebook_to_the_sandbox(wheel_env, tmp_path):
    require_sandbox()
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    env = nbgrader_env()  # this environment's bin/ for the tools nbgrader calls (alembic), after the wheel's
    env["PATH"] = f"{wheel_env}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    done = subprocess.run([str(wheel_env / "python"), "-m", "nbgrader", "generate_assignment", A, "--force"], cwd=course,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    exercise = json.loads((course / "exercises" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    solution = json.loads((course / "solutions" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    honest = fill_answers(exercise, solution, {gid: "SOLUTION" for gid in answer_cells(solution)})
    hunter = json.loads(json.dumps(honest))
    BY_NAME["search_sys_path"].edit(hunter)
    for student, nb in [("honest", honest), ("hunter", hunter)]:
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text(json.dumps(nb), encoding="utf-8")

    done = subprocess.run([str(wheel_env / "mali-ssr"), "grade", A, "--jobs", "2", "--timeout", "120"], cwd=course,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    graded = json.loads((course / "autograded" / "hunter" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    reports = [json.loads(line[len(MARKER):]) for cell in graded["cells"] for out in cell.get("outputs", [])
               for line in "".join(out.get("text", "")).splitlines() if line.startswith(MARKER)]
    BY_NAME["search_sys_path"].report(reports)
    assert reports[0]["roots"] > 3, reports  # it did look: the wheel's environment, its site folders, the package
