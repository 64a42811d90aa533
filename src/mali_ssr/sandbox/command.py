"""The bubblewrap command line that starts a grading kernel in its private view."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .launcher import HOST_RUN, KERNEL_RUN, STAGE
from .mounts import PACKAGE, package_copies, python_folders, staged_package, unused_packages
from .policy import ENV_POLICY, Layers, Policy


def bwrap_command(kernel_cmd: list[str], cwd: str, run_dir: str, policy: Policy, layers: Layers,
                  course_root: Path, stage: str | None = None, connection_file: str | None = None,
                  hold: bool = False) -> list[str]:
    """bubblewrap, then the launcher, then the kernel.

    The kernel's sockets and connection file live in a private, size-capped
    file system inside the sandbox; the grader reaches the sockets through
    ``/proc/<pid>/root`` (see :class:`~mali_ssr.sandbox.kernel.SandboxKernelManager`). The host's run
    folder is mounted read-only and holds only the connection file the launcher copies in.
    With ``hold`` the launcher waits for a warm kernel instead of starting one (:mod:`.template`).
    """
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
    folders = python_folders(course_root)
    size = str(policy.disk_mb * 1024 * 1024)
    # The private /tmp first: a Python installed under /tmp (a CI checkout's venv) is then bound on top of it.
    args += ["--size", size, "--perms", "1777", "--tmpfs", "/tmp"]
    # bwrap makes missing parent folders private to root; the kernel's user must be able to pass through them
    parents: set[str] = set()
    for path in [*folders, str(PACKAGE), cwd, str(KERNEL_RUN)]:
        for parent in Path(path).parents:
            if str(parent) not in ("/", "/usr", "/etc", "/tmp") and not str(parent).startswith(("/usr/", "/etc/")):
                parents.add(str(parent))
    for parent in sorted(parents, key=lambda p: (p.count("/"), p)):
        args += ["--perms", "0755", "--dir", parent]
    for path in folders:
        args += ["--ro-bind", path, path]
    # The package: a staged copy of its code and data where Python imports it; every other copy emptied.
    args += ["--ro-bind", str(staged_package()), str(PACKAGE)]
    for copy in package_copies() + unused_packages():
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", copy]
    args += ["--ro-bind", run_dir, str(HOST_RUN), "--size", size, "--perms", "1777", "--tmpfs", str(KERNEL_RUN)]
    if stage:  # only the staged support files, never the folder being graded (it holds the hidden tests)
        args += ["--ro-bind", stage, str(STAGE)]
    args += ["--size", size, "--tmpfs", cwd, "--chdir", cwd]
    args += ["--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp/.matplotlib",
             "--setenv", "IPYTHONDIR", "/tmp/.ipython", "--setenv", "PYTHONNOUSERSITE", "1",
             "--unsetenv", "PYTHONPATH", "--unsetenv", "PYTHONSTARTUP", "--setenv", ENV_POLICY, policy.to_env(),
             # ipykernel would take bwrap's PID 1 for an orphaned parent and quit; bwrap ties it to us instead
             "--unsetenv", "JPY_PARENT_PID"]
    inside = [str(KERNEL_RUN / "connection.json") if arg == connection_file else arg for arg in kernel_cmd]
    return args + ["--", *launcher_command(inside, hold)]


def launcher_command(kernel_cmd: list[str], hold: bool = False) -> list[str]:
    """The launcher alone (limits and an unprivileged user), then the kernel."""
    return [sys.executable, "-I", "-m", "mali_ssr.sandbox.launcher", *(["--hold"] if hold else []), "--", *kernel_cmd]
