"""Host side: the kernel manager and execute preprocessor that nbgrader is configured with.

``nbgrader_config.py`` names :class:`SandboxedExecute` (through the course's
re-checking subclass) for autograding, and its limits are traits of
:class:`SandboxKernelManager`::

    c.SandboxKernelManager.memory_mb = 2048

so ``mali-ssr grade``, plain ``nbgrader autograde``, the formgrader's
Autograde button and ``nbgrader validate`` all start their kernels here. The
only ways off are ``mali-ssr grade --no-sandbox`` and
``c.SandboxKernelManager.enabled = False``; both are said in the output. Where
the sandbox cannot run, the kernel is not started unless
``c.SandboxKernelManager.allow_unsandboxed = True``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from traitlets import Bool, DottedObjectName, Integer, List, Type, Unicode

from ..i18n import _
from . import warm
from .command import bwrap_command, launcher_command
from .launcher import KERNEL_RUN
from .policy import FIRST_UID, Layers, Policy, SandboxUnavailable, detect, refusal

log = logging.getLogger(__name__)
MB = 1024 * 1024
WATCH_SECONDS = 0.1
_warned_off = False


class SandboxKernelClient(AsyncKernelClient):
    """jupyter_client's start-up handshake, ended by the kernel's own "idle" rather than by a quiet 0.2 s.

    jupyter_client waits for the ``kernel_info`` reply, then for any IOPub
    message (IOPub is connected), then reads IOPub until nothing has come for
    0.2 s: a fixed wait on every kernel start, more than the warm kernel takes
    to start. Here the handshake ends as soon as IOPub has carried the kernel's
    "idle" for the request that was answered: the same two proofs (the kernel
    answers, IOPub is connected) and nothing of the handshake is left unread.
    """

    def start_channels(self, *args, **kwargs) -> None:
        # the client usually connects before the new kernel has bound its sockets; ZeroMQ then retries after
        # 100 ms by default. 10 ms: the first messages go through as soon as the kernel listens
        self.context.setsockopt(zmq.RECONNECT_IVL, 10)
        super().start_channels(*args, **kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                if await self._idle_seen(reply["parent_header"].get("msg_id"), wait=0.2):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError(_("the kernel died before answering (kernel_info)"))
            if time.monotonic() > deadline:
                raise RuntimeError(_("the kernel did not answer in {s:g} seconds").format(s=timeout))

    async def _idle_seen(self, msg_id: str | None, wait: float) -> bool:
        """Read IOPub until the kernel says "idle" after ``msg_id`` (True), or nothing comes for ``wait`` s."""
        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=wait)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == msg_id):
                return True


class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel inside the sandbox, over Unix sockets, and watches the whole process tree."""

    client_class = DottedObjectName("mali_ssr.sandbox.kernel.SandboxKernelClient")
    client_factory = Type(klass="mali_ssr.sandbox.kernel.SandboxKernelClient")

    enabled = Bool(True, help=_("run grading kernels in the sandbox (turn off only for trusted work)")).tag(config=True)
    allow_unsandboxed = Bool(False, help=_("grade even where the sandbox cannot run (student code then runs "
                                         "with your rights)")).tag(config=True)
    memory_mb = Integer(2048, help=_("memory for the kernel's whole process tree, MB")).tag(config=True)
    cpu_seconds = Integer(300, help=_("CPU time per process, seconds")).tag(config=True)
    processes = Integer(128, help=_("processes and threads the kernel may run at once")).tag(config=True)
    file_mb = Integer(64, help=_("largest file the kernel may write, MB")).tag(config=True)
    disk_mb = Integer(128, help=_("size of each private file system (/tmp, the working folder, run folder), MB")).tag(
        config=True)
    open_files = Integer(512, help=_("open files per process")).tag(config=True)
    output_mb = Integer(4, help=_("everything one notebook may print or display, MB")).tag(config=True)
    slot = Integer(0, help=_("worker number (as root, each slot runs as its own user)")).tag(config=True)
    warm = Bool(True, help=_("use the grading run's warm kernel template where there is one (mali-ssr grade, as "
                             "root): each kernel still starts in a sandbox of its own")).tag(config=True)
    support_files = List(Unicode(), help=_("files of the assignment copied next to the notebook "
                                         "(default: the assignment's own non-notebook files)")).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.layers: Layers = detect()
        self._run_dir = tempfile.mkdtemp(prefix="mali-ssr-kernel-")
        self.connection_file = os.path.join(self._run_dir, "connection.json")
        self._cwd = os.getcwd()
        self._stage: str | None = None
        self._watch_stop = threading.Event()
        self._warm: str | None = None  # the template's socket when this kernel is forked warm
        self.stopped_because: str | None = None
        if self.enabled and self.layers.bwrap:
            self.transport = "ipc"
            self.ip = str(KERNEL_RUN / "k")  # as the kernel sees it; the grader's own path is set after launch

    @property
    def policy(self) -> Policy:
        return Policy(memory_mb=self.memory_mb, cpu_seconds=self.cpu_seconds, processes=self.processes,
                      file_mb=self.file_mb, disk_mb=self.disk_mb, open_files=self.open_files,
                      output_mb=self.output_mb, support_files=list(self.support_files), slot=self.slot)

    def check_can_sandbox(self) -> None:
        """Refuse, with the reason and the fix, to run student code where the sandbox cannot."""
        global _warned_off
        if not self.enabled:
            if not _warned_off:
                log.warning(_("grading WITHOUT the sandbox (c.SandboxKernelManager.enabled = False): student code "
                              "runs with your rights"))
                _warned_off = True
            return
        missing = self.layers.missing()
        if missing and not self.allow_unsandboxed:
            raise SandboxUnavailable(refusal(missing))
        if missing:
            log.warning(_("grading with a partial sandbox (allow_unsandboxed): not enforced: {missing}").format(
                missing="; ".join(missing)))

    async def _async_pre_start_kernel(self, **kw):
        self.check_can_sandbox()
        self._cwd = kw.get("cwd") or os.getcwd()
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.enabled:
            return cmd
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            # a grading kernel keeps no input history on disk: a third less of IPython's own work per cell, and
            # one file fewer for a student's code to plant something in (In, Out and _ still work, in memory)
            cmd = [*cmd, "--HistoryManager.enabled=False"]
        os.chmod(self._run_dir, stat.S_IRWXU)
        if os.geteuid() == 0 and self.layers.rlimits and not self.layers.bwrap:
            # no private run folder: the kernel runs as its own user, give it the run folder and connection file
            uid = FIRST_UID + self.slot
            os.chown(self._run_dir, uid, uid)
            if os.path.exists(self.connection_file):
                os.chown(self.connection_file, uid, uid)
        policy = self.policy
        if not policy.support_files:
            policy.support_files = default_support_files(Path(self._cwd))
        if self.layers.bwrap:
            self._warm = warm.available() if self.warm and cmd[1:3] == ["-m", "ipykernel_launcher"] else None
            return bwrap_command(cmd, self._cwd, self._run_dir, policy, self.layers, course_root(),
                                 self._stage_support_files(policy.support_files), self.connection_file,
                                 hold=self._warm is not None)
        if self.layers.rlimits:
            os.environ["MALI_SSR_SANDBOX"] = policy.to_env()  # read (and removed) by the launcher
            return launcher_command(cmd)
        return cmd

    def _stage_support_files(self, names: list[str]) -> str:
        """Copy the assignment's own support files (regular files, never links) to a private folder."""
        stage = tempfile.mkdtemp(prefix="mali-ssr-stage-")
        os.chmod(stage, 0o755)
        self._stage = stage
        for rel in names:
            origin = Path(self._cwd) / rel
            if ".." in Path(rel).parts or origin.is_symlink() or not origin.is_file():
                continue
            target = Path(stage) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)
        return stage

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if not self.enabled or process is None:
            return
        roots = [process.pid]
        if self.layers.bwrap:  # reach the sockets in the sandbox's own run folder, through its mount namespace
            inner = await _first_child(process.pid)
            self.ip = f"/proc/{inner}/root{KERNEL_RUN}/k"
            if self._warm:
                roots.append(await self._fork_warm_kernel(process, inner))
        threading.Thread(target=self._watch, args=(roots,), daemon=True).start()

    async def _fork_warm_kernel(self, process, inner: int) -> int:
        """The template forks this sandbox's kernel (the holding launcher waits for it); its PID on the host."""
        import asyncio

        holder = await _first_child(inner)
        for _step in range(5000):  # until the launcher has replaced bubblewrap's fork (the template reads its argv)
            try:
                with open(f"/proc/{holder}/cmdline", "rb") as f:
                    if f.read().split(b"\0")[1:4] == [b"-I", b"-m", b"mali_ssr.sandbox.launcher"]:
                        break
            except OSError:
                break
            await asyncio.sleep(0.002)
        try:
            pid = await asyncio.get_running_loop().run_in_executor(
                None, warm.fork_kernel, self._warm, inner, holder, self._cwd)
            print(_("[sandbox] kernel forked warm from the template into its own sandbox (pid {pid})").format(pid=pid),
                  file=sys.stderr, flush=True)  # the student's grading log
            return pid
        except (OSError, RuntimeError, ValueError) as exc:
            process.kill()
            raise SandboxUnavailable(_("the warm kernel template could not start this kernel ({error})").format(
                error=exc)) from exc

    def _watch(self, roots: list[int]) -> None:
        """Stop the whole sandbox when its processes, together, pass the memory cap (rlimits are per process)."""
        pid = roots[0]
        while not self._watch_stop.wait(WATCH_SECONDS):
            tree = sorted({p for root in roots for p in descendants(root)})
            if not tree or pid not in tree:
                return
            if sum(_memory_bytes(p) for p in tree) > self.memory_mb * MB:
                reason = _("its processes together used more than {mb} MB of memory").format(mb=self.memory_mb)
                self.stopped_because = reason
                for p in [pid, *tree]:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                return

    async def _async_interrupt_kernel(self):
        """Interrupt with a message: a signal to bubblewrap would not reach the kernel inside."""
        if not self.enabled:
            return await super()._async_interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._watch_stop.set()
            shutil.rmtree(self._run_dir, ignore_errors=True)
            if self._stage:
                shutil.rmtree(self._stage, ignore_errors=True)


def course_root() -> Path:
    """Every grading route runs from the course root (nbgrader reads nbgrader_config.py there)."""
    return Path.cwd().resolve()


def default_support_files(kernel_cwd: Path) -> list[str]:
    """The non-notebook files of the assignment being graded, from its source folder when that is known.

    Autograding runs the kernel in ``autograded/<student>/<assignment>/``: the
    files come from ``<source>/<assignment>/``, never from what the student
    handed in. Elsewhere (``nbgrader validate``) they are the regular files
    beside the notebook.
    """
    from ..grading.course import Course, CourseError

    try:
        course = Course.load(course_root())
        base = course.source_dir / kernel_cwd.name
        if course.autograded_dir in kernel_cwd.resolve().parents and base.is_dir():
            return course.support_files(kernel_cwd.name)
    except CourseError:
        pass
    return sorted(p.name for p in kernel_cwd.iterdir() if p.is_file() and not p.is_symlink()
                  and p.suffix != ".ipynb") if kernel_cwd.is_dir() else []


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, read from /proc.

    Each process's own list of children (``/proc/PID/task/TID/children``) is read, a few small files instead
    of every process's ``stat`` (the memory watch asks ten times a second per kernel); a kernel without
    those lists gets the scan of all of /proc.
    """
    if not os.path.exists(f"/proc/{pid}/task/{pid}/children"):
        return _descendants_by_scan(pid)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue  # gone meanwhile
        out.append(p)
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children", "rb") as f:
                    todo += [int(child) for child in f.read().split()]
            except (OSError, ValueError):
                continue
    return out


def _descendants_by_scan(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"{entry.path}/stat", "rb") as f:
                    raw = f.read()
                ppid = int(raw[raw.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        if os.path.exists(f"/proc/{p}"):
            out.append(p)
        todo += children.get(p, [])
    return out


def _memory_bytes(pid: int) -> int:
    """The process's proportional share of memory (PSS): pages shared after a fork are counted once in all.

    Resident size (RSS) would count a forked child's copy-on-write pages again
    for every child, so harmless sleeping children would look like a memory bomb.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


async def _first_child(pid: int, wait: float = 10.0) -> int:
    """The first process bubblewrap starts inside the sandbox (it is in the sandbox's mount namespace)."""
    import asyncio

    for _step in range(int(wait / 0.01)):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                children = f.read().split()
        except OSError:
            break
        if children:
            return int(children[0])
        await asyncio.sleep(0.01)
    raise SandboxUnavailable(_("the sandbox did not start (bubblewrap gave no process in {s:g} s); see the log "
                               "above for bubblewrap's own message").format(s=wait))


def _execute_base():
    from nbgrader.preprocessors import Execute

    return Execute


class SandboxedExecute(_execute_base()):
    """nbgrader's Execute with the sandboxed kernel manager, a cap on a notebook's total output, and clear stops."""

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager  # nbgrader's own Execute would force its default
        # The kernel is thrown away with its sandbox: no graceful shutdown (nbclient's polls it for 0.3 s a notebook)
        kwargs.setdefault("shutdown_kernel", "immediate")
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._output_capped = False
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        """Drop what a notebook prints or displays past the cap, and say so once."""
        size = len(json.dumps(msg.get("content", {}), default=str))
        limit = getattr(self.km, "output_mb", 4) * MB if self.km is not None else 4 * MB
        self._output_bytes = getattr(self, "_output_bytes", 0) + size
        if self._output_bytes > limit:
            if not getattr(self, "_output_capped", False):
                self._output_capped = True
                outs.append(new_output("stream", name="stderr", text=_(
                    "[output cut: this notebook printed or displayed more than {mb} MB]\n").format(mb=limit // MB)))
            return None
        return super().output(outs, msg, display_id, cell_index)


class SandboxedValidator:
    """``nbgrader validate`` executes through :class:`SandboxedExecute` too (nbgrader has no setting for it)."""

    @staticmethod
    def install() -> None:
        from nbgrader import validator
        from nbgrader.preprocessors import CheckCellMetadata, ClearOutput

        if getattr(validator.Validator, "_mali_ssr_sandboxed", False):
            return

        class Validator(validator.Validator):
            _mali_ssr_sandboxed = True

            def _preprocess(self, nb):
                self.preprocessors = [CheckCellMetadata, ClearOutput, SandboxedExecute]
                return super()._preprocess(nb)

        from nbgrader.apps import validateapp

        validateapp.Validator = Validator
        try:
            from nbgrader.server_extensions.validate_assignment import handlers

            handlers.Validator = Validator
        except ImportError:  # the server extension is not installed
            pass
