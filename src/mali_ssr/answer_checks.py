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

from .i18n import N_, _, ngettext

# Captured once, at import: a student cell that later replaces a builtin
# (for example ``type`` or ``isinstance``) does not change what these see.
_type, _len, _sorted, _repr, _isfinite, _isclose = type, len, sorted, repr, math.isfinite, math.isclose
_str, _int, _float, _bool, _list, _tuple, _dict, _set, _frozenset = str, int, float, bool, list, tuple, dict, set, frozenset
_NoneType = type(None)
_FunctionType = types.FunctionType

TYPE_NAMES = {
    int: N_("a whole number (int)"),
    float: N_("a decimal number (float)"),
    str: N_("text (str)"),
    bool: N_("True or False (bool)"),
    list: N_("a list"),
    tuple: N_("a tuple"),
    dict: N_("a dictionary (dict)"),
    set: N_("a set"),
    frozenset: N_("a frozenset"),
    type(None): "None",
    types.FunctionType: N_("a function defined with def"),
}


class AnswerError(AssertionError):
    """An answer is wrong; the message tells the student what to look at."""


def _describe(value: Any) -> str:
    kind = _type(value)
    if kind in TYPE_NAMES:
        return _(TYPE_NAMES[kind])
    return _("an object of type {type}").format(type=kind.__name__)


def _show(value: Any) -> str:
    """A short, safe preview of a value of a built-in type (never calls user code)."""
    kind = _type(value)
    if kind in (_str, _int, _float, _bool, _NoneType):
        text = _repr(value)
        return text if _len(text) <= 40 else text[:37] + "..."
    return _describe(value)


def _fail(message: str) -> None:
    raise AnswerError(message)


def _answer(name: str | None) -> str:
    return _("your answer") if name is None else name


def expect_type(value: Any, *expected: type, name: str | None = None) -> None:
    """``value`` is exactly one of the ``expected`` built-in types (no subclasses)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    if _type(value) not in expected:
        wanted = _(" or ").join(_(TYPE_NAMES[t]) if t in TYPE_NAMES else t.__name__ for t in expected)
        _fail(_("{name} should be {wanted}, but it is {found}: change your answer cell and run it again.").format(
            name=_answer(name), wanted=wanted, found=_describe(value)))


def expect_number(value: Any, expected: float, tolerance: float = 1e-6, name: str | None = None) -> None:
    """A plain int or float close to ``expected`` (relative or absolute ``tolerance``)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _int, _float, name=name)
    number = _float(value)
    if not _isfinite(number):
        _fail(_("{name} is {value}, which is not a finite number: give an ordinary number.").format(
            name=_answer(name), value=number))
    if not _isclose(number, _float(expected), rel_tol=tolerance, abs_tol=tolerance):
        _fail(_("{name} ({value}) is not the right value: check your calculation.").format(
            name=_answer(name), value=_show(value)))


def expect_in_range(value: Any, low: float, high: float, name: str | None = None) -> None:
    """A plain number between ``low`` and ``high`` (inclusive): a visible sanity check."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _int, _float, name=name)
    if not (_isfinite(_float(value)) and low <= value <= high):
        _fail(_("{name} ({value}) should be between {low} and {high}.").format(
            name=_answer(name), value=_show(value), low=low, high=high))


def _normal(text: str) -> str:
    return _str.lower(_str.strip(text))


def expect_choice(value: Any, options: Iterable[str], name: str | None = None) -> None:
    """One of the option letters (or words), ignoring case and spaces: a visible check."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _str, name=name)
    allowed = [_normal(o) for o in options]
    if _normal(value) not in allowed:
        _fail(_("{name} ({value}) should be one of: {options}.").format(
            name=_answer(name), value=_show(value), options=", ".join(allowed)))


def expect_option(value: Any, expected: str, name: str | None = None) -> None:
    """The chosen option is ``expected`` (ignoring case and spaces)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _str, name=name)
    if _normal(value) != _normal(expected):
        _fail(_("{name} ({value}) is not the best option: re-read the source's argument.").format(
            name=_answer(name), value=_show(value)))


def _canonical(value: Any, name: str) -> Any:
    """A sortable, comparable form of a nested built-in value; refuse anything else."""
    kind = _type(value)
    if kind in (_str, _int, _bool, _NoneType):
        return (kind.__name__, value)
    if kind is _float:
        if not _isfinite(value):
            _fail(_("{name} contains {value}, which is not a finite number: give an ordinary number.").format(
                name=name, value=value))
        return ("float", value)
    if kind in (_list, _tuple):
        return (kind.__name__, _tuple(_canonical(v, name) for v in value))
    if kind in (_set, _frozenset):
        return ("set", _tuple(_sorted((_canonical(v, name) for v in value), key=_repr)))
    if kind is _dict:
        items = [(_canonical(k, name), _canonical(v, name)) for k, v in _dict.items(value)]
        return ("dict", _tuple(_sorted(items, key=_repr)))
    _fail(_("{name} contains {found}; use only numbers, text, lists and dictionaries.").format(
        name=name, found=_describe(value)))


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


def expect_equal(value: Any, expected: Any, name: str | None = None) -> None:
    """Deep equality for built-in values, exact types at every level, numbers with a tolerance."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    numeric = (_int, _float) if _type(expected) in (_int, _float) else ()
    expect_type(value, _type(expected), *numeric, name=name)
    _canonical(value, _answer(name))  # refuses any non-built-in object hidden inside
    if not _same(value, expected):
        _fail(_("{name} is not right yet: check each element against the course data.").format(name=_answer(name)))


def expect_length(value: Any, length: int, name: str | None = None) -> None:
    """A list, tuple, set or dict with exactly ``length`` elements."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _list, _tuple, _set, _frozenset, _dict, name=name)
    size = {_list: _list.__len__, _tuple: _tuple.__len__, _set: _set.__len__,
            _frozenset: _frozenset.__len__, _dict: _dict.__len__}[_type(value)](value)
    if size != length:
        _fail(ngettext("{name} has {size} element; it should have {length}.",
                       "{name} has {size} elements; it should have {length}.", size).format(
            name=_answer(name), size=size, length=length))


def expect_same_items(value: Any, expected: Iterable[Any], name: str | None = None) -> None:
    """A list (or tuple or set) holding the same items as ``expected``, in any order."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _list, _tuple, _set, _frozenset, name=name)
    got = _sorted((_canonical(v, _answer(name)) for v in value), key=_repr)
    want = _sorted((_canonical(v, "expected") for v in expected), key=_repr)
    if _len(got) != _len(want):
        _fail(ngettext("{name} has {size} item; it should have {length}.",
                       "{name} has {size} items; it should have {length}.", _len(got)).format(
            name=_answer(name), size=_len(got), length=_len(want)))
    if got != want:
        missing = _len([w for w in want if w not in got])
        _fail(ngettext("{name} has the right number of items, but {missing} of them is not one of the expected ones.",
                       "{name} has the right number of items, but {missing} of them are not the expected ones.",
                       missing).format(name=_answer(name), missing=missing))


def expect_keys(value: Any, keys: Iterable[Any], name: str | None = None) -> None:
    """A dict with exactly these keys (a visible check that does not reveal the values)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    expect_type(value, _dict, name=name)
    keys = _list(keys)
    got = _sorted((_canonical(k, _answer(name)) for k in _dict.keys(value)), key=_repr)
    want = _sorted((_canonical(k, "expected") for k in keys), key=_repr)
    if got != want:
        _fail(_("{name} should have exactly the keys {keys}.").format(
            name=_answer(name), keys=", ".join(_repr(k) for k in keys)))


def expect_function(value: Any, name: str | None = None) -> None:
    """A function defined with ``def`` (not a class, a lambda stored in an object, or a builtin)."""
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    if _type(value) is not _FunctionType:
        _fail(_("{name} should be a function defined with def, but it is {found}.").format(
            name=_("your function") if name is None else name, found=_describe(value)))


def expect_returns(function: Callable, cases: Iterable[tuple[tuple, Any]], name: str | None = None,
                   reveal: bool = False) -> None:
    """Call ``function`` on each case's arguments and compare with the expected result.

    With ``reveal=True`` (visible tests) the message shows the input that failed;
    hidden tests keep it to themselves.
    """
    __tracebackhide__ = True  # IPython shows the student the message, not this file's frames
    name = _("your function") if name is None else name
    expect_function(function, name)
    for args, expected in cases:
        shown = ", ".join(_show(a) for a in args)
        try:
            result = function(*args)
        except Exception as exc:  # the student's code raised: say so plainly
            if reveal:
                _fail(_("{name} raised {error} for input ({inputs}): {detail}").format(
                    name=name, error=_type(exc).__name__, inputs=shown, detail=exc))
            _fail(_("{name} raised {error}: {detail}").format(name=name, error=_type(exc).__name__, detail=exc))
        if reveal:
            result_name = _("the result of {name} for input ({inputs})").format(name=name, inputs=shown)
        else:
            result_name = _("the result of {name} for one of the test inputs").format(name=name)
        try:
            expect_equal(result, expected, name=result_name)
        except AnswerError as exc:
            _fail(str(exc))


# ------------------------------------------------------------ what the student reads


def form_ok(*names: str) -> None:
    """Say, neutrally, that the visible checks passed: the form is right, the answer is marked later.

    Deliberately not a green tick: a right *form* is not a right *answer*.

    >>> form_ok("first_coup_year", "number_of_coups")
    Form OK (first_coup_year, number_of_coups) — the answer itself is checked at grading.
    """
    print(_("Form OK ({names}) — the answer itself is checked at grading.").format(names=", ".join(names)))


def hidden_tests_passed() -> None:
    """The line a hidden test cell prints when it passes (a print, not a value: nbgrader reads values as scores)."""
    print(_("Hidden tests passed."))


def plain_message(error: BaseException) -> str | None:
    """The one plain sentence shown for a course check's error, or ``None`` to keep Python's traceback.

    * :class:`AnswerError`: the check's own message, which says what is wrong and what to do;
    * ``NotImplementedError`` (nbgrader's ``raise NotImplementedError()`` in an untouched answer cell);
    * ``NameError`` (a test cell run before its answer, or a misspelt name).

    >>> plain_message(NameError("name 'x' is not defined", name="x"))
    '`x` is not defined yet: run your answer cell first (or check the spelling), then run this cell again.'
    """
    if isinstance(error, AnswerError):
        return str(error)
    if isinstance(error, NotImplementedError):
        return _("This answer is not written yet: replace the line `raise NotImplementedError()` with your answer, "
                 "then run the cell again.")
    if isinstance(error, NameError):
        missing = getattr(error, "name", None) or _("a name")
        return _("`{name}` is not defined yet: run your answer cell first (or check the spelling), "
                 "then run this cell again.").format(name=missing)
    return None


PLAIN_ERRORS = (AnswerError, NotImplementedError, NameError)


def _plain_traceback(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython custom exception handler: one plain sentence instead of the traceback.

    The kernel still sends an *error* output (what nbgrader counts as a failed test),
    so grading is unchanged; only its text is the sentence, without internal frames.
    """
    message = plain_message(value)
    if message is None:  # not one of ours after all: Python's usual traceback
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    else:
        stb = [message]
    shell._showtraceback(etype, value, stb)  # IPython leaves the showing to the handler
    return stb


def _stored_plainly(format_for_storage):
    """IPython 9 also keeps, in its history, a second, fully formatted traceback of every error (only its
    ``%notebook`` magic reads it). For a course check's error keep there the sentence that was shown: the same
    record, without formatting a full traceback (about 10 ms per failing cell, a quarter of a grading
    kernel's CPU on a blank submission). Other errors are kept as IPython keeps them.
    """
    if getattr(format_for_storage, "plain", False):
        return format_for_storage

    def store(exception, *args, **kwargs):
        message = plain_message(exception) if isinstance(exception, PLAIN_ERRORS) else None
        if message is None:
            return format_for_storage(exception, *args, **kwargs)
        return {"ename": type(exception).__name__, "evalue": str(exception), "traceback": [message]}

    store.plain = True
    return store


def use_plain_errors(shell=None) -> None:
    """In a notebook, show a plain sentence (no traceback) for missing and wrong answers.

    Called by the assignments' set-up cell and on import of this module (test cells
    import it first), so an old notebook gets it too. Outside IPython it does nothing.
    The shell's history keeps the same sentence (:func:`_stored_plainly`).
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc(PLAIN_ERRORS, _plain_traceback)
        if callable(getattr(shell, "_format_exception_for_storage", None)):  # IPython 9 and later
            shell._format_exception_for_storage = _stored_plainly(shell._format_exception_for_storage)


use_plain_errors()


def option_letter(public_letter: str, order: str) -> str:
    """The letter under which a class's version shows the public option ``public_letter``.

    ``order`` is the question's option order from the locked variant cell: the option shown as the i-th letter is
    public option ``order[i]`` (``"abcd"`` in the public version, where nothing moves).

    >>> option_letter("c", "abcd"), option_letter("c", "cadb")
    ('c', 'a')
    """
    return "abcdefghijklmnopqrstuvwxyz"[order.index(public_letter)]
