"""Submissions are taken as plain data: a checked copy, before nbgrader sees them.

A handed-in folder can hold what a git checkout or ``cp -a`` keeps: symbolic
links (to the solutions, the gradebook, ``/etc/shadow``), hard links to files
outside, devices, FIFOs, sockets, or files large enough to fill the disk.
nbgrader would follow all of them into ``autograded/`` and ``feedback/``. Here
only regular files with a single link, within size and count caps, are copied;
everything else is left out and named in a flag. ``mali-ssr grade`` grades the
checked copy; for plain ``nbgrader autograde`` and the formgrader,
:class:`RefuseUnsafeSubmission` fails a submission that holds such entries and
removes what nbgrader copied from them.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from ..i18n import _
from .course import Course, CourseError

MAX_FILE_MB = 20
MAX_TOTAL_MB = 50
MAX_FILES = 200


@dataclass
class CheckedCopy:
    folder: Path
    flags: list[str] = field(default_factory=list)


def unsafe_entries(folder: Path) -> list[tuple[str, str]]:
    """(relative path, why) for every entry that is not a plain regular file, or is over a cap."""
    found: list[tuple[str, str]] = []
    total = count = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found.append((rel, _("a symbolic link")))
            elif stat.S_ISDIR(info.st_mode):
                continue
            elif not stat.S_ISREG(info.st_mode):
                found.append((rel, _("not a regular file (device, FIFO or socket)")))
            elif info.st_nlink > 1:
                found.append((rel, _("a hard link to a file that also lives elsewhere")))
            elif info.st_size > MAX_FILE_MB * 1024 * 1024:
                found.append((rel, _("larger than {mb} MB").format(mb=MAX_FILE_MB)))
            else:
                total += info.st_size
                count += 1
                if total > MAX_TOTAL_MB * 1024 * 1024 or count > MAX_FILES:
                    found.append((rel, _("past the submission's caps ({files} files, {mb} MB)").format(
                        files=MAX_FILES, mb=MAX_TOTAL_MB)))
        dirnames[:] = [d for d in dirnames if not os.path.islink(Path(dirpath) / d)]
    return found


def checked_copy(source: Path, target: Path) -> CheckedCopy:
    """Copy ``source`` to ``target`` with regular files only; flag what was left out."""
    if os.path.islink(source) or not source.is_dir():
        raise CourseError(_("{path} is not a folder (a link?): submissions must be plain folders").format(path=source))
    left_out = dict(unsafe_entries(source))
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    result = CheckedCopy(target)
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames[:] = [d for d in dirnames if not os.path.islink(Path(dirpath) / d)]
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(source).as_posix()
            if rel in left_out:
                continue
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "rb", opener=_no_follow) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
            shutil.copystat(path, out, follow_symlinks=False)
    result.flags = [_("{name} was left out of grading: {why}").format(name=rel, why=why)
                    for rel, why in sorted(left_out.items())]
    return result


def _no_follow(path, flags):
    return os.open(path, flags | os.O_NOFOLLOW)


class RefuseUnsafeSubmission(Preprocessor):
    """Sanitising step for plain ``nbgrader autograde`` and the formgrader: a submission with links is not graded.

    nbgrader has already copied the submission into ``autograded/`` when this
    runs; whatever it copied from an unsafe entry is deleted here, then the
    student's grading fails with the reason (``mali-ssr grade`` grades a
    checked copy instead, and only flags).
    """

    enabled = True

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        student, assignment = info.get("student"), info.get("assignment")
        if not (student and assignment):
            return nb, resources
        course = Course.from_config(self.config, os.getcwd())
        submitted = course.submission(student, assignment)
        if os.path.islink(submitted):
            bad = [(".", _("the submission folder itself is a symbolic link"))]
        else:
            bad = unsafe_entries(submitted) if submitted.is_dir() else []
        if bad:
            copied = course.autograded(student, assignment)
            for rel, _why in bad:
                target = copied / rel
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target, ignore_errors=True)
                elif target.exists() or target.is_symlink():
                    target.unlink()
            raise CourseError(_("not graded: the submission holds entries that are not plain files ({entries}); "
                                "ask the student to hand in plain files").format(
                entries="; ".join(f"{rel}: {why}" for rel, why in bad)))
        return nb, resources
