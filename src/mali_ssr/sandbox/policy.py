"""The limits of one grading kernel, and what this machine can enforce."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field

from ..i18n import _
from .launcher import FIRST_UID  # noqa: F401  (one definition, in the code that runs inside)

ENV_POLICY = "MALI_SSR_SANDBOX"  # carries the policy to the launcher inside the sandbox, nothing else

@dataclass
class Policy:
    """Limits for one grading kernel, and the files it is given."""

    memory_mb: int = 2048  # the whole process tree (watched from outside), and each process's address space
    cpu_seconds: int = 300
    processes: int = 128
    file_mb: int = 64
    disk_mb: int = 128  # each private file system: /tmp, the working folder
    open_files: int = 512
    output_mb: int = 4  # everything one notebook may print or display, text and images together
    network: bool = False
    support_files: list[str] = field(default_factory=list)  # relative paths copied into the working folder
    slot: int = 0

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> Policy:
        return cls(**json.loads(raw))


class SandboxUnavailable(RuntimeError):
    """This machine cannot sandbox the grading kernel; the message says why and what to do."""


@dataclass
class Layers:
    """What this machine can enforce."""

    bwrap: str | None
    rlimits: bool
    drop_privileges: bool
    user_namespace: bool

    def missing(self) -> list[str]:
        out = []
        if not self.bwrap:
            if not sys.platform.startswith("linux"):
                out.append(_("file-system isolation and no network: the grading sandbox needs Linux "
                             "(bubblewrap); grade on a Linux machine or container"))
            else:
                out.append(_("file-system isolation and no network: bubblewrap (`bwrap`) is not installed; "
                             "install it with `apt-get install bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap`"))
        if not self.rlimits:
            out.append(_("memory, CPU, file-size and process limits (no POSIX resource limits on this system)"))
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


def refusal(missing: list[str]) -> str:
    """One message for every route that refuses to grade without the sandbox."""
    return _("student code was not run: the grading sandbox cannot run here ({missing}). Fix that, or, only if you "
             "trust every submission, opt out with `mali-ssr grade --no-sandbox` or "
             "`c.SandboxKernelManager.allow_unsandboxed = True` in nbgrader_config.py.").format(missing="; ".join(missing))
