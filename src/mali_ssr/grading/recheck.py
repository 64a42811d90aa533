"""Grade every test outside the student's kernel; hidden tests never enter it.

nbgrader runs a student's code and the instructor's tests in the same Python
process, and scores a test cell by whether it showed an error. Code in that
process can therefore make a failing test look passed (replace the checking
helpers, rewrite test cells, swallow exceptions), and can read, print or save
every test it is shown, hidden ones included.

So here:

1. **Hidden tests never reach the kernel.** Each test cell is sent to the
   kernel with its hidden part removed (nbgrader's own ``ClearHiddenTests``
   delimiters); the full test is kept on the grader's side.
2. Just before each test cell the grader asks the kernel for the *values* of
   the names that the full test looks at, as text (``repr``, through
   ``user_expressions``, which the student's input and AST transformers and
   cell hooks never see): with the request of the cell that runs right before
   the test (the kernel evaluates them once that cell has run), or in a request
   of their own when that cell raised.
3. After execution, every test runs again, whole, in the grading process,
   which the student's code never touched, on those values read back with
   ``ast.literal_eval`` (plain literals only, never objects of the student's
   making). Names that locked set-up cells define (``course = load()``) are
   rebuilt from the trusted source.
4. **The stored output of a test cell is the grader's verdict**: nothing when
   it passed, else one error with the message of the check that failed outside
   the kernel. Whatever the kernel printed while the test ran is dropped, so no
   kernel output can carry a test into ``autograded/`` or the feedback.

A test that passed in the kernel but fails here scores zero, and the student
is flagged. Forging the reported values does not help: to pass, the reported
value must be the right answer, and a student who knows it can simply write it.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import io
import json
import os
from pathlib import Path

from nbclient.util import run_hook
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output

from ..i18n import _
from ..sandbox.kernel import SandboxedExecute
from . import notebooks
from .course import STATE_DIR
from .tampering import KERNEL, RECHECK, Flag

CELL_TAG = "mali_ssr_recheck"  # cell metadata holding the captured values until ApplyRecheck reads them
TESTS_KEY = "mali_ssr_tests"  # resources: grade id -> the full test source, kept on the grader's side
HIDDEN_NOTE = "# (hidden tests: run by the grader, outside the notebook)"
FLAGS_DIR = Path(STATE_DIR) / "flags"
is_test_cell, is_setup_cell, _source, _meta = notebooks.is_test_cell, notebooks.is_setup_cell, notebooks.source, notebooks.meta


def _bound_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _parse(source: str) -> ast.AST:
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


@functools.lru_cache(maxsize=1024)
def _names(source: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """(names the code binds, names it reads and does not bind itself, in order of first use).

    Parsed once per source: every student of a class has the same set-up and test cells (a worker grades many),
    and each test's names are wanted twice, in the kernel and in the re-check.
    """
    tree = _parse(source)
    local = _bound_names(tree)
    read: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local \
                and node.id not in read:
            read.append(node.id)
    return frozenset(local), tuple(read)


def setup_names(cells) -> set[str]:
    names: set[str] = set()
    for cell in cells:
        if is_setup_cell(cell):
            names |= _names(_source(cell))[0]
    return names


def test_names(cell, setup: set[str]) -> list[str]:
    """Names one test cell reads that the student's code must have defined."""
    return [name for name in _names(_source(cell))[1] if name not in setup and not hasattr(builtins, name)]


def student_names(cells) -> list[str]:
    """Names the tests read that the student's code must have defined."""
    setup = setup_names(cells)
    wanted: list[str] = []
    for cell in cells:
        if is_test_cell(cell):
            wanted += [n for n in test_names(cell, setup) if n not in wanted]
    return wanted




class RecheckingExecute(SandboxedExecute):
    """Sandboxed execution that keeps hidden tests out of the kernel and captures the values each test checks."""

    async def _capture(self, names: list[str]) -> dict[str, str | None] | None:
        from jupyter_core.utils import ensure_async

        try:
            msg_id = await ensure_async(self.kc.execute("", silent=True, store_history=False,
                                                        user_expressions=_expressions(names)))
            reply = await self.async_wait_for_reply(msg_id)
        except Exception:  # noqa: BLE001 - a dead or stuck kernel reports nothing
            return None
        return _report(reply, names)

    def _next_test(self, cell_index: int) -> tuple[int, list[str]] | None:
        """The test cell the kernel runs right after this one, and the names it checks (None if the next is not one).

        Its values can then be asked for with this cell's own request: the kernel evaluates them once the cell has
        run, when nothing else can run before the test. One request fewer per test cell.
        """
        for index in range(cell_index + 1, len(self.nb.cells)):
            cell = self.nb.cells[index]
            if cell.get("cell_type") != "code" or not _source(cell).strip() \
                    or self.skip_cells_with_tag in cell.get("metadata", {}).get("tags", []):
                continue  # never sent to the kernel
            if not is_test_cell(cell):
                return None
            full = self._tests.get(_meta(cell).get("grade_id", "?"), _source(cell))
            return index, test_names({"source": full}, self._setup_names)
        return None

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        tests = resources.setdefault(TESTS_KEY, {})
        for cell in nb.cells:  # a submission cannot bring its own "captured" values
            cell.get("metadata", {}).pop(CELL_TAG, None)
            if is_test_cell(cell):
                tests[_meta(cell).get("grade_id", "?")] = _source(cell)
        self._tests = tests
        self._setup_names = setup_names(nb.cells)
        self._kernel_died = None
        self._captured_ahead: dict[int, dict[str, str | None]] = {}  # test cell index -> values asked for early
        return super().preprocess(nb, resources, km)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        from jupyter_core.utils import ensure_async
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if cell.get("cell_type") != "code":
            return cell
        if getattr(self, "_kernel_died", None):
            # The student's code killed the kernel (os._exit, a limit): later cells cannot run, and fail.
            cell.outputs = [_dead(self._kernel_died)]
            return cell
        full = None
        if is_test_cell(cell):
            full = self._tests.get(_meta(cell).get("grade_id", "?"), _source(cell))
            names = test_names({"source": full}, getattr(self, "_setup_names", set()))
            captured = getattr(self, "_captured_ahead", {}).pop(cell_index, None)
            if captured is None and self.kc is not None:  # the cell before it failed, or there was none
                captured = await self._capture(names)
            cell.metadata[CELL_TAG] = captured
            visible, hidden = notebooks.split_hidden(full)
            cell.source = visible.rstrip() + ("\n" + HIDDEN_NOTE if hidden else "")
        following = self._next_test(cell_index) if self.kc is not None and hasattr(self, "_tests") else None
        try:
            if following is None:
                return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            with self._asking_ahead(*following):
                return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError as exc:
            stopped = getattr(self.km, "stopped_because", None)
            self._kernel_died = (_("the kernel was stopped while running cell {n}: {why}").format(n=cell_index + 1, why=stopped)
                                 if stopped else
                                 _("the kernel died while running cell {n} ({error})").format(n=cell_index + 1, error=exc))
        except CellTimeoutError:
            # The kernel ignored the interrupt (a loop that swallows KeyboardInterrupt): stop it for good.
            self._kernel_died = _("cell {n} ignored the interrupt after the time limit, so the kernel was "
                                  "stopped").format(n=cell_index + 1)
            try:
                await ensure_async(self.km.shutdown_kernel(now=True))
            except Exception:  # noqa: BLE001 - it is being killed anyway
                pass
        cell.outputs.append(_dead(self._kernel_died))
        return cell

    @contextlib.contextmanager
    def _asking_ahead(self, test_index: int, names: list[str]):
        """This cell's request also asks for the values the next test checks; its reply keeps them for that test.

        A kernel evaluates them only when the cell ran without error: otherwise the test asks on its own.
        """
        execute, hook, own = self.kc.execute, self.on_cell_executed, "execute" in vars(self.kc)

        def execute_asking(code, **kwargs):
            return execute(code, user_expressions=_expressions(names), **kwargs)

        async def keep_values(cell, cell_index, execute_reply):
            report = _report(execute_reply, names)
            if report is not None and "user_expressions" in execute_reply["content"]:
                self._captured_ahead[test_index] = report
            if hook is not None:
                await run_hook(hook, cell=cell, cell_index=cell_index, execute_reply=execute_reply)

        self.kc.execute, self.on_cell_executed = execute_asking, keep_values
        try:
            yield
        finally:
            if own:
                self.kc.execute = execute
            else:
                del self.kc.execute  # the client's class method again
            self.on_cell_executed = hook

    # nbclient binds the synchronous wrapper to its own coroutine: bind it to ours.
    from jupyter_core.utils import run_sync as _run_sync

    execute_cell = _run_sync(async_execute_cell)
    del _run_sync


def _expressions(names: list[str]) -> dict[str, str]:
    return {name: f"repr({name})" for name in names}


def _report(reply, names: list[str]) -> dict[str, str | None] | None:
    """name -> the text of its value as the kernel reported it (None: not defined or not a string's repr)."""
    if not reply or reply.get("content", {}).get("status") != "ok":
        return None
    report: dict[str, str | None] = {}
    for name in names:
        result = reply["content"].get("user_expressions", {}).get(name, {})
        text = result.get("data", {}).get("text/plain") if result.get("status") == "ok" else None
        try:
            value = ast.literal_eval(text) if isinstance(text, str) else None
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
        report[name] = value if isinstance(value, str) else None
    return report


def _dead(reason: str):
    return new_output("error", ename="DeadKernelError", evalue=reason, traceback=[f"DeadKernelError: {reason}"])


class Unreadable:
    """Stands for a value the kernel reported but that is not a plain literal."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self):
        return f"<a value that is not plain data: {self.text[:60]}>"


def read_values(raw: object, names: list[str]) -> dict[str, object] | None:
    """Values from the kernel's report (name -> repr text); None when there is no usable report."""
    if not isinstance(raw, dict):
        return None
    values: dict[str, object] = {}
    for name in names:
        text = raw.get(name)
        if not isinstance(text, str):
            continue  # not defined: the test will raise NameError, as in the notebook
        try:
            values[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            values[name] = Unreadable(text)
    return values




def _has_error(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def _kernel_error(cell) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return str(output.get("ename", "Error")), str(output.get("evalue", ""))
    return None


def recheck(cells, tests: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Run every test again, whole, here, on the values the kernel reported.

    Returns ({grade_id: why it fails}, {grade_id: why its visible part passed inside but fails here}, notes):
    only the visible part runs in the kernel, so only its verdict can be compared with the kernel's. ``tests`` maps
    grade ids to full test sources (the cells may hold only their visible part).
    """
    tests = tests or {}
    setup = setup_names(cells)
    failures: dict[str, str] = {}
    forged: dict[str, str] = {}
    notes: list[str] = []
    namespace: dict[str, object] = {"__name__": "__recheck__"}
    for cell in cells:
        if is_setup_cell(cell):
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(_source(cell), "<setup cell>", "exec"), namespace)  # trusted: restored from source
            except Exception as exc:  # noqa: BLE001 - a broken set-up cell is the instructor's to see
                notes.append(Flag(RECHECK, _("a set-up cell failed during the re-check: {error}").format(
                    error=f"{type(exc).__name__}: {exc}")))
    died = timed_out = False
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "DeadKernelError" and not died:
                died = True
                notes.append(Flag(KERNEL, _("{reason}; the cells after it could not run").format(
                    reason=output.get("evalue"))))
            elif output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError" and not timed_out:
                timed_out = True
                notes.append(Flag(KERNEL, _("a cell ran past the time limit and was interrupted")))
    for cell in cells:
        captured = cell.get("metadata", {}).pop(CELL_TAG, None)
        if not is_test_cell(cell):
            continue
        grade_id = _meta(cell).get("grade_id", "?")
        full = tests.get(grade_id, _source(cell))
        inside = _kernel_error(cell)
        values = read_values(captured, test_names({"source": full}, setup))
        if values is None:
            failures[grade_id] = inside[1] if inside and inside[0] == "DeadKernelError" else \
                _("the notebook did not report the answers this test checks")
            if not inside:
                forged[grade_id] = failures[grade_id]
            continue
        visible, _hidden = notebooks.split_hidden(full)
        visible_problem = _run_test(visible, grade_id, namespace, values)
        problem = visible_problem or _run_test(full, grade_id, namespace, values)
        if problem:
            failures[grade_id] = problem
            if visible_problem and not inside:  # the notebook showed the visible checks passing: they did not
                forged[grade_id] = problem
            continue
        if inside:  # passed outside on the reported values, failed in the notebook: the notebook's verdict stands
            failures[grade_id] = _("the test failed in the notebook ({error})").format(error=inside[0])
    return failures, forged, notes


def _run_test(source: str, grade_id: str, namespace: dict, values: dict) -> str | None:
    """Run a test's source here on plain values; the failure as "Name: message", or None when it passes."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"<test {grade_id}>", "exec"), {**namespace, **values})
    except NameError as exc:  # an unanswered question: say so plainly
        name = getattr(exc, "name", None) or str(exc)
        return _("{name} is not defined yet: write your answer in its cell and run that cell").format(name=name)
    except Exception as exc:  # noqa: BLE001 - any failure is a failed test
        return f"{type(exc).__name__}: {exc}"
    return None


class ApplyRecheck(Preprocessor):
    """After execution: the grader's verdict becomes each test cell's only output; flags for forged passes."""

    enabled = True

    def preprocess(self, nb, resources):
        failures, forged, notes = recheck(nb.cells, resources.get(TESTS_KEY))
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            grade_id = _meta(cell).get("grade_id")
            if grade_id in failures:
                why = failures[grade_id]
                ename = "RecheckFailed" if grade_id in forged else why.split(":", 1)[0] if ":" in why else "TestFailed"
                cell.outputs = [new_output("error", ename=ename, evalue=why, traceback=[why])]
            else:
                cell.outputs = []
        flags = [Flag(RECHECK, _("{gid}: passed in the notebook, failed the independent re-check ({why})").format(
            gid=gid, why=why)) for gid, why in forged.items()] + notes
        self._write_flags(resources, flags)
        return nb, resources

    def _write_flags(self, resources, flags):
        info = resources.get("nbgrader", {})
        student, assignment = info.get("student"), info.get("assignment")
        if not (student and assignment):
            return
        folder = Path(os.getcwd()) / FLAGS_DIR / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{student}.recheck.json"
        notebook = resources.get("unique_key", "notebook")
        existing = json.loads(path.read_text()) if path.exists() else {}
        existing[notebook] = [{"kind": getattr(flag, "kind", RECHECK), "text": str(flag)} for flag in flags]
        path.write_text(json.dumps(existing, indent=1))
