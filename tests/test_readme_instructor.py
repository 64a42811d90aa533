"""The README's instructor section is the script: its commands, run as written, in a fresh clone.

The ```bash block under "## For instructors" in README.md is read from a ``git clone`` of this repository's HEAD
and its command lines are run one by one (comments skipped), each as a subprocess of this venv's own ``nbgrader``
or ``mali-ssr``, in the clone's root, with a time limit. Before the sequence, a Canvas-style bulk download
(``submissions.zip``, the name the README uses) of two honest students is put in the clone. ``mali-ssr
instructor`` is the one line not run as it is (it serves until Ctrl+C): the test starts the very server that
command builds (``cli.instructor_command``), bound to 127.0.0.1 with a token, and marks one student's written
answers through the formgrader's REST API, as a grader's clicks would, then stops the server by its PID. The
Canvas CSV the last command writes must hold that student's total and a blank for the other, whose written
answers are still pending.

So a change to the README's block that breaks the sequence (a command that fails, a missing step, a wrong order)
fails this test.
"""

from __future__ import annotations

import csv
import json
import shlex
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from grading_support import free_port, require_sandbox, running_server
from mali_ssr.cli import build_parser, instructor_command
from mali_ssr.exercises import answer_cells, fill_answers, nbgrader_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
A = "01_history"
NB = f"{A}.ipynb"
BIN = Path(sys.executable).parent
PROGRAMS = {"nbgrader", "mali-ssr"}
# Canvas "Download Submissions" names: <login>_<user id>_<submission id>_<file>; the user id becomes the student id
MARKED, PENDING = ("doejane", "12345"), ("keitamoussa", "34567")
COMMAND_TIMEOUT = 600


def instructor_block(readme: str) -> list[list[str]]:
    """The command lines of the ```bash block under "## For instructors", split as the shell would."""
    section = readme.split("\n## For instructors", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("\n```", 1)[0]
    return [shlex.split(line, comments=True) for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def canvas_zip(course: Path) -> Path:
    """Two honest submissions as Canvas's bulk download names them, made from the release in the clone's exercises/."""
    exercise = json.loads((course / "exercises" / A / NB).read_text(encoding="utf-8"))
    solution = json.loads((course / "solutions" / A / NB).read_text(encoding="utf-8"))
    honest = json.dumps(fill_answers(exercise, solution, {gid: "SOLUTION" for gid in answer_cells(solution)}))
    path = course / "submissions.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for login, user_id in (MARKED, PENDING):
            archive.writestr(f"{login}_{user_id}_7{user_id}_{NB}", honest)
    return path


def run(course: Path, argv: list[str]) -> subprocess.CompletedProcess:
    assert argv[0] in PROGRAMS, f"the README's instructor block runs {argv[0]!r}: only {sorted(PROGRAMS)} expected"
    done = subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=course, env=nbgrader_env(), capture_output=True,
                          text=True, timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0, (f"the README's `{shlex.join(argv)}` failed ({done.returncode}):\n"
                                  f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done


def api(base: str, token: str, path: str, body: dict | None = None) -> object:
    request = urllib.request.Request(f"{base}/formgrader/api/{path}", method="PUT" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def mark_written_answers(course: Path, argv: list[str], student: str) -> tuple[list[str], float]:
    """Start the server `mali-ssr instructor` starts; give full marks to ``student``'s pending answers through the
    formgrader's API (the calls its grading page makes); return the marked questions and the notebook's maximum."""
    args = build_parser().parse_args(argv[1:])
    port, token = free_port(), "readme-instructor-token"
    loopback = ["--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False"]
    command = instructor_command((course / args.course).resolve(), port, True, [*args.lab_options, *loopback])
    with running_server(command, course, nbgrader_env(), port, token) as base:
        assert api(base, token, "status")["status"] is True, "the formgrader is not set up in the course root"
        notebooks = {nb["student"]: nb for nb in api(base, token, f"submitted_notebooks/{A}/{A}")}
        assert set(notebooks) == {MARKED[1], PENDING[1]}, notebooks
        assert all(nb["needs_manual_grade"] for nb in notebooks.values()), notebooks
        marked, maximum = [], 0.0
        for grade in api(base, token, f"grades?submission_id={notebooks[student]['id']}"):
            maximum += grade["max_score"]
            if grade["needs_manual_grade"]:
                answer = api(base, token, f"grade/{grade['id']}", {"manual_score": grade["max_score"]})
                assert answer["manual_score"] == grade["max_score"] and not answer["needs_manual_grade"], answer
                marked.append(grade["name"])
        after = {nb["student"]: nb for nb in api(base, token, f"submitted_notebooks/{A}/{A}")}
        assert not after[student]["needs_manual_grade"] and after[PENDING[1]]["needs_manual_grade"], after
    return marked, maximum


@pytest.fixture
def fresh_clone(tmp_path):
    require_sandbox()
    course = tmp_path / "mali-ssr"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(course)], check=True, timeout=120)
    return course


def test_the_readme_block_is_the_instructor_s_sequence():
    """The block holds the steps this test relies on, in this order (so the test below cannot pass vacuously)."""
    commands = [shlex.join(argv) for argv in instructor_block((ROOT / "README.md").read_text(encoding="utf-8"))]
    steps = ["nbgrader generate_assignment 01_history", "mali-ssr collect 01_history submissions.zip",
             "mali-ssr grade 01_history", "mali-ssr instructor", "mali-ssr export 01_history --lms canvas"]
    found = [next((i for i, line in enumerate(commands) if line.startswith(step)), None) for step in steps]
    assert None not in found and found == sorted(found), commands


def test_readme_instructor_section_runs_as_written(fresh_clone):
    course = fresh_clone
    commands = instructor_block((course / "README.md").read_text(encoding="utf-8"))
    outputs, marked, maximum = {}, None, None
    for argv in commands:
        if argv[:2] == ["mali-ssr", "collect"] and not (course / "submissions.zip").exists():
            canvas_zip(course)  # the students answer the release they were handed (the class's own variant)
        if argv[:2] == ["mali-ssr", "instructor"]:
            marked, maximum = mark_written_answers(course, argv, MARKED[1])
            continue
        outputs[shlex.join(argv)] = run(course, argv)
    assert marked, "no written answer was waiting for a manual mark: the instructor step was never reached"

    grade = outputs[next(line for line in outputs if line.startswith("mali-ssr grade"))]
    assert "could not be graded" not in grade.stdout + grade.stderr, grade.stdout
    assert "flag" not in grade.stdout, f"honest students were flagged:\n{grade.stdout}"

    export = next(line for line in outputs if line.startswith("mali-ssr export"))
    out = next((Path(arg) for arg in export.split() if arg.endswith(".csv")), Path("reports") / f"{A}-canvas.csv")
    rows = list(csv.reader((course / out).read_text(encoding="utf-8").splitlines()))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] and rows[0][5].startswith(A)
    by_id = {row[1]: row for row in rows[1:]}
    assert set(by_id) == {MARKED[1], PENDING[1]}, rows
    # honest tests passed, plus the written answers marked in full through the formgrader: the whole maximum
    assert float(by_id[MARKED[1]][5]) == pytest.approx(maximum), rows
    assert by_id[PENDING[1]][5] == "", rows  # written answers still pending: blank, never a number
    assert PENDING[1] in outputs[export].stderr and "pending" in outputs[export].stderr, outputs[export].stderr
    if any(argv[:2] == ["mali-ssr", "class-secret"] for argv in commands):  # step 0: the class got its own version
        released = json.loads((course / "exercises" / A / NB).read_text(encoding="utf-8"))
        public = json.loads((ROOT / "exercises" / A / NB).read_text(encoding="utf-8"))
        variant = [["".join(c["source"]) for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
                    == "variant"] for nb in (released, public)]
        assert variant[0] and variant[0] != variant[1], "the README's class secret did not change the release"
