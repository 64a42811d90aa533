"""Strict answer checks for the assignments' test cells.

Every test cell uses these helpers, so that every question is checked the same
careful way:

* types are checked *exactly* (``type(x) is int``, not ``isinstance``), so an
  object of a student-made class can never stand in for a number, a string or a
  list, whatever its ``__eq__``, ``__bool__``, ``__hash__`` or ``__float__`` say;
* once the type is a plain built-in, comparisons use the built-in behaviour
  only, and numbers are compared with a tolerance;
* a failed check raises :class:`AnswerError` (an ``AssertionError``, which is
  what nbgrader counts as a failed test) with a message that says *what* is
  wrong without giving the answer away;
* a passed check returns ``None``, so a test cell shows no stray ``True``
  (nbgrader would try to read it as a partial score).

>>> expect_number(0.3333, 1 / 3, tolerance=1e-3)
>>> try:
...     expect_choice("e", "abcd")
... except AnswerError as err:
...     print(err)
your answer ('e') should be one of: a, b, c, d.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterable
from typing import Any

# Captured once, at import: a student cell that later replaces a builtin
# (for example ``type`` or ``isinstance``) does not change what these see.
_type, _len, _sorted, _repr, _isfinite, _isclose = type, len, sorted, repr, math.isfinite, math.isclose
_str, _int, _float, _bool, _list, _tuple, _dict, _set, _frozenset = str, int, float, bool, list, tuple, dict, set, frozenset
_NoneType = type(None)
_FunctionType = types.FunctionType

TYPE_NAMES = {
    int: "a whole number (int)",
    float: "a decimal number (float)",
    str: "text (str)",
    bool: "True or False (bool)",
    list: "a list",
    tuple: "a tuple",
    dict: "a dictionary (dict)",
    set: "a set",
    frozenset: "a frozenset",
    type(None): "None",
    types.FunctionType: "a function defined with def",
}


class AnswerError(AssertionError):
    """An answer is wrong; the message tells the student what to look at."""


def _describe(value: Any) -> str:
    kind = _type(value)
    if kind in TYPE_NAMES:
        return TYPE_NAMES[kind]
    return f"an object of type {kind.__name__}"


def _show(value: Any) -> str:
    """A short, safe preview of a value of a built-in type (never calls user code)."""
    kind = _type(value)
    if kind in (_str, _int, _float, _bool, _NoneType):
        text = _repr(value)
        return text if _len(text) <= 40 else text[:37] + "..."
    return _describe(value)


def _fail(message: str) -> None:
    raise AnswerError(message)


def expect_type(value: Any, *expected: type, name: str = "your answer") -> None:
    """``value`` is exactly one of the ``expected`` built-in types (no subclasses)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    if _type(value) not in expected:
        wanted = " or ".join(TYPE_NAMES.get(t, t.__name__) for t in expected)
        _fail(f"{name} should be {wanted}, but it is {_describe(value)}.")


def expect_number(value: Any, expected: float, tolerance: float = 1e-6, name: str = "your answer") -> None:
    """A plain int or float close to ``expected`` (relative or absolute ``tolerance``)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _int, _float, name=name)
    number = _float(value)
    if not _isfinite(number):
        _fail(f"{name} is {number}, which is not a finite number.")
    if not _isclose(number, _float(expected), rel_tol=tolerance, abs_tol=tolerance):
        _fail(f"{name} ({_show(value)}) is not the right value. Check your calculation.")


def expect_in_range(value: Any, low: float, high: float, name: str = "your answer") -> None:
    """A plain number between ``low`` and ``high`` (inclusive): a visible sanity check."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _int, _float, name=name)
    if not (_isfinite(_float(value)) and low <= value <= high):
        _fail(f"{name} ({_show(value)}) should be between {low} and {high}.")


def _normal(text: str) -> str:
    return _str.lower(_str.strip(text))


def expect_choice(value: Any, options: Iterable[str], name: str = "your answer") -> None:
    """One of the option letters (or words), ignoring case and spaces: a visible check."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _str, name=name)
    allowed = [_normal(o) for o in options]
    if _normal(value) not in allowed:
        _fail(f"{name} ({_show(value)}) should be one of: {', '.join(allowed)}.")


def expect_option(value: Any, expected: str, name: str = "your answer") -> None:
    """The chosen option is ``expected`` (ignoring case and spaces)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _str, name=name)
    if _normal(value) != _normal(expected):
        _fail(f"{name} ({_show(value)}) is not the best option. Re-read the source's argument.")


def _canonical(value: Any, name: str) -> Any:
    """A sortable, comparable form of a nested built-in value; refuse anything else."""
    kind = _type(value)
    if kind in (_str, _int, _bool, _NoneType):
        return (kind.__name__, value)
    if kind is _float:
        if not _isfinite(value):
            _fail(f"{name} contains {value}, which is not a finite number.")
        return ("float", value)
    if kind in (_list, _tuple):
        return (kind.__name__, _tuple(_canonical(v, name) for v in value))
    if kind in (_set, _frozenset):
        return ("set", _tuple(_sorted((_canonical(v, name) for v in value), key=_repr)))
    if kind is _dict:
        items = [(_canonical(k, name), _canonical(v, name)) for k, v in _dict.items(value)]
        return ("dict", _tuple(_sorted(items, key=_repr)))
    _fail(f"{name} contains {_describe(value)}; use only numbers, text, lists and dictionaries.")


def _same(value: Any, expected: Any) -> bool:
    """Compare a value already checked by ``_canonical`` with a trusted expected value."""
    kv, ke = _type(value), _type(expected)
    if ke in (_int, _float):
        return kv in (_int, _float) and _isclose(_float(value), _float(expected), rel_tol=1e-6, abs_tol=1e-9)
    if ke in (_list, _tuple):
        return kv is ke and _len(value) == _len(expected) and all(_same(a, b) for a, b in zip(value, expected, strict=True))
    if ke is _dict:
        if kv is not _dict or _len(value) != _len(expected):
            return False
        keys = {_canonical(k, "key"): k for k in _dict.keys(value)}
        for k, v in _dict.items(expected):
            mine = keys.get(_canonical(k, "key"))
            if mine is None and _canonical(k, "key") not in keys:
                return False
            if not _same(_dict.__getitem__(value, mine), v):
                return False
        return True
    if ke in (_set, _frozenset):
        return kv in (_set, _frozenset) and _canonical(value, "set") == _canonical(expected, "set")
    return kv is ke and value == expected  # str, bool, None: built-in equality only


def expect_equal(value: Any, expected: Any, name: str = "your answer") -> None:
    """Deep equality for built-in values, exact types at every level, numbers with a tolerance."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    numeric = (_int, _float) if _type(expected) in (_int, _float) else ()
    expect_type(value, _type(expected), *numeric, name=name)
    _canonical(value, name)  # refuses any non-built-in object hidden inside
    if not _same(value, expected):
        _fail(f"{name} is not right yet. Check each element against the course data.")


def expect_length(value: Any, length: int, name: str = "your answer") -> None:
    """A list, tuple, set or dict with exactly ``length`` elements."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _list, _tuple, _set, _frozenset, _dict, name=name)
    size = {_list: _list.__len__, _tuple: _tuple.__len__, _set: _set.__len__,
            _frozenset: _frozenset.__len__, _dict: _dict.__len__}[_type(value)](value)
    if size != length:
        _fail(f"{name} has {size} element(s); it should have {length}.")


def expect_same_items(value: Any, expected: Iterable[Any], name: str = "your answer") -> None:
    """A list (or tuple or set) holding the same items as ``expected``, in any order."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _list, _tuple, _set, _frozenset, name=name)
    got = _sorted((_canonical(v, name) for v in value), key=_repr)
    want = _sorted((_canonical(v, "expected") for v in expected), key=_repr)
    if _len(got) != _len(want):
        _fail(f"{name} has {_len(got)} item(s); it should have {_len(want)}.")
    if got != want:
        missing = _len([w for w in want if w not in got])
        _fail(f"{name} has the right number of items, but {missing} of them are not the expected ones.")


def expect_keys(value: Any, keys: Iterable[Any], name: str = "your answer") -> None:
    """A dict with exactly these keys (a visible check that does not reveal the values)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _dict, name=name)
    got = _sorted((_canonical(k, name) for k in _dict.keys(value)), key=_repr)
    want = _sorted((_canonical(k, "expected") for k in keys), key=_repr)
    if got != want:
        _fail(f"{name} should have exactly the keys {', '.join(_repr(k) for k in keys)}.")


def expect_function(value: Any, name: str = "your function") -> None:
    """A function defined with ``def`` (not a class, a lambda stored in an object, or a builtin)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    if _type(value) is not _FunctionType:
        _fail(f"{name} should be a function defined with def, but it is {_describe(value)}.")


def expect_returns(function: Callable, cases: Iterable[tuple[tuple, Any]], name: str = "your function",
                   reveal: bool = False) -> None:
    """Call ``function`` on each case's arguments and compare with the expected result.

    With ``reveal=True`` (visible tests) the message shows the input that failed;
    hidden tests keep it to themselves.
    """
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_function(function, name)
    for args, expected in cases:
        shown = ", ".join(_show(a) for a in args)
        try:
            result = function(*args)
        except Exception as exc:  # the student's code raised: say so plainly
            where = f" for input ({shown})" if reveal else ""
            _fail(f"{name} raised {_type(exc).__name__}{where}: {exc}")
        where = f" for input ({shown})" if reveal else " for one of the test inputs"
        try:
            expect_equal(result, expected, name=f"the result of {name}{where}")
        except AnswerError as exc:
            _fail(str(exc))
