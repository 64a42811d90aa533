"""Runs inside the sandbox, before the kernel: limits, an unprivileged user, the support files, then exec.

Standard library only, and nothing else of the package, so that what runs with
the sandbox's privileges fits on one screen:

    python -I -m mali_ssr.sandbox.launcher -- KERNEL COMMAND...

The policy comes as JSON in the ``MALI_SSR_SANDBOX`` environment variable.
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


def main(argv):
    if "--" not in argv:
        raise SystemExit("usage: python -m mali_ssr.sandbox.launcher -- KERNEL COMMAND...")
    kernel = argv[argv.index("--") + 1:]
    policy = json.loads(os.environ.pop("MALI_SSR_SANDBOX", "{}") or "{}")
    policy = {"memory_mb": 2048, "cpu_seconds": 300, "file_mb": 64, "open_files": 512, "processes": 128,
              "slot": 0, "support_files": [], **policy}
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
    os.execv(kernel[0], kernel)


if __name__ == "__main__":
    main(sys.argv[1:])
