"""Runs inside the sandbox, before the kernel: limits, an unprivileged user, the support files, then exec.

Standard library only, and nothing else of the package, so that what runs with
the sandbox's privileges fits on one screen:

    python -I -m mali_ssr.sandbox.launcher -- KERNEL COMMAND...
    python -I -m mali_ssr.sandbox.launcher --hold -- KERNEL COMMAND...

The policy comes as JSON in the ``MALI_SSR_SANDBOX`` environment variable.

With ``--hold`` (a warm kernel, :mod:`.template`) the launcher starts no kernel:
it drops to the sandbox's user and waits for the kernel that the warm template
forks into this sandbox's namespaces (that kernel runs :func:`prepare` itself),
then exits when that kernel does, so that the sandbox ends with its kernel as
it does when the kernel is the launcher's own exec.
"""

import json
import os
import resource
import shutil
import sys
from pathlib import Path

FIRST_UID = 61000  # sandbox users when grading as root: 61000 + worker slot
STAGE = Path("/run/mali-ssr/support")  # the assignment's own support files, read-only
HOST_RUN = Path("/run/mali-ssr/host")  # the host's run folder, read-only: the connection file
KERNEL_RUN = Path("/run/mali-ssr/kernel")  # the kernel's sockets and connection file: a private, capped tmpfs
MB = 1024 * 1024


def copy_support_files(names, source=STAGE):
    """The assignment's own files (never the student's extras), from the read-only staged copy."""
    for rel in names:
        origin = source / rel
        if ".." in Path(rel).parts or origin.is_symlink() or not origin.is_file():
            continue
        target = Path.cwd() / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, target)


def count_tasks(uid):
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if os.stat(entry.path).st_uid == uid:
                    count += len(os.listdir(f"{entry.path}/task"))
            except OSError:
                continue
    return count


def apply_limits(policy):
    """Resource limits for this process and everything it starts; then, as root, the sandbox's own user."""
    limits = {
        resource.RLIMIT_AS: policy["memory_mb"] * MB,
        resource.RLIMIT_CPU: policy["cpu_seconds"],
        resource.RLIMIT_FSIZE: policy["file_mb"] * MB,
        resource.RLIMIT_NOFILE: policy["open_files"],
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        _soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    if os.geteuid() == 0:
        uid, nproc = FIRST_UID + policy["slot"], policy["processes"]
    else:  # shared with the user's other processes: allow what runs now, plus the budget
        uid, nproc = None, count_tasks(os.geteuid()) + policy["processes"]
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def read_policy():
    policy = json.loads(os.environ.pop("MALI_SSR_SANDBOX", "{}") or "{}")
    return {"memory_mb": 2048, "cpu_seconds": 300, "file_mb": 64, "open_files": 512, "processes": 128,
            "slot": 0, "support_files": [], **policy}


def prepare(policy):
    """Everything before the kernel: support files, connection file, ownership, limits, the sandbox's user."""
    if STAGE.is_dir():
        copy_support_files(policy["support_files"])
    if (HOST_RUN / "connection.json").is_file():
        shutil.copyfile(HOST_RUN / "connection.json", KERNEL_RUN / "connection.json")
    if os.geteuid() == 0:  # the kernel's own user owns its working folder, run folder and /tmp, nothing else
        uid = FIRST_UID + policy["slot"]
        for path in [Path.cwd(), *Path.cwd().rglob("*"), KERNEL_RUN, *KERNEL_RUN.glob("*")]:
            if path.exists():
                os.chown(path, uid, uid)
        os.chmod("/tmp", 0o1777)
    apply_limits(policy)


def injected_kernel(timeout=60.0):
    """The process the warm template forked into this sandbox: in this PID namespace its parent is outside (0)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and int(entry.name) not in (1, os.getpid()):
                try:
                    with open(f"{entry.path}/stat", "rb") as f:
                        raw = f.read()
                    if int(raw[raw.rindex(b")") + 2:].split()[1]) == 0:
                        return os.pidfd_open(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
        time.sleep(0.005)
    raise SystemExit("mali_ssr.sandbox.launcher --hold: no kernel joined this sandbox")


def hold(policy, timeout=60.0):
    """Wait, as the sandbox's user, for the warm kernel to join and then to end."""
    import select

    apply_limits(policy)
    kernel = injected_kernel(timeout)
    select.select([kernel], [], [])  # a pidfd is readable once its process has exited


def main(argv):
    if "--" not in argv:
        raise SystemExit("usage: python -m mali_ssr.sandbox.launcher [--hold] -- KERNEL COMMAND...")
    kernel = argv[argv.index("--") + 1:]
    policy = read_policy()
    if "--hold" in argv[:argv.index("--")]:
        hold(policy)
        return
    prepare(policy)
    os.execv(kernel[0], kernel)


if __name__ == "__main__":
    main(sys.argv[1:])
