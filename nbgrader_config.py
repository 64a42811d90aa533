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
    "mali_ssr.feedback.ShortTracebacks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Every test that passes inside the student's kernel is re-checked outside it (mali_ssr/integrity.py):
# before each test cell the kernel reports the values it tests as plain text, and the test runs again in the grader.
c.Autograde.sanitize_preprocessors = [
    "mali_ssr.integrity.NormaliseMetadata",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "mali_ssr.integrity.RecheckingExecute",
    "mali_ssr.integrity.ApplyRecheck",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
