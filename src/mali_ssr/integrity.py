"""Re-check every passed test outside the student's kernel.

nbgrader runs a student's code and the instructor's tests in the same Python
process, and scores a test cell by whether it showed an error. Code in that
process can therefore make a failing test look passed: replace the checking
helpers, install an input or AST transformer that rewrites test cells, swallow
exceptions, fake the output. No defence *inside* that process can be complete.

So the grader also asks the kernel, just before each test cell, for the
*values* of the names that test looks at, as text (``repr``), and runs every
test cell again
in the grading process, which the student's code never touched, on those values
read back with ``ast.literal_eval`` (which builds only plain literals, never
objects of the student's making). Names that locked set-up cells define (such
as ``course = load()``) are rebuilt from the trusted source. A test that
passed in the kernel but fails here gets an error output, so nbgrader's own
scoring gives it zero, and the student is flagged.

Forging the reported values does not help: to pass, the reported value must be
the right answer, and a student who knows it can simply write it.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import os
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Unicode

CELL_TAG = "mali_ssr_recheck"  # cell metadata holding the captured values until ApplyRecheck reads them
FLAGS_DIR = Path(".mali-ssr") / "flags"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    meta = _meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_setup_cell(cell) -> bool:
    """A locked code cell that is not a test: instructor code, restored from the source by nbgrader."""
    meta = _meta(cell)
    return (cell.get("cell_type") == "code" and bool(meta.get("locked")) and not meta.get("grade")
            and not meta.get("solution"))


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


def setup_names(cells) -> set[str]:
    names: set[str] = set()
    for cell in cells:
        if is_setup_cell(cell):
            names |= _bound_names(_parse(_source(cell)))
    return names


def test_names(cell, setup: set[str]) -> list[str]:
    """Names one test cell reads that the student's code must have defined."""
    tree = _parse(_source(cell))
    local = _bound_names(tree)
    wanted: list[str] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in local
                and node.id not in setup and not hasattr(builtins, node.id) and node.id not in wanted):
            wanted.append(node.id)
    return wanted


def student_names(cells) -> list[str]:
    """Names the tests read that the student's code must have defined."""
    setup = setup_names(cells)
    wanted: list[str] = []
    for cell in cells:
        if is_test_cell(cell):
            wanted += [n for n in test_names(cell, setup) if n not in wanted]
    return wanted


def function_tests(cells) -> set[str]:
    """Grade ids of test cells that check a function (``expect_function``/``expect_returns``).

    A function cannot travel out of the kernel as plain data, so these tests
    are scored inside the notebook only (and the docs say so).
    """
    found = set()
    for cell in cells:
        if is_test_cell(cell):
            for node in ast.walk(_parse(_source(cell))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                        and node.func.id in ("expect_function", "expect_returns")):
                    found.add(_meta(cell).get("grade_id", "?"))
    return found


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _execute_class():
    from nbgrader.preprocessors import Execute

    return Execute


class RecheckingExecute(_execute_class()):
    """nbgrader's Execute that, just before each test cell, asks the kernel for the values it will test.

    The values are fetched as ``user_expressions`` of an empty execute request:
    IPython evaluates those with a plain ``eval``, so the student's input and AST
    transformers and cell hooks never see them. They are stored on the test
    cell (as ``repr`` text) for :class:`ApplyRecheck`; capturing them test by
    test means a kernel that dies later cannot take earlier answers with it.
    """

    def __init__(self, *args, **kwargs):
        from .sandbox import ENV_POLICY, SandboxKernelManager

        if os.environ.get(ENV_POLICY):  # set by `mali-ssr grade` unless --no-sandbox
            kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)

    async def _capture(self, names: list[str]) -> dict[str, str | None] | None:
        from jupyter_core.utils import ensure_async

        try:
            msg_id = await ensure_async(self.kc.execute("", silent=True, store_history=False,
                                                        user_expressions={n: f"repr({n})" for n in names}))
            reply = await self.async_wait_for_reply(msg_id)
        except Exception:  # noqa: BLE001 - a dead or stuck kernel reports nothing
            return None
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

    def preprocess(self, nb, resources=None, km=None):
        for cell in nb.cells:  # a submission cannot bring its own "captured" values
            cell.get("metadata", {}).pop(CELL_TAG, None)
        self._setup_names = setup_names(nb.cells)
        self._kernel_died = None
        return super().preprocess(nb, resources, km)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        from jupyter_core.utils import ensure_async
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if cell.get("cell_type") != "code":
            return cell
        if getattr(self, "_kernel_died", None):
            # The student's code killed the kernel (os._exit, a limit): later cells cannot run, and fail.
            cell.outputs = [new_output("error", ename="DeadKernelError", evalue=self._kernel_died,
                                       traceback=[f"DeadKernelError: {self._kernel_died}"])]
            return cell
        if is_test_cell(cell):
            names = test_names(cell, getattr(self, "_setup_names", set()))
            cell.metadata[CELL_TAG] = await self._capture(names) if self.kc is not None else None
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError as exc:
            self._kernel_died = f"the kernel died while running cell {cell_index + 1} ({exc})"
        except CellTimeoutError:
            # The kernel ignored the interrupt (a loop that swallows KeyboardInterrupt): stop it for good.
            self._kernel_died = (f"cell {cell_index + 1} ignored the interrupt after the time limit, so the kernel "
                                 "was stopped")
            try:
                await ensure_async(self.km.shutdown_kernel(now=True))
            except Exception:  # noqa: BLE001 - it is being killed anyway
                pass
        cell.outputs.append(new_output("error", ename="DeadKernelError", evalue=self._kernel_died,
                                       traceback=[f"DeadKernelError: {self._kernel_died}"]))
        return cell

    # nbclient binds the synchronous wrapper to its own coroutine: bind it to ours.
    from jupyter_core.utils import run_sync as _run_sync

    execute_cell = _run_sync(async_execute_cell)
    del _run_sync


class NormaliseMetadata(Preprocessor):
    """First sanitising step: put back the nbgrader metadata of every cell as it was released.

    nbgrader trusts the metadata in the submitted file, so a student who turns
    a test cell's ``grade`` flag off, duplicates a cell, or invents a new
    "test" cell can make the whole notebook ungradeable. Here each cell's
    nbgrader metadata is replaced by the released version for its grade id
    (first occurrence only); any other nbgrader metadata is removed. The
    grader flags what was changed (see :func:`mali_ssr.grading.inspect_submission`).
    """

    enabled = True
    release_directory = Unicode("exercises", help="where the released notebooks are, under the course root").tag(
        config=True)

    def preprocess(self, nb, resources):
        import copy

        info = resources.get("nbgrader", {})
        name = resources.get("unique_key") or ""
        release = Path(os.getcwd()) / self.release_directory / str(info.get("assignment", "")) / f"{name}.ipynb"
        try:
            released = json.loads(release.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return nb, resources  # no release to compare with: leave it to nbgrader's own checks
        known = {}
        for cell in released.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader")
            if isinstance(meta, dict) and meta.get("grade_id"):
                known[meta["grade_id"]] = (cell.get("cell_type"), meta)
        seen = set()
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            gid = meta.get("grade_id") if isinstance(meta, dict) else None
            if gid in known and gid not in seen:
                seen.add(gid)
                cell_type, original = known[gid]
                cell.metadata["nbgrader"] = copy.deepcopy(original)
                if original.get("locked") and cell.cell_type != cell_type:
                    cell.cell_type = cell_type
                    cell.pop("outputs", None), cell.pop("execution_count", None)
                    if cell_type == "code":
                        cell["outputs"], cell["execution_count"] = [], None
            else:
                del cell.metadata["nbgrader"]
        return nb, resources


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


def recheck(cells) -> tuple[dict[str, str], list[str]]:
    """Run every test cell that passed in the kernel again, here. Returns ({grade_id: problem}, notes)."""
    setup = setup_names(cells)
    skip = function_tests(cells)
    failures: dict[str, str] = {}
    notes: list[str] = []
    namespace: dict[str, object] = {"__name__": "__recheck__"}
    for cell in cells:
        if is_setup_cell(cell):
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(_source(cell), "<setup cell>", "exec"), namespace)  # trusted: restored from source
            except Exception as exc:  # noqa: BLE001 - a broken set-up cell is the instructor's to see
                notes.append(f"a set-up cell failed during the re-check: {type(exc).__name__}: {exc}")
    died = timed_out = False
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "DeadKernelError" and not died:
                died = True
                notes.append(f"{output.get('evalue')}; the cells after it could not run")
            elif output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError" and not timed_out:
                timed_out = True
                notes.append("a cell ran past the time limit and was interrupted")
    for cell in cells:
        captured = cell.get("metadata", {}).pop(CELL_TAG, None)
        if not is_test_cell(cell) or _has_error(cell):
            continue
        grade_id = _meta(cell).get("grade_id", "?")
        if grade_id in skip:
            continue
        values = read_values(captured, test_names(cell, setup))
        if values is None:
            failures[grade_id] = "the kernel did not report the answers this test checks"
            continue
        scope = {**namespace, **values}
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(_source(cell), f"<test {grade_id}>", "exec"), scope)
        except Exception as exc:  # noqa: BLE001 - any failure is a failed test
            failures[grade_id] = f"{type(exc).__name__}: {exc}"
    return failures, notes


class ApplyRecheck(Preprocessor):
    """After execution: re-check passed tests here, mark the ones that fail, remove the reporting cell."""

    enabled = True
    flags_root = Unicode("", help="course root; flags go to <root>/.mali-ssr/flags/").tag(config=True)

    def preprocess(self, nb, resources):
        failures, notes = recheck(nb.cells)
        for cell in nb.cells:
            grade_id = _meta(cell).get("grade_id")
            if is_test_cell(cell) and grade_id in failures:
                cell.outputs.append(new_output(
                    "error", ename="RecheckFailed",
                    evalue=f"this test passed inside the notebook but fails when re-checked ({failures[grade_id]})",
                    traceback=[f"RecheckFailed: {failures[grade_id]}"],
                ))
        flags = [f"{gid}: passed in the notebook, failed the independent re-check ({why})"
                 for gid, why in failures.items()] + notes
        self._write_flags(resources, flags)
        return nb, resources

    def _write_flags(self, resources, flags):
        info = resources.get("nbgrader", {})
        student, assignment = info.get("student"), info.get("assignment")
        root = self.flags_root or os.getcwd()
        if not (student and assignment):
            return
        folder = Path(root) / FLAGS_DIR / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{student}.recheck.json"
        notebook = resources.get("unique_key", "notebook")
        existing = json.loads(path.read_text()) if path.exists() else {}
        existing[notebook] = flags
        path.write_text(json.dumps(existing, indent=1))
