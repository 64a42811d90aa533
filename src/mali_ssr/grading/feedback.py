"""Keep hidden tests hidden in the feedback students receive.

nbgrader's autograde puts the full test cells back into each submission,
hidden tests included, and ``generate_feedback`` renders them as they are. Two
things would then show a student the expected answers: the hidden test code
itself, and the traceback of a failed hidden test, which quotes the failing
line. The course's ``nbgrader_config.py`` adds nbgrader's ``ClearHiddenTests``
and this preprocessor to ``GenerateFeedback``: a failed test's output keeps
only its last line, the message written for the student.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor


class ShortTracebacks(Preprocessor):
    """Reduce the error output of test cells to the exception's name and message."""

    enabled = True  # nbconvert preprocessors are off unless enabled; this one must always run

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
