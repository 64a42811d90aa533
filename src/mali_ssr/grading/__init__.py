"""The instructor side: grading a class with nbgrader, safely and in parallel.

One job per module:

- :mod:`.course`: the course folder, read once through nbgrader's own ``CourseDirectory``;
- :mod:`.gradebook`: the gradebook, opened in one place;
- :mod:`.notebooks`: the one reader of nbgrader cell metadata;
- :mod:`.submissions`: the checked copy that takes a submission as plain data;
- :mod:`.tampering`: flags for the instructor, and the metadata repair, from one view of the released cells;
- :mod:`.recheck`: hidden tests kept out of the kernel, every test graded again outside it;
- :mod:`.runner`: ``mali-ssr grade``, the parallel scheduler;
- :mod:`.feedback`: feedback that never shows hidden tests;
- :mod:`.report`: ``mali-ssr report``: scores per question, pending marks said as such.

The sandbox that every grading kernel runs in is :mod:`mali_ssr.sandbox`.
"""

from .course import Course, CourseError
from .runner import GradeResult, grade


def gradebook_snapshot(root, assignment: str) -> dict:
    """Everything the gradebook holds about an assignment's submissions (see :func:`.gradebook.snapshot`)."""
    from .gradebook import snapshot

    return snapshot(Course.load(root), assignment)


__all__ = ["Course", "CourseError", "GradeResult", "grade", "gradebook_snapshot"]
