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
