"""WCAG 2 contrast ratios between two colours, to keep the course's text readable.

>>> round(contrast_ratio("#000000", "#FFFFFF"), 1)
21.0
>>> contrast_ratio("#a04000", "#ffffff") >= AA_NORMAL_TEXT
True
"""

from __future__ import annotations

from .i18n import _

AA_NORMAL_TEXT = 4.5  # WCAG 2.x level AA, normal-size text
AA_LARGE_TEXT = 3.0


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of '#rrggbb' or '#rgb'."""
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(ch * 2 for ch in hex_digits)
    if len(hex_digits) != 6:
        raise ValueError(_("not a #rrggbb colour: {colour!r}").format(colour=colour))
    r, g, b = (int(hex_digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), from 1 (none) to 21 (black on white)."""
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
