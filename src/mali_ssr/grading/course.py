"""The course folder, read once through nbgrader's own configuration (``CourseDirectory``).

Nothing else in the package spells the course's folder names: the source,
release, submitted, autograded and feedback folders, the course id and the
gradebook's address all come from ``nbgrader_config.py`` through nbgrader's
:class:`~nbgrader.coursedir.CourseDirectory`, so a course that renames them
keeps working. The tool's own state (logs, flags, checked copies) lives in
``<root>/.mali-ssr/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..i18n import _

CONFIG_FILE = "nbgrader_config.py"
STATE_DIR = ".mali-ssr"
DB_TIMEOUT_SECONDS = 120


class CourseError(RuntimeError):
    """The course directory or the request is wrong; the message says how to fix it."""


@dataclass(frozen=True)
class Course:
    root: Path
    coursedir: object  # nbgrader.coursedir.CourseDirectory

    @classmethod
    def load(cls, root: str | Path = ".") -> Course:
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        root = Path(root).resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(_("{root} is not a course directory: {config} is missing. Run this command from the "
                                "course's root folder (the one with {config}).").format(root=root, config=CONFIG_FILE))
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
        coursedir = CourseDirectory(config=config)
        coursedir.root = str(root)
        return cls(root, coursedir)

    @classmethod
    def from_config(cls, config, root: str | Path = ".") -> Course:
        """The course as a running nbgrader command sees it (its config, command-line overrides included)."""
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=config)
        coursedir.root = str(Path(root).resolve())
        return cls(Path(coursedir.root), coursedir)

    # --------------------------------------------------------------- folders
    def _folder(self, step: str) -> Path:
        return self.root / getattr(self.coursedir, f"{step}_directory")

    @property
    def source_dir(self) -> Path:
        return self._folder("source")

    @property
    def release_dir(self) -> Path:
        return self._folder("release")

    @property
    def submitted_dir(self) -> Path:
        return self._folder("submitted")

    @property
    def autograded_dir(self) -> Path:
        return self._folder("autograded")

    @property
    def feedback_dir(self) -> Path:
        return self._folder("feedback")

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id or "default_course"

    @cached_property
    def db_url(self) -> str:
        url = self.coursedir.db_url
        if url.startswith("sqlite:///") and "?" not in url:
            url += f"?timeout={DB_TIMEOUT_SECONDS}"  # parallel graders wait for each other rather than fail
        return url

    @property
    def gradebook_file(self) -> Path | None:
        url = self.coursedir.db_url
        return Path(url[len("sqlite:///"):].split("?")[0]) if url.startswith("sqlite:///") else None

    # ------------------------------------------------------------ per assignment
    def assignments(self) -> list[str]:
        return sorted(p.name for p in self.source_dir.iterdir() if p.is_dir()) if self.source_dir.is_dir() else []

    def submission(self, student: str, assignment: str) -> Path:
        return self.submitted_dir / student / assignment

    def autograded(self, student: str, assignment: str) -> Path:
        return self.autograded_dir / student / assignment

    def released_notebook(self, assignment: str, name: str) -> Path:
        return self.release_dir / assignment / name

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted((self.source_dir / assignment).glob("*.ipynb"))

    def support_files(self, assignment: str) -> list[str]:
        """The assignment's own non-notebook files, the only files a sandboxed kernel gets beside the notebook."""
        base = self.source_dir / assignment
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                      if p.is_file() and not p.is_symlink() and p.suffix != ".ipynb"
                      and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts)

    def students_who_submitted(self, assignment: str) -> list[str]:
        return sorted(p.parent.name for p in self.submitted_dir.glob(f"*/{assignment}") if p.is_dir())

    def require_assignment(self, assignment: str) -> None:
        if not (self.source_dir / assignment).is_dir():
            raise CourseError(_("unknown assignment {assignment!r}; the course has: {known}").format(
                assignment=assignment, known=", ".join(self.assignments()) or _("none")))
