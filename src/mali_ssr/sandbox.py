"""A sandbox for the kernels that run student code during grading.

nbgrader runs a submission's code as the instructor, able to read the
solutions and the gradebook, with a cell timeout but no other limit. Here
each grading kernel is started through two layers:

1. **bubblewrap** (``bwrap``, Debian package ``bubblewrap``) builds a private
   view of the file system: the system and Python installation read-only, an
   empty size-capped ``/tmp``, and an empty size-capped working folder into
   which only the assignment's own support files are copied. The course
   folder (solutions, gradebook, other students' work) is simply not there.
   New PID, IPC, UTS and network namespaces: no network, no view of other
   processes, and when the grader stops the kernel every process it started
   dies with it. The kernel talks to the grader over Unix sockets in a
   private run folder, which is why the network can be cut.
2. **A launcher** (``python -m mali_ssr.sandbox``) inside that view sets
   resource limits (address space, CPU time, file size, open files, number of
   processes) and, when the grader runs as root, drops to an unprivileged user
   of its own (one per parallel worker, so one student's fork bomb cannot eat
   another's process budget), then starts the kernel.

bubblewrap was chosen over plain ``unshare``/``setpriv`` because it builds the
read-only file-system view in one well-audited step, works as root and as an
ordinary user (through user namespaces), and kills the whole sandbox when its
parent dies. Where a layer is missing (no ``bwrap``, macOS, Windows, user
namespaces disabled), grading still runs with what is available and
:func:`detect` says, once, what is not enforced.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

ENV_POLICY = "MALI_SSR_SANDBOX"
FIRST_UID = 61000  # sandbox users when grading as root: 61000 + worker slot


@dataclass
class Policy:
    """Limits for one grading kernel, and where things are."""

    memory_mb: int = 2048
    cpu_seconds: int = 300
    processes: int = 128
    file_mb: int = 64
    disk_mb: int = 128
    open_files: int = 512
    network: bool = False
    course_root: str = ""
    support_files: list[str] = field(default_factory=list)  # relative paths copied into the working folder
    slot: int = 0

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Policy | None:
        raw = os.environ.get(ENV_POLICY)
        return cls(**json.loads(raw)) if raw else None


@dataclass
class Layers:
    bwrap: str | None
    rlimits: bool
    drop_privileges: bool
    user_namespace: bool

    def missing(self) -> list[str]:
        out = []
        if not self.bwrap:
            out.append("file-system isolation, no network, process namespace (bubblewrap `bwrap` not found: "
                       "install it, e.g. `apt-get install bubblewrap`)")
        if not self.rlimits:
            out.append("memory, CPU, file-size and process limits (no POSIX resource limits on this system)")
        return out


def detect() -> Layers:
    """What this machine can enforce."""
    bwrap = shutil.which("bwrap") if sys.platform.startswith("linux") else None
    try:
        import resource  # noqa: F401

        rlimits = True
    except ImportError:
        rlimits = False
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return Layers(bwrap=bwrap, rlimits=rlimits, drop_privileges=root, user_namespace=not root)


def _python_paths(course_root: Path) -> list[str]:
    """Folders the kernel's Python needs, read-only: the interpreter, its libraries, this package.

    Only these, not every ``sys.path`` entry: a test runner or a ``PYTHONPATH``
    can put a folder holding solutions on the path. Never the course folder or a
    parent of it.
    """
    import sysconfig

    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable)),
                  str(Path(__file__).resolve().parents[1])}  # the folder holding mali_ssr (site-packages or src/)
    for scheme_paths in (sysconfig.get_paths(), sysconfig.get_paths(vars={"base": sys.base_prefix,
                                                                           "platbase": sys.base_prefix})):
        candidates |= {scheme_paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in scheme_paths}
    out = []
    for path in sorted(candidates):
        if not os.path.isdir(path):
            continue
        real = os.path.realpath(path)
        if real.startswith(("/usr/", "/etc/")) or real in ("/usr", "/"):
            continue
        try:
            course_root.relative_to(real)
            continue  # this path contains the course: binding it would expose the solutions
        except ValueError:
            pass
        out.append(real)
    # drop paths already inside another bound path
    return [p for p in out if not any(p != q and p.startswith(q + os.sep) for q in out)]


def bwrap_command(kernel_cmd: list[str], cwd: str, run_dir: str, policy: Policy, layers: Layers,
                  stage: str | None = None) -> list[str]:
    """The full command: bubblewrap, then the launcher, then the kernel."""
    course_root = Path(policy.course_root or cwd).resolve()
    args = [layers.bwrap, "--die-with-parent", "--new-session",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not policy.network:
        args.append("--unshare-net")
    if layers.user_namespace:
        args.append("--unshare-user")
    else:  # as root bwrap drops every capability; the launcher needs these to hand the kernel its own user
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_CHOWN"]
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev"]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    python_paths = _python_paths(course_root)
    size = str(policy.disk_mb * 1024 * 1024)
    # The private /tmp first: a Python installed under /tmp (a CI checkout's venv) is then bound on top of it.
    args += ["--size", size, "--perms", "1777", "--tmpfs", "/tmp"]
    # bwrap makes missing parent folders private to root; the kernel's user must be able to pass through them
    parents: set[str] = set()
    for path in [*python_paths, run_dir, cwd, "/run/submission"]:
        for parent in Path(path).parents:
            if str(parent) not in ("/", "/usr", "/etc", "/tmp") and not str(parent).startswith(("/usr/", "/etc/")):
                parents.add(str(parent))
    for parent in sorted(parents, key=lambda p: (p.count("/"), p)):
        args += ["--perms", "0755", "--dir", parent]
    for path in python_paths:
        args += ["--ro-bind", path, path]
    args += ["--bind", run_dir, run_dir]
    # Only the staged support files are visible, never the folder being graded (it holds the hidden tests).
    if stage:
        args += ["--ro-bind", stage, "/run/submission"]
    args += ["--size", size, "--tmpfs", cwd, "--chdir", cwd]
    args += ["--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp/.matplotlib",
             "--setenv", "IPYTHONDIR", "/tmp/.ipython", "--setenv", "PYTHONNOUSERSITE", "1",
             "--unsetenv", "PYTHONPATH", "--setenv", ENV_POLICY, policy.to_env(),
             # ipykernel would take bwrap's PID 1 for an orphaned parent and quit; bwrap ties it to us instead
             "--unsetenv", "JPY_PARENT_PID"]
    return args + ["--", sys.executable, "-I", "-m", "mali_ssr.sandbox", "--", *kernel_cmd]


def launcher_command(kernel_cmd: list[str], policy: Policy) -> list[str]:
    """Without bubblewrap: only the launcher's limits."""
    return [sys.executable, "-I", "-m", "mali_ssr.sandbox", "--", *kernel_cmd]


def _count_tasks(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.stat(entry.path).st_uid == uid:
                    count += len(os.listdir(f"{entry.path}/task"))
            except OSError:
                continue
    return count


def apply_limits(policy: Policy) -> None:
    """Resource limits for this process and everything it starts (called by the launcher)."""
    import resource

    mb = 1024 * 1024
    limits = {
        resource.RLIMIT_AS: policy.memory_mb * mb,
        resource.RLIMIT_CPU: policy.cpu_seconds,
        resource.RLIMIT_FSIZE: policy.file_mb * mb,
        resource.RLIMIT_NOFILE: policy.open_files,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    if os.geteuid() == 0:
        uid = FIRST_UID + policy.slot
        nproc = policy.processes
    else:  # shared with the user's other processes: allow what runs now, plus the budget
        uid = None
        nproc = _count_tasks(os.geteuid()) + policy.processes
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def prepare_workdir(policy: Policy, source: Path = Path("/run/submission")) -> None:
    """Copy the assignment's own support files (never the student's extras) into the working folder."""
    for rel in policy.support_files:
        origin = source / rel
        if origin.is_file() and ".." not in Path(rel).parts:
            target = Path.cwd() / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)


def launch(argv: list[str]) -> None:
    """Entry point inside the sandbox: limits, privileges, then exec the kernel."""
    if "--" not in argv:
        raise SystemExit("usage: python -m mali_ssr.sandbox -- KERNEL COMMAND...")
    kernel = argv[argv.index("--") + 1:]
    policy = Policy.from_env() or Policy()
    if os.path.isdir("/run/submission"):
        prepare_workdir(policy)  # from the staged copy: the assignment's own files only
    if os.geteuid() == 0:
        uid = FIRST_UID + policy.slot
        os.chown(os.getcwd(), uid, uid)
        for path in (Path.cwd()).rglob("*"):
            os.chown(path, uid, uid)
        os.chmod("/tmp", 0o1777)
    os.environ.pop(ENV_POLICY, None)
    apply_limits(policy)
    os.execv(kernel[0], kernel)


# ------------------------------------------------------------------ kernel manager


def _kernel_manager_base():
    from jupyter_client.manager import AsyncKernelManager

    return AsyncKernelManager


class SandboxKernelManager(_kernel_manager_base()):
    """A kernel manager that starts the kernel inside the sandbox, over Unix sockets."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.policy = Policy.from_env() or Policy()
        self.layers = detect()
        self._run_dir = tempfile.mkdtemp(prefix="mali-ssr-kernel-")
        if self.layers.bwrap:
            self.transport = "ipc"
            self.ip = os.path.join(self._run_dir, "kernel")
        self.connection_file = os.path.join(self._run_dir, "connection.json")
        self._cwd = os.getcwd()

    async def _async_pre_start_kernel(self, **kw):
        self._cwd = kw.get("cwd") or os.getcwd()
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if os.geteuid() == 0 and self.layers.rlimits:
            # the kernel runs as its own user: give it the run folder and the connection file, nobody else
            uid = FIRST_UID + self.policy.slot
            os.chown(self._run_dir, uid, uid)
            os.chmod(self._run_dir, stat.S_IRWXU)
            if os.path.exists(self.connection_file):
                os.chown(self.connection_file, uid, uid)
        if self.layers.bwrap:
            return bwrap_command(cmd, self._cwd, self._run_dir, self.policy, self.layers, self._stage_support_files())
        if self.layers.rlimits:
            return launcher_command(cmd, self.policy)
        return cmd

    def _stage_support_files(self) -> str:
        """Copy the assignment's own support files (regular files, never links) to a private folder."""
        stage = tempfile.mkdtemp(prefix="mali-ssr-stage-")
        self._stage = stage
        for rel in self.policy.support_files:
            origin = Path(self._cwd) / rel
            if ".." in Path(rel).parts or origin.is_symlink() or not origin.is_file():
                continue
            target = Path(stage) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)
        return stage

    async def _async_interrupt_kernel(self):
        """Interrupt with a message: a signal to bubblewrap would not reach the kernel inside."""
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            if getattr(self, "_stage", None):
                shutil.rmtree(self._stage, ignore_errors=True)


if __name__ == "__main__":
    launch(sys.argv[1:])
