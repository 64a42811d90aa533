"""A real JupyterHub class on loopback: deploy/jupyterhub/ as shipped, one instructor, two students.

The hub (JupyterHub from the `test` extra, configurable-http-proxy from npm or Debian) runs the shipped
deploy/jupyterhub/jupyterhub_config.py unchanged, with throw-away Unix accounts (useradd, passwords by chpasswd,
PAM login), a throw-away exchange and free ports on 127.0.0.1. Everything goes through HTTP as a browser would:
login on the hub's form, tokens and spawns through the hub's REST API, the students' Assignments actions through
their own servers' nbgrader endpoints, the instructor's steps through the formgrader service's REST API.
The two steps that are terminal commands in the guide (docs/jupyterhub.md) run as the grader account with the
environment the hub gives the formgrader service: `nbgrader db student import` and the sandboxed `mali-ssr grade`.

Needs root (accounts, PAM, setuid spawns). Skips outside CI when something is missing; under CI=true it fails.
Everything it starts is stopped by PID in the fixtures' finalizers, and the accounts are removed (userdel -r).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests  # a dependency of jupyterhub (the test extra)
import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "jupyterhub"
COURSE = "mali-ssr"
ASSIGNMENT = "01_history"
CLASS_GROUP = "mssr-class"  # Unix group: who may log in
INSTRUCTOR = "mssr-instr"
GRADER = "mssr-grader"  # runs the formgrader service; never logs in
STUDENTS = ("mssr-stu1", "mssr-stu2")
PEOPLE = (INSTRUCTOR, *STUDENTS)
ACCOUNTS = (GRADER, *PEOPLE)
TOOLS = ("useradd", "userdel", "groupadd", "groupdel", "chpasswd", "runuser", "configurable-http-proxy", "bwrap")
HTTP_TIMEOUT = 60  # one request; a formgrader action (generate, collect, feedback) answers in a few seconds


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (creates Unix accounts, PAM login, spawns servers as other users)"
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        return "missing: " + ", ".join(missing) + " (npm install -g configurable-http-proxy; apt-get install bubblewrap)"
    return None


@pytest.fixture(scope="module")
def requirements():
    reason = _why_not()
    if reason and os.environ.get("CI") == "true":
        pytest.fail("the JupyterHub test cannot run under CI: " + reason)
    if reason:
        pytest.skip(reason)


# ---------------------------------------------------------------------------------------------------------------
# Processes and accounts: every one is found by PID (or by its owner's uid) and stopped
# ---------------------------------------------------------------------------------------------------------------

def _pids_of_uids(uids: set[int]) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("Uid:") and int(line.split()[1]) in uids:
                    pids.append(int(entry.name))
    return pids


def _stop_pids(pids: list[int], grace: float = 10) -> None:
    """SIGTERM, then SIGKILL for whatever is still there after `grace` seconds."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in alive if _alive(pid)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return False


def _uids(names) -> set[int]:
    import pwd
    out = set()
    for name in names:
        with contextlib.suppress(KeyError):
            out.add(pwd.getpwnam(name).pw_uid)
    return out


def _remove_accounts() -> None:
    """Stop every process of the test accounts, then delete them with their homes, then the group."""
    _stop_pids(_pids_of_uids(_uids(ACCOUNTS)), grace=5)
    for name in ACCOUNTS:
        if _uids([name]):
            subprocess.run(["userdel", "-r", name], capture_output=True, timeout=30)
    subprocess.run(["groupdel", CLASS_GROUP], capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def accounts(requirements):
    """The Unix accounts (homes mode 700) and their passwords; removed afterwards, even after a failure."""
    _remove_accounts()  # leftovers of an interrupted run
    passwords = {name: secrets.token_urlsafe(12) for name in PEOPLE}
    try:
        subprocess.run(["groupadd", CLASS_GROUP], check=True, capture_output=True, timeout=30)
        for name in ACCOUNTS:
            groups = ["-G", CLASS_GROUP] if name in PEOPLE else []
            subprocess.run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", *groups, name],
                           check=True, capture_output=True, timeout=30)
        lines = "".join(f"{name}:{password}\n" for name, password in passwords.items())
        subprocess.run(["chpasswd"], input=lines, text=True, check=True, capture_output=True, timeout=30)
        yield passwords
    finally:
        _remove_accounts()


# ---------------------------------------------------------------------------------------------------------------
# A Python the test's accounts can run
# ---------------------------------------------------------------------------------------------------------------

PROBE = "import jupyterhub, jupyterlab, nbgrader, mali_ssr.grading.recheck, ipykernel"


def _runs_as(user: str, python: str) -> bool:
    probe = subprocess.run(["runuser", "-u", user, "--", python, "-c", PROBE], capture_output=True, timeout=120,
                           cwd="/")
    return probe.returncode == 0


def _user_python(workdir: Path) -> str:
    """This interpreter if the test's accounts can run it, else a venv they can, made from Debian's python3.

    A venv made from a Python under /root (pyenv; CI's checkout venv) cannot be run by other accounts. The venv
    holds the project's dependencies and jupyterhub, installed by pip for that Python (borrowing this venv's
    site-packages is not safe: Debian 12's Python 3.11.2 cannot run packages that need 3.11.5, soupsieve 4 for
    one). It is kept between runs in /tmp, keyed by the requirements, since building it takes a minute or two.
    The package under test always comes from this checkout: a copy of src/mali_ssr, put on the venv's path.
    """
    if _runs_as(STUDENTS[0], sys.executable):
        return sys.executable
    from importlib.metadata import requires, version
    needs = [r for r in requires("mali-ssr-course") if "extra ==" not in r] + [f"jupyterhub=={version('jupyterhub')}"]
    base = "/usr/bin/python3"
    base_version = subprocess.run([base, "-VV"], capture_output=True, text=True, timeout=60).stdout
    key = hashlib.sha1(json.dumps([needs, base_version]).encode()).hexdigest()[:12]
    venv = Path(f"/tmp/mali-ssr-hub-test-venv-{key}")
    if not (venv / "complete").exists():
        for stale in Path("/tmp").glob("mali-ssr-hub-test-venv-*"):
            shutil.rmtree(stale, ignore_errors=True)
        subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *needs], check=True, timeout=1200,
                       stdout=subprocess.DEVNULL)
        venv.chmod(0o755)
        (venv / "complete").write_text("\n".join(needs))
    python = str(venv / "bin" / "python")
    shutil.copytree(ROOT / "src" / "mali_ssr", workdir / "src" / "mali_ssr",
                    ignore=shutil.ignore_patterns("__pycache__"))
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    Path(site, "mali_ssr_under_test.pth").write_text(str(workdir / "src") + "\n")
    assert _runs_as(STUDENTS[0], python), f"{python} cannot be run by {STUDENTS[0]}"
    return python


# ---------------------------------------------------------------------------------------------------------------
# The hub
# ---------------------------------------------------------------------------------------------------------------

def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _copy_course(target: Path) -> None:
    """The repository's tracked files (what a clone has), as a course root."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, timeout=60)
    if listed.returncode != 0:  # an unpacked sdist: no git
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info"))
        return
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _wait(what: str, check, timeout: float, every: float = 0.5, log: Path | None = None):
    """Poll `check` until it returns something truthy; fail with `what` (and the hub's log tail) on timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (requests.RequestException, KeyError, ValueError) as error:
            last_error = error
        time.sleep(every)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last_error})\n{tail}")


@dataclass
class Hub:
    url: str  # the proxy's public URL, ending in /
    api_url: str  # the hub's own API as the service sees it
    service_token: str
    python: str
    course_root: Path
    exchange: Path
    config_path: str  # JUPYTER_CONFIG_PATH of the servers (the global nbgrader_config.py)
    log: Path
    process: subprocess.Popen
    tokens: dict[str, str] = field(default_factory=dict)

    def request(self, user: str, method: str, path: str, **kwargs) -> requests.Response:
        """One HTTP request through the proxy, authenticated with `user`'s hub token."""
        headers = {"Authorization": f"token {self.tokens[user]}", **kwargs.pop("headers", {})}
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url + path.lstrip("/"), headers=headers, timeout=HTTP_TIMEOUT, **kwargs)

    def formgrader(self, user: str, method: str, action: str, **kwargs) -> requests.Response:
        return self.request(user, method, f"services/{COURSE}/formgrader/api/{action}", **kwargs)

    def as_grader(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """A command in the course root as the grader account, with the environment the hub gives the service
        (what a terminal in the formgrader's JupyterLab has)."""
        path = os.pathsep.join([os.path.dirname(self.python), "/usr/local/bin", "/usr/bin", "/bin"])
        env = {"HOME": f"/home/{GRADER}", "USER": GRADER, "PATH": path, "LANG": "C.UTF-8",
               "JUPYTERHUB_USER": GRADER, "JUPYTERHUB_API_URL": self.api_url, "JUPYTERHUB_API_TOKEN": self.service_token,
               "JUPYTER_CONFIG_PATH": self.config_path, "NBGRADER_EXCHANGE_ROOT": str(self.exchange)}
        return subprocess.run(["runuser", "-u", GRADER, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
                               *args], cwd=self.course_root, capture_output=True, text=True, timeout=timeout)

    def as_user(self, user: str, code: str) -> subprocess.CompletedProcess:
        """Python code run as `user` (the Unix account, outside any server)."""
        return subprocess.run(["runuser", "-u", user, "--", self.python, "-c", code], cwd="/", capture_output=True,
                              text=True, timeout=60)


def _stop_hub(process: subprocess.Popen, proxy_pid_file: Path) -> None:
    """SIGTERM twice (the hub stops its servers, services and proxy), then by PID whatever is left."""
    for _ in range(2):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=20)
    with contextlib.suppress(OSError, ValueError):
        proxy = int(proxy_pid_file.read_text().strip())
        if "configurable-http-proxy" in Path(f"/proc/{proxy}/cmdline").read_text(errors="replace"):
            _stop_pids([proxy])
    _stop_pids(_pids_of_uids(_uids(ACCOUNTS)), grace=5)


def _login(hub_url: str, user: str, password: str) -> str:
    """Log in on the hub's own form (PAM), then ask the hub's REST API for a token of this user."""
    session = requests.Session()
    session.get(hub_url + "hub/login", timeout=HTTP_TIMEOUT).raise_for_status()
    xsrf = session.cookies["_xsrf"]
    answer = session.post(hub_url + "hub/login", data={"username": user, "password": password, "_xsrf": xsrf},
                          timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert answer.status_code == 302, f"PAM login of {user} refused: {answer.status_code}"
    # the XSRF token is bound to the login session: take the one a page of the logged-in hub sets
    session.get(hub_url + "hub/home", timeout=HTTP_TIMEOUT).raise_for_status()
    xsrf = [cookie.value for cookie in session.cookies if cookie.name == "_xsrf"][-1]
    made = session.post(hub_url + f"hub/api/users/{user}/tokens", json={"note": "test", "expires_in": 3600},
                        headers={"X-XSRFToken": xsrf}, timeout=HTTP_TIMEOUT)
    assert made.status_code == 201, made.text
    return made.json()["token"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder every account can pass through (pytest's own tmp_path is under /tmp/pytest-of-root, mode 700).

    Removed afterwards; the hub's log is kept in pytest's temporary folder (hub.log) for a post-mortem.
    """
    import tempfile
    path = Path(tempfile.mkdtemp(prefix="mssr-hub-"))
    path.chmod(0o755)
    yield path
    with contextlib.suppress(OSError):
        shutil.copy(path / "hub.log", tmp_path_factory.getbasetemp() / "hub.log")
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def hub(accounts, workdir):
    tmp = workdir
    python = _user_python(tmp)

    course_root = Path(f"/home/{GRADER}/{COURSE}")
    _copy_course(course_root)
    subprocess.run(["chown", "-R", f"{GRADER}:{GRADER}", str(course_root)], check=True, timeout=60)
    exchange = tmp / "exchange"
    exchange.mkdir(mode=0o777)
    exchange.chmod(0o777)  # as the guide says: writable by all; nbgrader locks down what it makes inside
    # The shipped files, copied where every account can read them (a checkout may sit in an unreadable folder).
    etc_hub = tmp / "etc-jupyterhub"
    shutil.copytree(DEPLOY, etc_hub, ignore=shutil.ignore_patterns("__pycache__"))
    etc_jupyter = tmp / "etc-jupyter"  # stands for /etc/jupyter
    etc_jupyter.mkdir()
    shutil.copy(DEPLOY / "nbgrader_config.py", etc_jupyter / "nbgrader_config.py")
    state = tmp / "state"
    state.mkdir(mode=0o700)

    public, hub_port, proxy_api, service_port = _free_ports(4)
    service_token = secrets.token_hex(32)
    settings = {"COURSE_ID": COURSE, "GRADER": GRADER, "COURSE_ROOT": str(course_root), "INSTRUCTORS": INSTRUCTOR,
                "CLASS_GROUP": CLASS_GROUP, "PYTHON": python, "SERVICE_PORT": str(service_port),
                "SERVICE_TOKEN": service_token, "STATE_DIR": str(state),
                "BIND_URL": f"http://127.0.0.1:{public}/", "HUB_BIND_URL": f"http://127.0.0.1:{hub_port}"}
    # What the test adds to the shipped file: the proxy's API on a free port, and the throw-away /etc/jupyter
    # and exchange for every server (in a deployment those are the real /etc/jupyter and /srv/nbgrader/exchange).
    extra_env = {"JUPYTER_CONFIG_PATH": str(etc_jupyter), "NBGRADER_EXCHANGE_ROOT": str(exchange)}
    (tmp / "test_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(etc_hub / 'jupyterhub_config.py')!r})\n"
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{proxy_api}'\n"
        f"c.Spawner.environment.update({extra_env!r})\n"
        "for service in c.JupyterHub.services:\n"
        "    env = service['environment']\n"
        f"    env['JUPYTER_CONFIG_PATH'] += ':' + {str(etc_jupyter)!r}\n"
        f"    env['NBGRADER_EXCHANGE_ROOT'] = {str(exchange)!r}\n"
    )
    env = {**os.environ, **{"MALI_SSR_HUB_" + k: v for k, v in settings.items()}}
    log = tmp / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(tmp / "test_config.py")],
                                   cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(url=f"http://127.0.0.1:{public}/", api_url=f"http://127.0.0.1:{hub_port}/hub/api",
              service_token=service_token, python=python, course_root=course_root, exchange=exchange,
              config_path=str(etc_jupyter), log=log, process=process)
    try:
        def hub_answers():
            assert process.poll() is None, "the hub exited"
            return requests.get(hub.url + "hub/api/", timeout=5).status_code == 200
        _wait("the hub", hub_answers, timeout=90, log=log)
        for user in PEOPLE:
            hub.tokens[user] = _login(hub.url, user, accounts[user])
        for user in PEOPLE:  # instructor first: a leak of its settings into students' servers would show
            started = hub.request(user, "POST", f"hub/api/users/{user}/server")
            assert started.status_code in (201, 202), started.text
        for user in PEOPLE:
            _wait(f"{user}'s server", lambda u=user: hub.request(u, "GET", f"user/{u}/api/status").status_code == 200,
                  timeout=180, log=log)
        _wait("the formgrader service",
              lambda: hub.formgrader(INSTRUCTOR, "GET", "status").status_code == 200, timeout=120, log=log)
        yield hub
    finally:
        _stop_hub(process, state / "jupyterhub-proxy.pid")


# ---------------------------------------------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------------------------------------------

def _ok(answer: requests.Response) -> dict:
    assert answer.status_code == 200, f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text[:2000]}"
    body = answer.json()
    if isinstance(body, dict) and "success" in body:
        assert body["success"], f"{body.get('error', '')}\n...{str(body.get('log', ''))[-3000:]}"
    return body


def _student_action(hub: Hub, user: str, action: str) -> dict:
    """A button of the student's Assignments tab: nbgrader's endpoint on the student's own server."""
    return _ok(hub.request(user, "POST", f"user/{user}/assignments/{action}",
                           json={"course_id": COURSE, "assignment_id": ASSIGNMENT}))


def _status(listing: dict, user: str) -> set[str]:
    return {item["status"] for item in listing["value"] if item["assignment_id"] == ASSIGNMENT}


def _answered(notebook: dict, solution: dict, grade_id: str) -> dict:
    """The notebook with one answer cell replaced by the solution's (a student who got that question right)."""
    solved = {cell["metadata"].get("nbgrader", {}).get("grade_id"): cell for cell in solution["cells"]}
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = solved[grade_id]["source"]
            return notebook
    raise AssertionError(f"no cell {grade_id} in the released notebook")


@dataclass
class RoundTrip:
    enrolment_output: str
    grading_output: str
    gradebook: dict[str, dict]  # the formgrader's submissions, by student
    feedback: dict[str, list[Path]]  # the feedback files each student fetched


@pytest.fixture(scope="module")
def round_trip(hub: Hub) -> RoundTrip:
    """release → fetch → submit → collect → autograde (sandboxed) → feedback → fetch_feedback, all over HTTP.

    A fixture, so that the isolation checks (which look at the exchange) can rely on it having run.
    """
    # Enrolment: the guide's `nbgrader db student import`, which puts the students in the hub group.
    roster = hub.course_root / "students.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(f"{s},{s},Test,\n" for s in STUDENTS))
    shutil.chown(roster, GRADER, GRADER)
    enrolled = hub.as_grader(hub.python, "-m", "nbgrader", "db", "student", "import", "students.csv")
    assert enrolled.returncode == 0, enrolled.stderr

    # The instructor, in the formgrader: generate the student version, release it into the exchange.
    _ok(hub.formgrader(INSTRUCTOR, "POST", f"assignment/{ASSIGNMENT}/assign"))
    _ok(hub.formgrader(INSTRUCTOR, "POST", f"assignment/{ASSIGNMENT}/release"))
    assert (hub.exchange / COURSE / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()

    # The students, in their Assignments tab: see it, fetch it, work (stu1 gets Q1 right), submit.
    solution = json.loads((hub.course_root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    for user in STUDENTS:
        listing = _ok(hub.request(user, "GET", f"user/{user}/assignments", params={"course_id": COURSE}))
        assert _status(listing, user) == {"released"}, listing
        assert _status(_student_action(hub, user, "fetch"), user) == {"fetched"}
        notebook_path = f"user/{user}/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
        if user == STUDENTS[0]:
            notebook = _ok(hub.request(user, "GET", notebook_path))["content"]
            notebook = _answered(notebook, solution, "q1_first_coup_answer")
            saved = hub.request(user, "PUT", notebook_path, json={"type": "notebook", "content": notebook})
            assert saved.status_code == 200, saved.text
        assert "submitted" in _status(_student_action(hub, user, "submit"), user)

    # The instructor: collect, then grade in the sandbox from a terminal of the formgrader's JupyterLab.
    _ok(hub.formgrader(INSTRUCTOR, "POST", f"assignment/{ASSIGNMENT}/collect"))
    for user in STUDENTS:
        assert (hub.course_root / "submitted" / user / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    graded = hub.as_grader(hub.python, "-m", "mali_ssr", "grade", ASSIGNMENT, "--jobs", "2", timeout=600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    rows = {row["student"]: row for row in _ok(hub.formgrader(INSTRUCTOR, "GET", f"submissions/{ASSIGNMENT}"))}

    # Feedback: generated and released by the instructor, fetched by each student into their own home.
    _ok(hub.formgrader(INSTRUCTOR, "POST", f"assignment/{ASSIGNMENT}/generate_feedback"))
    _ok(hub.formgrader(INSTRUCTOR, "POST", f"assignment/{ASSIGNMENT}/release_feedback"))
    feedback = {}
    for user in STUDENTS:
        _student_action(hub, user, "fetch_feedback")
        feedback[user] = list(Path(f"/home/{user}/{ASSIGNMENT}/feedback").glob(f"*/{ASSIGNMENT}.html"))
    return RoundTrip(enrolled.stdout + enrolled.stderr, graded.stdout + graded.stderr, rows, feedback)


@pytest.mark.slow
def test_enrolment_puts_students_in_the_hub_group(hub: Hub, round_trip: RoundTrip):
    group = requests.get(f"{hub.api_url}/groups/nbgrader-{COURSE}", timeout=HTTP_TIMEOUT,
                         headers={"Authorization": f"token {hub.service_token}"})
    assert group.status_code == 200 and sorted(group.json()["users"]) == sorted(STUDENTS), group.text


@pytest.mark.slow
def test_enrolling_someone_the_hub_does_not_know_says_so(hub: Hub, round_trip: RoundTrip):
    """The guide's warning: a student who never logged in is not put in the group (and nbgrader exits 0)."""
    added = hub.as_grader(hub.python, "-m", "nbgrader", "db", "student", "add", "mssr-ghost")
    assert added.returncode == 0
    assert "Student mssr-ghost NOT added to the Jupyterhub group" in added.stderr, added.stderr
    group = requests.get(f"{hub.api_url}/groups/nbgrader-{COURSE}", timeout=HTTP_TIMEOUT,
                         headers={"Authorization": f"token {hub.service_token}"})
    assert "mssr-ghost" not in group.json()["users"]


@pytest.mark.slow
def test_round_trip_grades_every_student_in_the_sandbox(round_trip: RoundTrip):
    assert "sandbox cannot enforce" not in round_trip.grading_output, round_trip.grading_output
    rows = round_trip.gradebook
    assert sorted(rows) == sorted(STUDENTS), rows
    assert all(row["autograded"] for row in rows.values()), rows
    assert rows[STUDENTS[0]]["score"] >= 3 > rows[STUDENTS[1]]["score"], rows  # stu1 got Q1 (3 points) right


@pytest.mark.slow
def test_round_trip_brings_feedback_back_to_each_student(round_trip: RoundTrip):
    for user, reports in round_trip.feedback.items():
        assert len(reports) == 1, f"{user}: {reports}"
        assert reports[0].stat().st_uid == _uids([user]).pop()  # fetched by the student's own server
        assert "Q1" in reports[0].read_text()


@pytest.mark.slow
def test_students_are_kept_apart(hub: Hub, round_trip: RoundTrip):
    """403 on the instructor's server, the course's formgrader and another student's server; no peeking on disk."""
    stu1, stu2 = STUDENTS
    assert hub.request(stu1, "GET", f"user/{stu1}/api/status").status_code == 200  # the token itself works
    assert hub.request(INSTRUCTOR, "GET", f"user/{INSTRUCTOR}/api/status").status_code == 200
    assert hub.formgrader(INSTRUCTOR, "GET", "assignments").status_code == 200
    assert hub.request(stu1, "GET", f"user/{INSTRUCTOR}/api/status").status_code == 403
    assert hub.request(stu1, "GET", f"user/{INSTRUCTOR}/api/contents").status_code == 403
    assert hub.formgrader(stu1, "GET", "assignments").status_code == 403
    assert hub.formgrader(stu1, "GET", "submissions/" + ASSIGNMENT).status_code == 403
    assert hub.request(stu1, "GET", f"user/{stu2}/api/contents").status_code == 403
    assert hub.request(stu2, "GET", f"user/{stu1}/api/contents/{ASSIGNMENT}").status_code == 403

    # On disk, as the Unix account stu2 (what a terminal in stu2's JupyterLab can do).
    inbound = hub.exchange / COURSE / "inbound"
    submissions = sorted(p.name for p in inbound.iterdir())  # root can list them
    assert any(name.startswith(stu1 + "+") for name in submissions), submissions
    probe = hub.as_user(stu2, "\n".join([
        "import glob, os",
        "def denied(action):",
        "    try:",
        "        action()",
        "    except PermissionError:",
        "        return True",
        "    return False",
        f"print(denied(lambda: os.listdir({str(inbound)!r})))",  # the inbound box cannot be listed
        f"print(glob.glob({str(inbound / (stu1 + '+*'))!r}))",  # so stu1's submission cannot be found
        f"print(denied(lambda: os.listdir({str(hub.exchange / COURSE / 'feedback')!r})))",
        f"print(denied(lambda: os.listdir('/home/{stu1}')))",  # stu1's fetched work and cache
        f"print(denied(lambda: open({str(hub.course_root / 'nbgrader_config.py')!r}).read()))",  # the course root
    ]))
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split("\n")[:5] == ["True", "[]", "True", "True", "True"], probe.stdout
    # What keeps a submission's name from being guessed: nbgrader adds a random part (9 random bytes).
    random_part = next(name for name in submissions if name.startswith(stu1 + "+")).rsplit("+", 1)[1]
    assert len(random_part) >= 12, submissions


@pytest.mark.slow
def test_formgrader_can_be_framed_for_instructors_only(hub: Hub):
    """nbgrader#1870: instructor accounts and the course service allow frames from the hub; students do not."""
    def policy(user: str, path: str) -> str:
        answer = hub.request(user, "GET", path, allow_redirects=True)  # /formgrader redirects to its first page
        assert answer.status_code == 200 and "text/html" in answer.headers["Content-Type"], f"{path}: {answer.status_code}"
        return answer.headers.get("Content-Security-Policy", "")

    assert "frame-ancestors 'self'" in policy(INSTRUCTOR, f"user/{INSTRUCTOR}/lab")
    assert "frame-ancestors 'self'" in policy(INSTRUCTOR, f"services/{COURSE}/formgrader")
    for user in STUDENTS:
        assert "frame-ancestors 'none'" in policy(user, f"user/{user}/lab")


# ---------------------------------------------------------------------------------------------------------------
# The shipped files agree with each other (fast: read, not run)
# ---------------------------------------------------------------------------------------------------------------

def _load(path: Path, **env):
    """A traitlets config file as JupyterHub or nbgrader would read it, with MALI_SSR_HUB_* settings from env."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_shipped_hub_config_serves_the_repository_course():
    course_id = _load(ROOT / "nbgrader_config.py").CourseDirectory.course_id
    hub = _load(DEPLOY / "jupyterhub_config.py")
    (service,) = hub.JupyterHub.services
    assert service["name"] == course_id and service["user"] == f"grader-{course_id}"
    assert service["command"][1:] == ["-m", "jupyterhub.singleuser"]
    assert set(hub.JupyterHub.load_groups) == {f"formgrade-{course_id}", f"nbgrader-{course_id}"}
    assert f"grader-{course_id}" in hub.JupyterHub.load_groups[f"formgrade-{course_id}"]["users"]
    roles = {role["name"]: role for role in hub.JupyterHub.load_roles}
    assert roles[f"grader-{course_id}"]["services"] == [course_id]
    assert not {"admin:users", "admin:servers"} & set(roles[f"grader-{course_id}"]["scopes"])  # least privilege
    # instructor-config/ exists where the hub looks for it, and relaxes the frame policy
    instructor = _load(Path(service["environment"]["JUPYTER_CONFIG_PATH"]) / "jupyter_server_config.py")
    assert instructor.ServerApp.tornado_settings["headers"]["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert _load(DEPLOY / "nbgrader_config.py").CourseDirectory.course_id == course_id


def test_instructor_settings_reach_instructors_only():
    hub = _load(DEPLOY / "jupyterhub_config.py", MALI_SSR_HUB_INSTRUCTORS="ada,bea")
    hook = hub.Spawner.pre_spawn_hook

    class FakeSpawner:
        def __init__(self, name):
            self.user = type("User", (), {"name": name})()
            self.environment = {"PATH": "/usr/bin"}

    instructor, student = FakeSpawner("bea"), FakeSpawner("carl")
    hook(instructor)
    hook(student)
    assert instructor.environment["JUPYTER_CONFIG_PATH"].endswith("instructor-config")
    assert "JUPYTER_CONFIG_PATH" not in student.environment


def test_kubernetes_files_match_the_tested_one_machine_setup():
    """values.yaml repeats by hand what jupyterhub_config.py builds: the same roles, groups and exchange path."""
    hub = _load(DEPLOY / "jupyterhub_config.py", MALI_SSR_HUB_INSTRUCTORS="instructor1")
    values = yaml.safe_load((ROOT / "deploy" / "zero-to-jupyterhub" / "values.yaml").read_text())
    for role in hub.JupyterHub.load_roles:
        helm_role = values["hub"]["loadRoles"][role["name"]]
        assert sorted(helm_role["scopes"]) == sorted(role["scopes"]), role["name"]
        assert helm_role.get("groups") == role.get("groups") and helm_role.get("services") == role.get("services")
    assert values["hub"]["config"]["JupyterHub"]["load_groups"] == hub.JupyterHub.load_groups
    exchange_root = _load(DEPLOY / "nbgrader_config.py").Exchange.root
    (mount,) = values["singleuser"]["storage"]["extraVolumeMounts"]
    assert mount["mountPath"] == exchange_root
    objects = {(doc["kind"], doc["metadata"]["name"]): doc for doc in
               yaml.safe_load_all((ROOT / "deploy" / "zero-to-jupyterhub" / "formgrader.yaml").read_text())}
    claim = values["singleuser"]["storage"]["extraVolumes"][0]["persistentVolumeClaim"]["claimName"]
    assert objects["PersistentVolumeClaim", claim]["spec"]["accessModes"] == ["ReadWriteMany"]
    (container,) = objects["Deployment", "mali-ssr-formgrader"]["spec"]["template"]["spec"]["containers"]
    assert {"name": "exchange", "mountPath": exchange_root} in container["volumeMounts"]
