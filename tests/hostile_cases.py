"""The hostile submissions of tests/test_hostile.py: one student per attack on `mali-ssr grade`.

Each case is a real submission of assignment 01_history, built from the released
exercise with the solution's own answers everywhere except where the attack
goes. Usually the attack replaces or sits beside ONE question's answer, so the
exact autograded score is what the honest part earns: 12 (all four questions,
3 points each) minus the tampered question's 3 points, or 12 when the attack
only tries to break things (a scratch cell) and the honest answers stand.

Columns:

* ``expected``: the autograded score (sum of the four test cells' auto_score).
* ``flag``: a regular expression the instructor's flags for that student must
  match (``result.flags[student]``), or ``None`` where the design gives no flag:
  the attack has no effect at all, or it simply fails inside the notebook like a
  wrong answer, so the score is the only thing to check.
* ``report``: what the attack saw from inside the sandbox. Hostile code prints
  ``HOSTILE-REPORT {json}`` lines; the test reads them back from the outputs of
  the autograded notebook (student cells keep their outputs) and checks them.
* ``fails``: set only where the design stops the whole student (the wall-time
  limit, a notebook of another assignment); the failure reason must match it.
* ``refused``: the submission is refused before nbgrader sees it (a notebook of
  another assignment), so it has no gradebook entry.
* ``may_time_out``: a scratch cell that does a lot of work (printing, scanning,
  writing) and may pass the suite's 5-second cell timeout on a loaded machine;
  then its one flag is the time limit's (the score is the same either way).

Every case gets exactly one flag where ``flag`` is set (several findings of one
cause are one flag) and none where it is ``None``.
* ``xfail_score``, ``xfail_flag``, ``xfail_report``, ``xfail_hidden``,
  ``xfail_size``: a real defect in src/ makes that check fail; the text (one of
  the DEFECT_* below) names the defect and becomes the strict xfail's reason.

Question ids (tests/assignment_cases/01_history.yaml):

    Q1 q1_first_coup_answer -> q1_first_coup                     (first_coup_year, number_of_coups)
    Q2 q2_national_initiatives_before_2012_answer -> q2_...      (early_initiatives)
    Q3 q3_bagayoko_impulsion_answer -> q3_bagayoko_impulsion       (impulsion_option)
    Q4 q4_who_drove_answer -> q4_who_drove                         (who_drove)

In the code snippets ``@ROOT@`` stands for the course root and ``@PORT@`` for a
TCP port the test listens on (on 127.0.0.1, on the host); both are filled in
when the submission is written.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SOLUTION = Path(__file__).resolve().parents[1] / "solutions" / "01_history" / "01_history.ipynb"

Q1, Q2, Q3, Q4 = "q1_first_coup", "q2_national_initiatives_before_2012", "q3_bagayoko_impulsion", "q4_who_drove"
ANSWER = {q: f"{q}_answer" for q in (Q1, Q2, Q3, Q4)}
MARKER = "HOSTILE-REPORT "

WRONG_Q1 = "first_coup_year = 1991\nnumber_of_coups = 5\n"

# A prelude for hostile code that reports what it saw (a plain function: nothing the tests rely on).
REPORT = (
    "def _report(**facts):\n"
    "    import json as _j\n"
    f"    print({MARKER!r} + _j.dumps(facts, default=repr))\n"
)

@dataclass
class Case:
    name: str
    attack: str                     # what the submission does, in words
    expected: int                   # exact autograded score
    flag: str | None                # regex over the student's flags; None: the design gives no flag
    answers: dict[str, str] = field(default_factory=dict)   # answer grade id -> code (others: SOLUTION)
    edit: Callable[[dict], None] | None = None               # changes to the notebook JSON
    files: dict[str, str] = field(default_factory=dict)     # extra files beside the notebook
    report: Callable[[list[dict]], None] | None = None       # checks what the attack saw
    links: dict[str, str] = field(default_factory=dict)     # symlinks beside the notebook -> target
    fails: str | None = None        # regex of result.failed[student] when the design stops the whole student
    refused: bool = False           # refused before grading: never in the gradebook
    may_time_out: bool = False      # a busy cell whose run time depends on the machine: may pass the 5 s cell limit
    xfail_score: str | None = None
    xfail_flag: str | None = None
    xfail_report: str | None = None
    xfail_hidden: str | None = None  # the hidden tests reach this student's own outputs
    xfail_size: str | None = None    # the autograded notebook is not kept small


# ------------------------------------------------------------------ notebook editing helpers


def _index(nb: dict, grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def cell(nb: dict, grade_id: str) -> dict:
    return nb["cells"][_index(nb, grade_id)]


def new_code(source: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8],
            "metadata": metadata or {}, "outputs": [], "source": source}


def insert_before(nb: dict, grade_id: str, source: str) -> None:
    nb["cells"].insert(_index(nb, grade_id), new_code(source))


def scratch(source: str, before: str = ANSWER[Q1]) -> Callable[[dict], None]:
    """An extra code cell (the student's own) just before an answer cell: honest answers stand."""
    return lambda nb: insert_before(nb, before, REPORT + source)


# ------------------------------------------------------------------ report checks


def one(reports: list[dict]) -> dict:
    assert len(reports) == 1, f"expected one report from the attack, got {reports}"
    return reports[0]


def _all_denied(reports: list[dict]) -> None:
    tried = one(reports)["tried"]
    assert tried, "the attack tried nothing"
    denied = r"(FileNotFound|Permission|IsADirectory|NotADirectory|OSError|sqlite3\.OperationalError)"
    leaked = {path: outcome for path, outcome in tried.items() if not re.match(denied, outcome)}
    assert not leaked, f"readable from the sandbox: {leaked}"


# ------------------------------------------------------------------ the attacks

READ_PATHS = [
    "@ROOT@/solutions/01_history/01_history.ipynb",
    "@ROOT@/source/01_history/01_history.ipynb",
    "@ROOT@/gradebook.db",
    "@ROOT@/submitted/honest/01_history/01_history.ipynb",
    "@ROOT@/autograded/honest/01_history/01_history.ipynb",
    "@ROOT@/nbgrader_config.py",
    "../../../solutions/01_history/01_history.ipynb",
    "../../../gradebook.db",
    "../../../nbgrader_config.py",
    "../../honest/01_history/01_history.ipynb",
    "01_history.ipynb",
    "gradebook.db",
    "/proc/1/root@ROOT@/solutions/01_history/01_history.ipynb",
]

# The answer cell of Q1 looks for the hidden test and answers from it; a file it cannot read leaves Q1 unanswered.
STEAL_Q1 = REPORT + r'''
import json as _json, re as _re, sqlite3 as _sq
tried = {}
for path in @PATHS@:
    try:
        if path.endswith(".db"):
            con = _sq.connect(f"file:{path}?mode=ro", uri=True)
            text = "\n".join(r[0] for r in con.execute("select source from source_cell").fetchall())
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            try:  # a notebook: its cells' source as plain text
                text = "\n".join("".join(c["source"]) for c in _json.loads(text)["cells"])
            except Exception:
                pass
    except Exception as exc:
        module = type(exc).__module__
        tried[path] = f"{module + '.' if module != 'builtins' else ''}{type(exc).__name__}: {exc}"
        continue
    found = _re.search(r"q1_coups = filter_events\(.*\n.*expect_number\(first_coup_year, .*", text)
    tried[path] = "read, hidden test " + ("FOUND" if found else "not found")
    if found:  # the hidden test tells how Q1 is checked: answer its public version from it
        first_coup_year, number_of_coups = 1968, 5
        print(found.group(0))  # and into the feedback the student will read
_report(tried=tried)
'''

HUNT = REPORT + r'''
import os as _os
found, scanned = [], 0
# lines only the hidden tests contain, spelled in pieces so that this cell's own text never matches
needles = [("from mali_ssr.answer_checks import " + "expect_option").encode(),
           ("expect_same_items(" + "early_initiatives").encode()]
skip = {"/proc", "/sys", "/dev", "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"}
for top, dirs, files in _os.walk("/", onerror=lambda e: None):
    dirs[:] = [d for d in dirs if _os.path.join(top, d) not in skip
               and d not in ("site-packages", "__pycache__", "node_modules", ".git")]
    for name in files:
        path = _os.path.join(top, name)
        try:
            if _os.path.getsize(path) > 5_000_000:
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        scanned += 1
        if any(needle in data for needle in needles):
            found.append(path)
_report(found=found, scanned=scanned)
'''

# The installed package's own folders: every sys.path entry (and two levels up), the folders Python would import
# mali_ssr from, and importlib.resources, searched for the course's notebooks and the hidden tests' lines.
SEARCH_SYS_PATH = REPORT + r'''
import importlib.resources as _res, importlib.util as _util, os as _os, sys as _sys, time as _time
ours = {"01_history.ipynb", "01_history_fr.ipynb", "02_institutional_design.ipynb", "03_impunity_and_peace.ipynb",
        "04_synthesis.ipynb", "00_start_here.ipynb", "01_histoire.ipynb", "index.ipynb"}
needles = [("q1_coups = filter_" + "events").encode(), ("expect_same_items(" + "early_initiatives").encode()]
roots = set()
for entry in _sys.path:
    if entry:
        path = _os.path.abspath(entry)
        roots |= {path, _os.path.dirname(path), _os.path.dirname(_os.path.dirname(path))}
spec = _util.find_spec("mali_ssr")
roots |= set(spec.submodule_search_locations or []) if spec else set()
notebooks, found, scanned, deadline = [], [], 0, _time.monotonic() + 3.5
for root in sorted(roots):
    for top, dirs, files in _os.walk(root, onerror=lambda e: None):
        if _time.monotonic() > deadline:
            break
        dirs[:] = [d for d in dirs if d not in ("__pycache__", "proc", "sys", "dev")]
        for name in files:
            if name in ours:
                notebooks.append(_os.path.join(top, name))
            if name.endswith((".ipynb", ".db")):
                scanned += 1
                try:
                    with open(_os.path.join(top, name), "rb") as f:
                        data = f.read(5_000_000)
                except OSError:
                    continue
                if any(n in data for n in needles):
                    found.append(_os.path.join(top, name))
packaged = []
for part in ("notebooks/solutions/01_history/01_history.ipynb", "notebooks/exercises/01_history/01_history.ipynb",
             "notebooks/course/01_history_lecture.ipynb"):
    try:
        packaged.append((part, len(_res.files("mali_ssr").joinpath(part).read_bytes())))
    except Exception as exc:
        pass
_report(notebooks=sorted(set(notebooks))[:20], found=sorted(set(found))[:20], scanned=scanned, packaged=packaged,
        roots=len(roots))
'''


def _expect_no_course_notebook(reports):
    report = one(reports)
    assert report["roots"] > 0 and report["scanned"] >= 0
    assert report["notebooks"] == [], f"course notebooks visible from the kernel: {report['notebooks']}"
    assert report["found"] == [], f"hidden tests readable from the kernel at {report['found']}"
    assert report["packaged"] == [], f"the package hands out its notebooks: {report['packaged']}"


GRADEBOOK_WRITE = r'''
import os as _os, sqlite3 as _sq
tried = {}
for path in ["@ROOT@/gradebook.db", "../../../gradebook.db", "gradebook.db", "/run/submission/../../../gradebook.db"]:
    try:
        con = _sq.connect(f"file:{path}?mode=rw", uri=True)
        con.execute("UPDATE grade SET auto_score = 100, manual_score = 100")
        con.execute("INSERT INTO student (id, first_name, last_name) VALUES ('intruder', 'x', 'y')")
        con.commit()
        tried[path] = "WRITTEN"
    except Exception as exc:
        tried[path] = f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
for path in ["@ROOT@/submitted/honest/01_history/01_history.ipynb", "@ROOT@/autograded/honest/01_history/01_history.ipynb",
             "@ROOT@/solutions/01_history/01_history.ipynb", "/run/submission/01_history.ipynb",
             "../../honest/01_history/01_history.ipynb"]:
    try:
        with open(path, "w") as f:
            f.write("{}")
        tried[path] = "WRITTEN"
    except Exception as exc:
        tried[path] = f"{type(exc).__name__}: {exc}"
_report(tried=tried)
'''

FORK_BOMB = r'''
import os as _os, time as _time
forked, error = 0, None
for _ in range(10000):  # bounded: the sandbox's process limit should stop it long before
    try:
        pid = _os.fork()
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"
        break
    if pid == 0:  # each child would linger for ten minutes: the sandbox must take them all down
        try:
            _time.sleep(600)
        finally:
            _os._exit(0)
    forked += 1
_report(forked=forked, error=error, tagged="MALI_SSR_HOSTILE_TAG" in _os.environ)
'''

FILL_DISK = r'''
import os as _os
outcome = {}
chunk = b"\0" * (4 << 20)
for where in (_os.getcwd(), "/tmp"):
    written, errors = 0, []
    for n in range(200):  # at most 200 files of up to 80 MB: far past both caps
        try:
            with open(_os.path.join(where, f"fill{n}.bin"), "wb") as f:
                for _ in range(20):
                    f.write(chunk)
                    written += len(chunk)
                    f.flush()
        except OSError as exc:
            errors.append(f"{type(exc).__name__}: {exc.strerror}")
            if "No space" in str(exc):
                break
    outcome[where] = {"written_mb": written >> 20, "errors": sorted(set(errors))}
_report(**outcome)
'''

NETWORK = r'''
import socket as _s
outcome = {}
for host in ("127.0.0.1", "localhost"):
    try:
        with _s.create_connection((host, @PORT@), timeout=3) as conn:
            conn.sendall(b"hello from the sandbox")
        outcome[host] = "CONNECTED"
    except Exception as exc:
        outcome[host] = f"{type(exc).__name__}: {exc}"
try:
    outcome["interfaces"] = [name for _i, name in _s.if_nameindex()]
except OSError as exc:
    outcome["interfaces"] = repr(exc)
_report(**outcome)
'''

SHADOW_REPORT = r'''
import os as _os, json as _json, mali_ssr as _m, mali_ssr.answer_checks as _ac
_report(json=_json.__file__, mali_ssr=_m.__file__, answer_checks=_ac.__file__, cwd=_os.getcwd(),
        listing=sorted(_os.listdir(".")))
'''

LIAR_EQ = """
class Year(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
first_coup_year = Year(1991)
number_of_coups = 5
"""

LIAR_REPR = """
class Anything:
    def __repr__(self): return "1968"
    __str__ = __repr__
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    def __hash__(self): return hash(1968)
    def __bool__(self): return True
    def __float__(self): return 1968.0
    def __int__(self): return 1968
    def __index__(self): return 1968
first_coup_year = Anything()
number_of_coups = 5
"""

# The type itself lies (`type(x) in (int,)` asks the metaclass), and float() reads the expected value from the
# checking helper's own frame: this passes every check inside the kernel. Its repr is still its real value.
LIAR_METACLASS = """
import sys
class Meta(type):
    def __eq__(cls, other): return True
    def __hash__(cls): return hash(int)
class Year(metaclass=Meta):
    def __float__(self):
        caller = sys._getframe(1).f_locals
        return float(caller["expected"]) if "expected" in caller else 1991.0
    def __eq__(self, other): return True
    __le__ = __ge__ = __lt__ = __gt__ = __eq__
    def __hash__(self): return 0
    def __repr__(self): return "1991"
first_coup_year = Year()
number_of_coups = 5
"""

PATCH_HELPERS = WRONG_Q1 + """
import mali_ssr.answer_checks as _checks
for _name in dir(_checks):
    if _name.startswith("expect_"):
        setattr(_checks, _name, lambda *args, **kwargs: None)
"""

# Builtins: isinstance and AssertionError lie to everyone; float lies only to the checking helpers,
# which are (re)imported while it is in place, so they capture the liar.
PATCH_BUILTINS = WRONG_Q1 + """
import builtins, sys
_real_float, _real_isinstance = builtins.float, builtins.isinstance
class LyingFloat(float):
    def __new__(cls, x=0.0):
        if sys._getframe(1).f_globals.get("__name__") == "mali_ssr.answer_checks":
            return _real_float(0.0)
        return _real_float(x)
def _lying_isinstance(obj, kinds):
    if sys._getframe(1).f_globals.get("__name__", "").startswith("mali_ssr"):
        return True
    return _real_isinstance(obj, kinds)
builtins.isinstance = _lying_isinstance
builtins.AssertionError = type("AssertionError", (Warning,), {})
builtins.float = LyingFloat
sys.modules.pop("mali_ssr.answer_checks", None)
import mali_ssr.answer_checks
builtins.float = _real_float
"""

PATCH_MODULE = WRONG_Q1 + """
import math, sys
math.isclose = lambda *args, **kwargs: True
sys.modules.pop("mali_ssr.answer_checks", None)
import mali_ssr.answer_checks
"""

HIDE_SHOWTRACEBACK = WRONG_Q1 + """
_ip = get_ipython()
_ip.showtraceback = lambda *args, **kwargs: None
_ip._showtraceback = lambda *args, **kwargs: None
_ip.showsyntaxerror = lambda *args, **kwargs: None
"""

HIDE_EXCEPTHOOK = WRONG_Q1 + """
import sys
sys.excepthook = lambda *args: None
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
"""

INPUT_TRANSFORMER = WRONG_Q1 + """
def _blank_tests(lines):
    return ["pass\\n"] if any("expect_" in line for line in lines) else lines
get_ipython().input_transformers_cleanup.append(_blank_tests)
"""

AST_TRANSFORMER = WRONG_Q1 + """
import ast
class _NoChecks(ast.NodeTransformer):
    def visit_Module(self, node):
        names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        if any(name.startswith("expect_") for name in names):
            node.body = [ast.Pass()]
        return node
get_ipython().ast_transformers.append(_NoChecks())
"""

PATCH_RUN_CELL = WRONG_Q1 + """
_ip = get_ipython()
_real_run_cell = _ip.run_cell
def _run_cell(raw_cell, *args, **kwargs):
    if "expect_" in raw_cell:
        raw_cell = "pass"
    return _real_run_cell(raw_cell, *args, **kwargs)
_ip.run_cell = _run_cell
_real_async = _ip.run_cell_async
async def _run_cell_async(raw_cell, *args, **kwargs):
    if "expect_" in raw_cell:
        raw_cell = "pass"
    return await _real_async(raw_cell, *args, **kwargs)
_ip.run_cell_async = _run_cell_async
"""

# Q4 passes in the kernel (helpers replaced) while no value reaches the re-check: the shell's user_expressions,
# which the grader uses to read the answers, reports nothing. (Making it raise instead leaves every later
# execute request without a reply: that is the hung-kernel case of DEFECT_IOPUB_TIMEOUT, and its outcome
# depends on timing, so it is not a case here.)
WRONG_Q4 = ("who_drove = {'etats-generaux-2005': 'national', 'pgpsp-launch-2009': 'national', "
            "'pspsdn-2010': 'national', 'eutm-launched-2013': 'national'}\n")
CAPTURE_EMPTY = WRONG_Q4 + PATCH_HELPERS.replace(WRONG_Q1, "") + """
get_ipython().user_expressions = lambda expressions: {}
"""
INFINITE_LOOP = "while True:\n    pass\n"
IGNORE_SIGINT_BUSY = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"
IGNORE_SIGINT_SLEEP = ("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                       "while True:\n    time.sleep(1)\n")
MEMORY_BOMB = """
def _grow():
    blocks = []
    while True:
        blocks.append(b"x" * (32 << 20))  # touched memory, 32 MB at a time
_grow()
"""
OUTPUT_FLOOD = """
_line = "flood " * 40
for _i in range(200_000):
    print(_line)
"""
OUTPUT_FLOOD_DISPLAY = """
from IPython.display import display
_block = "y" * (1 << 20)
for _i in range(64):
    display({"text/plain": _block}, raw=True)
"""
OS_EXIT = "import os\nos._exit(0)\n"
SIGKILL = """
import os, signal
try:
    os.kill(-1, signal.SIGKILL)  # every process this user may signal (never the caller itself)
except OSError as exc:
    print(exc)
os.kill(os.getpid(), signal.SIGKILL)
"""
SLOW_CELL = "import time\ntime.sleep(4)  # under the 5 s cell timeout, but twelve of them pass the student's wall time\n"

# The run folder holds the kernel's connection file, named on its command line: it is on the host's disk.
FILL_RUN_DIR = REPORT + r'''
import os as _os, sys as _sys
where = _os.path.dirname([a for a in _sys.argv if a.endswith(".json")][0])
written, errors = 0, []
chunk = b"\0" * (4 << 20)
for n in range(5):  # at most 200 MB: enough to show whether a cap applies, harmless to the host
    try:
        with open(_os.path.join(where, f"fill{n}.bin"), "wb") as f:
            for _ in range(10):
                f.write(chunk)
                written += len(chunk)
    except OSError as exc:
        errors.append(f"{type(exc).__name__}: {exc.strerror}")
        if "No space" in str(exc):
            break
_report(where=where, written_mb=written >> 20, errors=errors)
'''


# ------------------------------------------------------------------ persistence: reaching the NEXT student's kernel
# Each attack plants code where a later kernel would pick it up (IPython's startup folder, Python's site folders, a
# module cache, matplotlib's configuration, shared memory). The student graded after them all (PROBE_STUDENT, last in
# order) reports what it finds; the assertion is that it finds none of it and is graded exactly like honest work.
PLANT = "import builtins, os\nbuiltins.PERSISTED = {name!r}\nos.environ['MALI_SSR_PERSISTED'] = {name!r}\n"
PERSIST_PRELUDE = REPORT + r"""
import os as _os, sys as _sys, site as _site
def _plant(paths, text):
    tried = {}
    for path in paths:
        try:
            _os.makedirs(_os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            tried[path] = "WRITTEN"
        except Exception as exc:
            tried[path] = f"{type(exc).__name__}: {exc}"
    return tried
_home = _os.path.expanduser("~")
_ipython = _os.environ.get("IPYTHONDIR") or _os.path.join(_home, ".ipython")
_sites = sorted({*_site.getsitepackages(), _site.getusersitepackages(), *[p for p in _sys.path if p.endswith("-packages")]})
"""
PERSIST_IPYTHON = PERSIST_PRELUDE + r"""
_report(tried=_plant([_os.path.join(_ipython, "profile_default", "startup", "00-persist.py"),
                      _os.path.join(_home, ".ipython", "profile_default", "startup", "00-persist.py"),
                      "/root/.ipython/profile_default/startup/00-persist.py",
                      "/tmp/.ipython/profile_default/ipython_kernel_config.py",
                      _os.path.join(_ipython, "profile_default", "ipython_config.py")],
                     @PLANT_IPYTHON@))
"""
PERSIST_SITE = PERSIST_PRELUDE + r"""
_paths = [_os.path.join(folder, name) for folder in _sites for name in ("sitecustomize.py", "usercustomize.py",
                                                                         "zz-persist.pth")]
_paths += [_os.path.join(_os.getcwd(), "sitecustomize.py"), "/tmp/sitecustomize.py"]
_report(tried=_plant(_paths, @PLANT_SITE@))
"""
PERSIST_PYCACHE = PERSIST_PRELUDE + r"""
import importlib.util as _iu, marshal as _marshal, mali_ssr.answer_checks as _ac, json.decoder as _jd
_code = compile(@PLANT_PYCACHE@, "<planted>", "exec")
_tried = {}
for _module in (_ac, _jd):
    _path = _iu.cache_from_source(_module.__file__)
    try:
        with open(_path, "wb") as f:  # a valid header for this Python, then the planted code
            f.write(_iu.MAGIC_NUMBER + b"\0" * 12 + _marshal.dumps(_code))
        _tried[_path] = "WRITTEN"
    except Exception as exc:
        _tried[_path] = f"{type(exc).__name__}: {exc}"
_tried.update(_plant([_os.path.join(_os.getcwd(), "__pycache__", "answer_checks.cpython-311.pyc"),
                      "/tmp/__pycache__/answer_checks.cpython-311.pyc"], "planted"))
_report(tried=_tried)
"""
PERSIST_MATPLOTLIB = PERSIST_PRELUDE + r"""
_rc = "axes.titlesize: 99\nfigure.dpi: 7\n"
_report(tried=_plant([_os.path.join(_os.environ.get("MPLCONFIGDIR", "/tmp/.matplotlib"), "matplotlibrc"),
                      _os.path.join(_home, ".config", "matplotlib", "matplotlibrc"),
                      _os.path.join(_home, ".matplotlib", "matplotlibrc"),
                      "/root/.config/matplotlib/matplotlibrc", "/etc/matplotlibrc",
                      _os.path.join(_os.getcwd(), "matplotlibrc")] +
                     [_os.path.join(folder, "matplotlib", "mpl-data", "matplotlibrc") for folder in _sites], _rc))
"""
PERSIST_SHM = PERSIST_PRELUDE + r"""
_report(tried=_plant(["/dev/shm/persist", "/tmp/persist", "/run/mali-ssr/kernel/persist", "/var/tmp/persist"],
                     "planted"))
"""
# Where a persistence attack may write: its own sandbox's private file systems, which end with it.
PRIVATE = ("/tmp/", "/dev/shm/", "/run/mali-ssr/kernel/")

PROBE = REPORT + r"""
import builtins as _b, os as _os, sys as _sys
_seen = {"builtins": getattr(_b, "PERSISTED", None), "env": _os.environ.get("MALI_SSR_PERSISTED"),
         "modules": sorted(m for m in _sys.modules if "persist" in m.lower())}
_files = []
# the Python installation is mounted read-only at its own path, which may lie under /tmp (CI's venv is in its
# checkout): its own files (matplotlib's matplotlibrc, sqlalchemy's persistence.py) are not another student's; a
# file planted there would show by its effects, checked above and below
_python = tuple({_os.path.realpath(p) + _os.sep for p in (_sys.prefix, _sys.base_prefix, _sys.exec_prefix)})
for _top in ("/tmp", "/dev/shm", "/run/mali-ssr", "/var/tmp", _os.getcwd()):
    for _dir, _dirs, _names in _os.walk(_top):
        _dirs[:] = [d for d in _dirs if not (_os.path.realpath(_os.path.join(_dir, d)) + _os.sep).startswith(_python)]
        _files += [_os.path.join(_dir, n) for n in _names
                   if "persist" in n or n in ("matplotlibrc", "sitecustomize.py", "usercustomize.py")]
_seen["files"] = sorted(_files)
import matplotlib as _mpl
_seen["matplotlib"] = [_mpl.rcParams["axes.titlesize"], _mpl.rcParams["figure.dpi"]]
import mali_ssr.answer_checks as _ac, json.decoder as _jd
_seen["planted_code"] = [getattr(_ac, "PLANTED", None), getattr(_jd, "PLANTED", None)]
_report(**_seen)
"""
PROBE_STUDENT = "zz_next_student"  # sorts after every other student: graded after the persistence attacks


def _persist(code: str, name: str) -> str:
    plant = PLANT.format(name=name)
    return (code.replace("@PLANT_IPYTHON@", repr(plant + "first_coup_year = 1991\n"))
            .replace("@PLANT_SITE@", repr(plant))
            .replace("@PLANT_PYCACHE@", repr(plant + "PLANTED = True\n")))


def _cwd_prefix(path: str) -> str:
    """The kernel's working folder (autograded/<student>/01_history/): private to its sandbox too."""
    match = re.match(r"(.*/autograded/[^/]+/01_history/)", path)
    return match.group(1) if match else "\0"


def _expect_only_private_writes(reports):
    tried = one(reports)["tried"]
    assert tried, "the attack tried nothing"
    escaped = {path: outcome for path, outcome in tried.items()
               if outcome == "WRITTEN" and not path.startswith(PRIVATE) and not path.startswith(_cwd_prefix(path))}
    assert not escaped, f"written outside the sandbox's private file systems: {escaped}"


def _expect_next_student_unaffected(reports):
    seen = one(reports)
    assert seen["builtins"] is None and seen["env"] is None and seen["modules"] == [], seen
    assert seen["files"] == [], f"another student's files reached this kernel: {seen['files']}"
    assert seen["planted_code"] == [None, None], seen
    import matplotlib

    assert seen["matplotlib"] == [matplotlib.rcParamsDefault["axes.titlesize"],
                                  matplotlib.rcParamsDefault["figure.dpi"]], seen


def _edit_test(nb: dict) -> None:
    cell(nb, Q1)["source"] = 'print("✓ first_coup_year and number_of_coups are right.")\nprint("✓ Hidden tests passed.")\n'


def _delete_test(nb: dict) -> None:
    del nb["cells"][_index(nb, Q1)]


def _to_markdown(nb: dict) -> None:
    c = cell(nb, Q1)
    c["cell_type"] = "markdown"
    c["metadata"]["nbgrader"]["cell_type"] = "markdown"
    c.pop("outputs", None)
    c.pop("execution_count", None)


def _points(nb: dict) -> None:
    cell(nb, Q1)["metadata"]["nbgrader"]["points"] = 100


def _grade_flag(nb: dict) -> None:
    cell(nb, Q1)["metadata"]["nbgrader"]["grade"] = False


def _fake_outputs(nb: dict) -> None:
    c = cell(nb, Q1)
    c["execution_count"] = 7
    c["outputs"] = [{"name": "stdout", "output_type": "stream",
                     "text": "✓ first_coup_year and number_of_coups have the right form.\n✓ Hidden tests passed.\n"}]


def _duplicate_test(nb: dict) -> None:
    """A copy of the test cell, same id and metadata, placed after it: nbgrader keeps the LAST copy."""
    real = cell(nb, Q1)
    fake = json.loads(json.dumps(real))
    fake["id"] = uuid.uuid4().hex[:8]
    fake["source"] = 'print("✓ Hidden tests passed.")\n'
    nb["cells"].insert(_index(nb, Q1) + 1, fake)


def _bonus_test(nb: dict) -> None:
    """A new cell that claims to be a 100-point test cell."""
    meta = {"nbgrader": {"grade": True, "grade_id": "bonus", "locked": True, "points": 100, "schema_version": 3,
                         "solution": False, "task": False}}
    nb["cells"].append(new_code('print("✓ Hidden tests passed.")\n', meta))


def _fake_setup_cell(nb: dict) -> None:
    """A new cell dressed as an instructor's set-up cell (locked, not graded): if anything trusted it, it would
    run outside the sandbox (the re-check runs set-up cells in the grading process)."""
    meta = {"nbgrader": {"grade": False, "grade_id": "setup_extra", "locked": True, "schema_version": 3,
                         "solution": False, "task": False}}
    nb["cells"].insert(_index(nb, "setup") + 1, new_code("open('@ROOT@/PWNED-fake_setup_cell', 'w').write('ran')\n", meta))


def _slow_cells(nb: dict) -> None:
    for _ in range(12):
        insert_before(nb, ANSWER[Q1], SLOW_CELL)


def _ran_before_saving(nb: dict) -> None:
    """What Restart & Run All then Save leaves: every code cell's outputs and execution count, from the solution's
    own stored run (same answers, same cells)."""
    solution = json.loads(SOLUTION.read_text(encoding="utf-8"))
    assert len(solution["cells"]) == len(nb["cells"])
    for mine, ran in zip(nb["cells"], solution["cells"], strict=True):
        assert mine["cell_type"] == ran["cell_type"]
        if mine["cell_type"] == "code":
            mine["outputs"], mine["execution_count"] = json.loads(json.dumps(ran["outputs"])), ran["execution_count"]
    assert sum(bool(c.get("outputs")) for c in nb["cells"]) >= 5


def _other_assignment(nb: dict) -> None:
    """A notebook of another assignment handed in under this one's name: none of its grade ids is this one's."""
    for c in nb["cells"]:
        meta = c.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id"):
            meta["grade_id"] = "other_" + meta["grade_id"]


def _expect_denied(reports):
    _all_denied(reports)


def _expect_hunt_clean(reports):
    report = one(reports)
    assert report["scanned"] > 0
    assert report["found"] == [], f"hidden tests readable in the sandbox at {report['found']}"


def _expect_write_denied(reports):
    tried = one(reports)["tried"]
    assert tried and "WRITTEN" not in tried.values(), tried


def _expect_fork_stopped(reports):
    report = one(reports)
    assert report["error"] and "Resource temporarily unavailable" in report["error"], report
    assert 0 < report["forked"] < 200, report


def _expect_disk_capped(reports):
    report = one(reports)
    assert len(report) == 2 and "/tmp" in report, report
    for where, outcome in report.items():
        assert outcome["written_mb"] <= 140, (where, outcome)
        assert any("No space left" in e for e in outcome["errors"]), (where, outcome)
        assert any("File too large" in e for e in outcome["errors"]), (where, outcome)


def _expect_no_network(reports):
    report = one(reports)
    for host in ("127.0.0.1", "localhost"):
        assert report[host] != "CONNECTED", report
        # the sandbox's own network namespace: its loopback answers (refused), the host's never does
        assert re.search(r"refused|unreachable|Errno (101|111|99)", report[host], re.I), report
    assert report["interfaces"] in ([], ["lo"]), report


def _expect_shadow_ignored(reports):
    report = one(reports)
    cwd = report["cwd"]
    for key in ("json", "mali_ssr", "answer_checks"):
        assert not report[key].startswith(cwd + "/"), report
    assert report["listing"] == [], report


def _expect_run_dir_capped(reports):
    report = one(reports)
    assert report["written_mb"] <= 140 and any("No space" in e for e in report["errors"]), report


# NO_TEST_IN_KERNEL: hidden tests never run in the kernel (grading/recheck.py), so replacing the checking helpers,
# builtins or the cell runner fools nothing: the full test runs outside on the reported values and the wrong answer
# scores 0. There is no passed-inside-failed-outside to flag; the exact score is the check.
NO_TEST_IN_KERNEL = None
CASES: list[Case] = [
    # --- not an attack: the honest student who ran the notebook before saving is not flagged (issue #12)
    Case("ran_before_saving", "honest answers, saved after running every cell (outputs and execution counts "
         "stored)", 12, None, edit=_ran_before_saving),
    # --- the notebook's structure and nbgrader metadata
    Case("edit_test_source", "Q1 wrong; Q1's test cell replaced by prints of the success messages", 9,
         r"q1_first_coup.*(edit|chang|modif)", answers={ANSWER[Q1]: WRONG_Q1}, edit=_edit_test),
    Case("duplicate_test_cell", "Q1 wrong; a copy of Q1's test cell (same id, harmless source) after the real one",
         9, r"q1_first_coup", answers={ANSWER[Q1]: WRONG_Q1}, edit=_duplicate_test),
    Case("delete_test_cell", "Q1 wrong; Q1's test cell deleted", 9, r"q1_first_coup.*deleted",
         answers={ANSWER[Q1]: WRONG_Q1}, edit=_delete_test),
    Case("test_to_markdown", "Q1 wrong; Q1's test cell turned into a markdown cell", 9, r"q1_first_coup.*markdown",
         answers={ANSWER[Q1]: WRONG_Q1}, edit=_to_markdown),
    Case("points_inflated", "honest answers; Q1's test cell claims 100 points", 12, r"q1_first_coup.*points",
         edit=_points),
    Case("grade_flag_off", "Q1 wrong; Q1's test cell's nbgrader `grade` flag turned off", 9, r"q1_first_coup",
         answers={ANSWER[Q1]: WRONG_Q1}, edit=_grade_flag),
    Case("bonus_test_cell", "honest answers, plus a new cell claiming to be a 100-point test", 12,
         r"bonus.*test cell", edit=_bonus_test),
    Case("fake_setup_cell", "honest answers, plus a new cell dressed as a locked instructor cell that writes a "
         "file into the course", 12, r"(setup_extra|metadata)", edit=_fake_setup_cell),
    Case("fake_outputs", "Q1 wrong; Q1's test cell stored with a 'Hidden tests passed' output", 9,
         None, answers={ANSWER[Q1]: WRONG_Q1}, edit=_fake_outputs),  # outputs are cleared: not a flag (#12)
    Case("foreign_notebook", "a notebook of another assignment handed in under 01_history's name", 0,
         r"wrong notebook", edit=_other_assignment, fails=r"wrong notebook", refused=True),
    # --- values that lie
    Case("liar_eq", "Q1 is an int subclass whose __eq__ says True to everything (value 1991)", 9, None,
         answers={ANSWER[Q1]: LIAR_EQ}),
    Case("liar_repr", "Q1 is an object whose __repr__ says '1968' and whose __eq__, __float__, __int__, __bool__ "
         "and __hash__ lie", 9, None, answers={ANSWER[Q1]: LIAR_REPR}),
    Case("liar_metaclass", "Q1's class has a metaclass equal to int, and its __float__ reads the expected value from "
         "the checker's frame: passes in the kernel", 9, NO_TEST_IN_KERNEL,
         answers={ANSWER[Q1]: LIAR_METACLASS}),
    # --- monkeypatching
    Case("patch_helpers", "Q1 wrong; every mali_ssr.answer_checks.expect_* replaced by a no-op", 9,
         NO_TEST_IN_KERNEL, answers={ANSWER[Q1]: PATCH_HELPERS}),
    Case("patch_builtins", "Q1 wrong; builtins.float (as the re-imported helpers capture it), isinstance and "
         "AssertionError lie", 9, NO_TEST_IN_KERNEL, answers={ANSWER[Q1]: PATCH_BUILTINS}),
    Case("patch_module", "Q1 wrong; math.isclose always agrees, patched before the helpers are re-imported", 9,
         NO_TEST_IN_KERNEL, answers={ANSWER[Q1]: PATCH_MODULE}),
    Case("shadow_modules", "Q1 wrong; mali_ssr.py, json.py and a no-op mali_ssr/answer_checks.py package beside "
         "the notebook", 9, r"extra file 'json\.py'", answers={ANSWER[Q1]: WRONG_Q1},
         edit=scratch(SHADOW_REPORT, before=ANSWER[Q4]),
         files={"mali_ssr.py": "raise SystemExit('shadow mali_ssr.py imported')\n",
                "json.py": "raise SystemExit('shadow json.py imported')\n",
                "mali_ssr/__init__.py": "",
                "mali_ssr/answer_checks.py": "def __getattr__(name):\n    return lambda *a, **k: None\n"},
         report=_expect_shadow_ignored),
    # --- hiding errors
    Case("hide_showtraceback", "Q1 wrong; IPython's showtraceback silenced", 9, None,
         answers={ANSWER[Q1]: HIDE_SHOWTRACEBACK}),
    Case("hide_excepthook", "Q1 wrong; sys.excepthook and IPython's custom exception handler swallow errors", 9,
         None, answers={ANSWER[Q1]: HIDE_EXCEPTHOOK}),
    Case("input_transformer", "Q1 wrong; an input transformer turns every test cell into `pass`", 9,
         NO_TEST_IN_KERNEL, answers={ANSWER[Q1]: INPUT_TRANSFORMER}),
    Case("ast_transformer", "Q1 wrong; an AST transformer empties every cell that calls a checker", 9,
         NO_TEST_IN_KERNEL, answers={ANSWER[Q1]: AST_TRANSFORMER}),
    Case("patch_run_cell", "Q1 wrong; the shell's run_cell/run_cell_async run `pass` instead of test cells", 9,
         NO_TEST_IN_KERNEL, answers={ANSWER[Q1]: PATCH_RUN_CELL}),
    Case("capture_empty", "Q4 wrong, helpers replaced, and user_expressions reports nothing to the re-check", 9,
         r"q4_who_drove.*re-check", answers={ANSWER[Q4]: CAPTURE_EMPTY}),
    # --- the file system
    Case("read_hidden_course", "Q1 answered from the hidden tests if any course file is readable (absolute and "
         "relative paths, gradebook.db, another student's work)", 9, None,
         answers={ANSWER[Q1]: STEAL_Q1.replace("@PATHS@", repr(READ_PATHS))}, report=_expect_denied),
    Case("read_hidden_graded_notebook", "Q1 answered from /run/submission/01_history.ipynb, the notebook being "
         "graded, if readable; prints its own hidden test", 9, None,
         answers={ANSWER[Q1]: STEAL_Q1.replace("@PATHS@", repr(["/run/submission/01_history.ipynb"]))},
         report=_expect_denied),
    Case("symlink_to_solutions", "Q1 answered from leak.txt, a symlink in the submission to the course's solution "
         "notebook", 9, r"leak\.txt was left out of grading: a symbolic link",
         answers={ANSWER[Q1]: STEAL_Q1.replace("@PATHS@", repr(["leak.txt", "/run/submission/leak.txt"]))},
         links={"leak.txt": "@ROOT@/solutions/01_history/01_history.ipynb"}, report=_expect_denied),
    Case("hunt_hidden_tests", "a scratch cell reads every file it can see, looking for the hidden tests", 12, None,
         edit=scratch(HUNT), report=_expect_hunt_clean, may_time_out=True),
    Case("search_sys_path", "a scratch cell searches every folder on sys.path, the package's own folders and "
         "importlib.resources for the course's notebooks and the hidden tests", 12, None,
         edit=scratch(SEARCH_SYS_PATH), report=_expect_no_course_notebook, may_time_out=True),
    Case("write_gradebook", "a scratch cell opens gradebook.db read-write (absolute and relative paths) to raise "
         "every grade and add a student, and overwrites other students' and the course's notebooks", 12, None,
         edit=scratch(GRADEBOOK_WRITE), report=_expect_write_denied),
    # --- resources
    Case("infinite_loop", "Q1's answer cell is `while True: pass`", 9, r"time limit",
         answers={ANSWER[Q1]: INFINITE_LOOP}),
    Case("ignore_sigint_busy", "Q4's answer cell ignores SIGINT and spins", 9, r"(time limit|timed out|died)",
         answers={ANSWER[Q4]: IGNORE_SIGINT_BUSY}),
    Case("ignore_sigint_sleep", "Q4's answer cell ignores SIGINT and sleeps forever (no CPU used)", 9,
         r"(time limit|timed out|died)", answers={ANSWER[Q4]: IGNORE_SIGINT_SLEEP}),
    Case("slow_cells", "twelve extra cells of 4 s each, every one under the cell timeout, past the student's "
         "wall-time limit", 0, r"took longer than", edit=_slow_cells, fails=r"took longer than"),
    Case("memory_bomb", "Q1's answer cell allocates touched 32 MB blocks until it cannot", 9, None,
         answers={ANSWER[Q1]: MEMORY_BOMB}),
    Case("fork_bomb", "a scratch cell forks (at most 10 000 times) children that sleep for ten minutes", 12, None,
         edit=scratch(FORK_BOMB), report=_expect_fork_stopped),
    Case("output_flood", "a scratch cell prints 200 000 lines (48 MB)", 12, None, edit=scratch(OUTPUT_FLOOD),
         may_time_out=True),
    Case("output_flood_display", "a scratch cell displays 64 outputs of 1 MB each", 12, None,
         edit=scratch(OUTPUT_FLOOD_DISPLAY), may_time_out=True),
    Case("fill_disk", "a scratch cell writes 80 MB files into the working folder and /tmp until they are full", 12,
         None, edit=scratch(FILL_DISK), report=_expect_disk_capped, may_time_out=True),
    Case("fill_run_dir", "a scratch cell writes up to 200 MB into the kernel's run folder (its connection file's)",
         12, None, edit=scratch(FILL_RUN_DIR), report=_expect_run_dir_capped),
    # --- kernel suicide and the network
    Case("os_exit", "Q4's answer cell calls os._exit(0)", 9, r"kernel died", answers={ANSWER[Q4]: OS_EXIT}),
    Case("sigkill", "Q3's answer cell sends SIGKILL to every process it may signal, then to itself", 6,
         r"kernel died", answers={ANSWER[Q3]: SIGKILL}),
    Case("network", "a scratch cell connects to a port the test listens on, on the host's 127.0.0.1", 12, None,
         edit=scratch(NETWORK), report=_expect_no_network),
    # --- persistence: code planted for the NEXT student's kernel (checked by PROBE_STUDENT, graded after them)
    Case("persist_ipython_startup", "a scratch cell writes IPython startup files and profile configs (its own "
         "IPYTHONDIR, ~, /root) that set a wrong Q1 answer and mark builtins for later kernels", 12, None,
         edit=scratch(_persist(PERSIST_IPYTHON, "persist_ipython_startup")), report=_expect_only_private_writes),
    Case("persist_site_customize", "a scratch cell writes sitecustomize.py, usercustomize.py and a .pth file into "
         "every site folder, the working folder and /tmp", 12, None,
         edit=scratch(_persist(PERSIST_SITE, "persist_site_customize")), report=_expect_only_private_writes),
    Case("persist_pycache", "a scratch cell plants compiled code in the __pycache__ of mali_ssr.answer_checks and "
         "json.decoder (valid header), and in the working folder and /tmp", 12, None,
         edit=scratch(_persist(PERSIST_PYCACHE, "persist_pycache")), report=_expect_only_private_writes),
    Case("persist_matplotlibrc", "a scratch cell writes matplotlibrc into MPLCONFIGDIR, ~/.config, /root, /etc, "
         "the working folder and matplotlib's own data folder", 12, None,
         edit=scratch(PERSIST_MATPLOTLIB), report=_expect_only_private_writes),
    Case("persist_shared_memory", "a scratch cell leaves files in /dev/shm, /tmp, the kernel's run folder and "
         "/var/tmp", 12, None, edit=scratch(PERSIST_SHM), report=_expect_only_private_writes),
    Case(PROBE_STUDENT, "honest answers, graded after the persistence attacks: reports any planted startup "
         "file, site hook, cached module, matplotlib setting, shared file or marked builtin it can see", 12, None,
         edit=scratch(PROBE), report=_expect_next_student_unaffected),
]

BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES)
