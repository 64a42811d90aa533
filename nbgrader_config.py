"""nbgrader configuration for the Mali SSR course.

Run plain `nbgrader` commands from this folder (the repository root): it is the
course directory. Assignments are written once, with nbgrader markup, in
`solutions/` (nbgrader's source directory); `nbgrader generate_assignment`
produces the student copies in `exercises/` (nbgrader's release directory).
"""

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.course_id = "mali-ssr"

# Lecture-sized notebooks: a cell that runs longer than this is stuck.
c.Execute.timeout = 60
c.ExecutePreprocessor.timeout = 60

# Student notebooks are checked for these markers when generating exercises.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback never shows hidden tests: neither their code nor the traceback lines that quote it.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "mali_ssr.grading.feedback.ShortTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# ---------------------------------------------------------------- the class's own variant
# With a class secret (`mali-ssr class-secret` writes .mali-ssr/class-secret), generate_assignment gives the class its
# own parameters for every autograded question (mali_ssr/grading/variants.py); without one, the public variant.
# The step comes first, so the gradebook records the class's locked cells and hidden tests.
c.GenerateAssignment.preprocessors = [
    "mali_ssr.grading.variants.ApplyClassVariant",
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# ---------------------------------------------------------------- the grading sandbox
# Every route that runs student code for grading (`mali-ssr grade`, `nbgrader autograde`, the formgrader's
# Autograde button, `nbgrader validate`) starts its kernels through mali_ssr.sandbox (docs/grading-safety.md):
# bubblewrap, no network, nothing of the course visible, limits for the whole process tree. Where the sandbox
# cannot run, nothing is graded unless you set allow_unsandboxed. Turning it off is the only other way round it.
c.SandboxKernelManager.enabled = True
c.SandboxKernelManager.allow_unsandboxed = False
c.SandboxKernelManager.memory_mb = 2048      # the kernel's whole process tree
c.SandboxKernelManager.cpu_seconds = 300
c.SandboxKernelManager.processes = 128
c.SandboxKernelManager.disk_mb = 128         # each private file system (/tmp, the working folder, the run folder)
c.SandboxKernelManager.output_mb = 4         # all that one notebook may print or display

from mali_ssr.sandbox.kernel import SandboxedValidator  # noqa: E402

SandboxedValidator.install()  # nbgrader's Validator has no setting for its execute step: `nbgrader validate` too

# Submissions are plain data: a submission holding links, devices or FIFOs is not graded (mali_ssr/grading/submissions.py).
# Hidden tests never enter the kernel; every test is graded again outside it on the values the kernel reports, and
# the stored output of a test cell is the grader's verdict (mali_ssr/grading/recheck.py).
c.Autograde.sanitize_preprocessors = [
    "mali_ssr.grading.submissions.RefuseUnsafeSubmission",
    "mali_ssr.grading.tampering.NormaliseMetadata",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "mali_ssr.grading.recheck.RecheckingExecute",
    "mali_ssr.grading.recheck.ApplyRecheck",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
