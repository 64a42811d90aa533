"""The message catalogue: every user-facing string goes through :func:`_` (gettext).

Strings are written in English in the code, marked with ``_("...")`` (or
``ngettext(singular, plural, n)``), and filled with ``str.format`` *after*
translation, so translators see the placeholders::

    _("{n} event(s) shown, {start} to {end}.").format(n=3, start=1990, end=2020)

The language is ``MALI_SSR_LANG`` if set (``en``, ``fr``), else the locale of
the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else
English. ``MALI_SSR_LANG=qps`` selects a *pseudo-locale* that transforms every
string visibly (accents, brackets) while keeping placeholders intact: a string
that still reads as plain English under it did not go through the catalogue.

Catalogues are standard gettext files under ``mali_ssr/locale/<lang>/LC_MESSAGES/``,
extracted and updated with Babel by ``python scripts/update_catalogue.py``; the
template is ``mali_ssr/locale/mali_ssr.pot``.

Why the compiled ``.mo`` is committed beside its ``.po``: the README installs with
``pip install -e .``, and an editable install runs no build step, so a ``.mo`` made
only at wheel-build time (hatch-babel) would be missing there and French would
silently fall back to English. Compiling the ``.po`` at run time instead would make
Babel a run-time dependency and cost about 55 ms per process (measured), against about
25 ms to read the ``.mo`` with the standard library's :mod:`gettext`. The wheel build
still compiles the ``.mo`` from the ``.po`` (hatch-babel), and ``tests/test_i18n.py``
fails when the committed ``.mo`` and the ``.po`` disagree.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
from functools import cache

DOMAIN = "mali_ssr"
LANGUAGES = ("en", "fr")
PSEUDO = "qps"  # the pseudo-locale's code ("qps-ploc" in Windows' convention)

_PSEUDO_MAP = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķľɱñöþǫŕšŧûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĽṀÑÖÞǪŔŠŦÛṼŴẊÝŽ",
)
# placeholders, format specs and markup that must survive the pseudo-locale untouched
_KEEP = re.compile(r"(\{[^{}]*\}|%\([^)]*\)[a-z]|%[sd]|`[^`]*`|<[^>]+>|&[a-z]+;|https?://\S+)")


def pseudo(message: str) -> str:
    """The pseudo-locale form of ``message``: same placeholders, every letter visibly changed.

    >>> pseudo("Pick {n} options")
    '⟦Þîçķ {n} öþŧîöñš⟧'
    """
    parts = _KEEP.split(message)
    out = "".join(part if i % 2 else part.translate(_PSEUDO_MAP) for i, part in enumerate(parts))
    return f"⟦{out}⟧"


def language() -> str:
    """The language in use: ``en``, ``fr`` or the pseudo-locale ``qps``."""
    chosen = os.environ.get("MALI_SSR_LANG")
    candidates = [chosen] if chosen else [os.environ.get(v) for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    for value in candidates:
        if not value:
            continue
        for item in value.split(":"):
            code = item.split(".")[0].split("_")[0].split("-")[0].lower()
            if code == PSEUDO or code in LANGUAGES:
                return code
    return "en"


@cache
def _translations(lang: str) -> _gettext.NullTranslations:
    from importlib import resources

    folder = resources.files("mali_ssr") / "locale"
    try:
        with resources.as_file(folder) as path:
            return _gettext.translation(DOMAIN, localedir=str(path), languages=[lang])
    except (FileNotFoundError, OSError):
        return _gettext.NullTranslations()


def gettext(message: str) -> str:
    """``message`` in the language in use (English when no translation exists)."""
    lang = language()
    if lang == PSEUDO:
        return pseudo(message)
    if lang == "en":
        return message
    return _translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in use (French has its own rules)."""
    lang = language()
    if lang == PSEUDO:
        return pseudo(singular if n == 1 else plural)
    if lang == "en":
        return singular if n == 1 else plural
    return _translations(lang).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it with :func:`_` where it is shown."""
    return message


_ = gettext
