"""The strict comparison helpers: right answers pass, wrong and lying ones fail clearly."""

import math

import pytest

from mali_ssr.answer_checks import (
    AnswerError,
    expect_choice,
    expect_equal,
    expect_function,
    expect_in_range,
    expect_keys,
    expect_length,
    expect_number,
    expect_option,
    expect_returns,
    expect_same_items,
    expect_type,
)


class LiesAboutEverything:
    """A hostile answer: equal to anything, truthy, hashes like anything, floats to anything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __hash__(self):
        return hash(1968)

    def __bool__(self):
        return True

    def __float__(self):
        return 1968.0

    def __index__(self):
        return 1968

    def __lt__(self, other):
        return False

    __le__ = __ge__ = __gt__ = __lt__


class SneakyInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class SneakyStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


LIARS = [LiesAboutEverything(), SneakyInt(3), SneakyStr("b")]


@pytest.mark.parametrize("liar", LIARS, ids=["object", "int-subclass", "str-subclass"])
@pytest.mark.parametrize("check", [
    lambda v: expect_number(v, 1968),
    lambda v: expect_equal(v, 1968),
    lambda v: expect_equal(v, "b"),
    lambda v: expect_option(v, "b"),
    lambda v: expect_equal([v], [1968]),
    lambda v: expect_equal({"a": v}, {"a": 1968}),
    lambda v: expect_same_items([v, v], ["x", "y"]),
    lambda v: expect_equal({v: 1}, {"b": 1}),
], ids=["number", "equal-int", "equal-str", "option", "nested-list", "nested-dict", "items", "dict-key"])
def test_a_lying_object_never_passes(liar, check):
    with pytest.raises(AnswerError):
        check(liar)


def test_type_messages_say_what_is_wrong():
    with pytest.raises(AnswerError, match=r"q1 should be a whole number \(int\), but it is text \(str\)"):
        expect_type("1968", int, name="q1")
    with pytest.raises(AnswerError, match="an object of type LiesAboutEverything"):
        expect_type(LiesAboutEverything(), int)
    expect_type(True, bool)
    with pytest.raises(AnswerError):
        expect_type(True, int)  # True is not a number answer


def test_numbers():
    expect_number(0.25, 1 / 4)
    expect_number(1968, 1968.0)
    with pytest.raises(AnswerError, match="not the right value"):
        expect_number(1969, 1968)
    with pytest.raises(AnswerError, match="not a finite number"):
        expect_number(math.nan, 1968)
    expect_in_range(1968, 1960, 2024)
    with pytest.raises(AnswerError, match="between 1960 and 2024"):
        expect_in_range(1900, 1960, 2024)


def test_choices_ignore_case_and_spaces():
    expect_choice(" B ", "abcd")
    expect_option("b ", "B")
    with pytest.raises(AnswerError, match="one of: a, b, c, d"):
        expect_choice("e", "abcd")
    with pytest.raises(AnswerError, match="not the best option"):
        expect_option("a", "b")


def test_equal_is_deep_and_type_exact():
    expect_equal({"cma": ["mnla", "hcua"], "n": 2}, {"n": 2.0, "cma": ["mnla", "hcua"]})
    with pytest.raises(AnswerError):
        expect_equal(("mnla", "hcua"), ["mnla", "hcua"])
    with pytest.raises(AnswerError, match="not right yet"):
        expect_equal(["hcua", "mnla"], ["mnla", "hcua"])
    with pytest.raises(AnswerError):
        expect_equal({"a": 1, "b": 2}, {"a": 1, "c": 2})


def test_same_items_in_any_order():
    expect_same_items(["b", "a"], ["a", "b"])
    with pytest.raises(AnswerError, match="has 1 item"):
        expect_same_items(["a"], ["a", "b"])
    with pytest.raises(AnswerError, match="1 of them is not"):
        expect_same_items(["a", "c"], ["a", "b"])


def test_length_and_keys_do_not_reveal_values():
    expect_length([1, 2, 3], 3)
    with pytest.raises(AnswerError, match="has 2 element"):
        expect_length([1, 2], 3)
    expect_keys({"cma": 1, "platform": 2}, ["platform", "cma"])
    with pytest.raises(AnswerError, match="exactly the keys"):
        expect_keys({"cma": 1}, ["platform", "cma"])


def test_functions():
    def double(x):
        return 2 * x

    expect_function(double)
    with pytest.raises(AnswerError, match="function defined with def"):
        expect_function(print)
    expect_returns(double, [((2,), 4), ((0.5,), 1.0)])
    with pytest.raises(AnswerError, match=r"for input \(3\)"):
        expect_returns(double, [((3,), 7)], reveal=True)
    with pytest.raises(AnswerError, match="one of the test inputs"):
        expect_returns(double, [((3,), 7)])

    def crash(x):
        raise ZeroDivisionError("boom")

    with pytest.raises(AnswerError, match="raised ZeroDivisionError"):
        expect_returns(crash, [((1,), 1)])

    def returns_liar(x):
        return LiesAboutEverything()

    with pytest.raises(AnswerError):
        expect_returns(returns_liar, [((1,), 1)])


def test_answer_error_is_an_assertion_error():
    assert issubclass(AnswerError, AssertionError)


# ------------------------------------------------- what a non-programmer sees (issue #16)


class _FakeShell:
    """Records what IPython would be asked to show."""

    def __init__(self):
        self.shown, self.custom = [], None

    def _showtraceback(self, etype, value, stb):
        self.shown.append((etype, stb))

    def set_custom_exc(self, exc_tuple, handler):
        self.custom = (exc_tuple, handler)


@pytest.mark.parametrize("error, expected", [
    (NotImplementedError(), "replace the line `raise NotImplementedError()` with your answer"),
    (NameError("name 'first_coup_year' is not defined", name="first_coup_year"),
     "`first_coup_year` is not defined yet: run your answer cell first"),
    (AnswerError("first_coup_year should be a whole number (int), but it is text (str): change your answer cell "
                 "and run it again."), "first_coup_year should be a whole number (int), but it is text (str)"),
])
def test_a_missing_or_wrong_answer_shows_one_plain_sentence(error, expected):
    from mali_ssr.answer_checks import PLAIN_ERRORS, _plain_traceback, use_plain_errors

    shell = _FakeShell()
    use_plain_errors(shell)
    assert shell.custom == (PLAIN_ERRORS, _plain_traceback)
    try:
        raise error
    except type(error) as exc:
        stb = _plain_traceback(shell, type(exc), exc, exc.__traceback__)
    assert len(stb) == 1 and expected in stb[0]
    assert stb[0].count(".") <= 2 and "Traceback" not in stb[0] and "answer_checks.py" not in stb[0]
    # still shown as an *error* (what nbgrader counts as a failed test), with the sentence as its only line
    assert shell.shown == [(type(error), stb)]


def test_a_wrong_type_in_a_real_ipython_cell_is_an_error_with_one_line(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    from mali_ssr.answer_checks import use_plain_errors

    shell = InteractiveShell.instance()
    try:
        use_plain_errors(shell)
        result = shell.run_cell("from mali_ssr.answer_checks import expect_type\n"
                                "expect_type('1968', int, name='first_coup_year')")
        shown = capsys.readouterr().out.strip()
        assert not result.success and isinstance(result.error_in_exec, AnswerError)  # the cell failed
        assert shown == ("first_coup_year should be a whole number (int), but it is text (str): change your answer "
                         "cell and run it again.")
        result = shell.run_cell("1 / 0")  # not a course check: Python's usual traceback
        assert "ZeroDivisionError" in capsys.readouterr().out and not result.success
    finally:
        InteractiveShell.clear_instance()


def test_the_history_keeps_the_sentence_shown_not_a_second_full_traceback(capsys):
    """IPython 9 formats every error a second time for its history; for a course check's error it keeps the
    sentence instead (the grading kernels' CPU went a quarter to those tracebacks). Other errors stay as they were."""
    from IPython.core.interactiveshell import InteractiveShell

    from mali_ssr.answer_checks import use_plain_errors

    shell = InteractiveShell.instance()
    if not hasattr(shell, "_format_exception_for_storage"):
        InteractiveShell.clear_instance()
        pytest.skip("this IPython keeps no formatted tracebacks in its history")
    try:
        use_plain_errors(shell)
        wrapped = shell._format_exception_for_storage
        use_plain_errors(shell)  # the set-up cell and the import both call it: wrapped once
        assert shell._format_exception_for_storage is wrapped
        shell.run_cell("raise NotImplementedError()", store_history=True)
        shown = capsys.readouterr().out.strip()
        stored = shell.history_manager.exceptions[shell.execution_count - 1]
        assert stored == {"ename": "NotImplementedError", "evalue": "", "traceback": [shown]}
        assert shown.startswith("This answer is not written yet")
        shell.run_cell("1 / 0", store_history=True)
        capsys.readouterr()
        stored = shell.history_manager.exceptions[shell.execution_count - 1]
        assert stored["ename"] == "ZeroDivisionError" and len("".join(stored["traceback"])) > len(shown)
    finally:
        InteractiveShell.clear_instance()


def test_a_right_form_is_said_neutrally(capsys):
    from mali_ssr.answer_checks import form_ok

    form_ok("first_coup_year", "number_of_coups")
    out = capsys.readouterr().out
    assert out == "Form OK (first_coup_year, number_of_coups) — the answer itself is checked at grading.\n"
    assert "✓" not in out and "<" not in out  # no tick, no coloured markup


@pytest.mark.slow
def test_nbgrader_still_fails_an_unanswered_exercise_and_shows_the_plain_sentences():
    """``nbgrader validate`` on an untouched exercise: every graded test fails, each with a plain sentence."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from mali_ssr.exercises import nbgrader_env

    root = Path(__file__).resolve().parents[1]
    exercise = root / "exercises" / "01_history" / "01_history.ipynb"
    graded = [c for c in json.loads(exercise.read_text())["cells"]
              if c.get("metadata", {}).get("nbgrader", {}).get("grade") and c["cell_type"] == "code"]
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(exercise)], cwd=root,
                          env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert len(graded) == 4
    # every autograded test still fails (the written answers fail with nbgrader's own "no response")...
    assert "VALIDATION FAILED ON 6 CELL(S)" in output, output[-3000:]
    # ...each with the plain sentence as its whole error, no traceback
    assert output.count("is not defined yet: run your answer cell first") == len(graded), output[-3000:]
    assert "Traceback (most recent call last)" not in output and "answer_checks.py" not in output
