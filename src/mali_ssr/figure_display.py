"""Show a matplotlib figure as a picture that carries its description (alt text) and a caption.

A chart's description must reach a reader who cannot see it. JupyterLab 4.6
renders an ``image/png`` output as an ``<img>`` without any ``alt`` attribute,
whatever the output's metadata says, so a figure is displayed as one output
with three representations:

* ``text/html``: ``<figure><img alt="..."><figcaption>...</figcaption></figure>``,
  which JupyterLab and nbconvert prefer to the bare image;
* ``image/png`` with ``{"alt": ...}`` in its metadata, for other front ends
  and exporters (nbconvert's ``classic`` template, nbconvert-a11y);
* ``text/plain``: the description itself.

The chart helpers in :mod:`mali_ssr.plots` attach their one-sentence
description to the axes they draw on (:func:`describe`), so a figure carries
its own alt text to wherever it is shown, lecture or widget.
"""

from __future__ import annotations

import base64
import html
import io
import weakref

from .i18n import _

#: Resolution of the PNG pictures shown in notebooks (small files, sharp enough on screen).
DPI = 90

_DESCRIPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class MissingDescription(ValueError):
    """A figure was to be shown without any description: a screen reader would get nothing."""


def describe(artist, text: str):
    """Attach ``text`` as the description of an Axes or Figure; returns the artist."""
    _DESCRIPTIONS[artist] = text
    return artist


def description(figure) -> str | None:
    """The figure's description: its own, else those of its axes in drawing order, joined."""
    own = _DESCRIPTIONS.get(figure)
    if own:
        return own
    parts = [_DESCRIPTIONS[ax] for ax in figure.axes if _DESCRIPTIONS.get(ax)]
    return " ".join(dict.fromkeys(parts)) or None


def png_bytes(figure, dpi: int = DPI) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def figure_html(png: bytes, alt: str, caption: str | None = None) -> str:
    """An HTML figure: the PNG inline (no file, no network) with its alt text and an optional caption."""
    source = base64.b64encode(png).decode("ascii")
    img = (f'<img src="data:image/png;base64,{source}" alt="{html.escape(alt, quote=True)}" '
           f'style="max-width:100%;height:auto">')
    text = f"<figcaption><i>{html.escape(caption)}</i></figcaption>" if caption else ""
    return f"<figure style=\"margin:0\">{img}{text}</figure>"


def bundle(figure, alt: str | None = None, caption: bool | str = True, dpi: int = DPI) -> tuple[dict, dict]:
    """The (data, metadata) of one display output for ``figure``; raises if no description is known."""
    alt = alt or description(figure)
    if not alt:
        raise MissingDescription(_("This figure has no description (alt text); give one with alt=..."))
    png = png_bytes(figure, dpi)
    if caption is True:
        caption = _("Figure: {description}").format(description=alt)
    data = {
        "text/html": figure_html(png, alt, caption or None),
        "image/png": base64.b64encode(png).decode("ascii"),
        "text/plain": alt,
    }
    return data, {"image/png": {"alt": alt}}


def show(figure, alt: str | None = None, caption: bool | str = True) -> None:
    """Display ``figure`` with its alt text and (by default) a caption "Figure: <description>"."""
    from IPython.display import display

    data, metadata = bundle(figure, alt, caption)
    display(data, raw=True, metadata=metadata)


def widget_placeholder() -> str:
    """What a widget cell's stored output says before the learner runs it (the saved widget state is not kept)."""
    return _("▶ Run this cell to use the interactive widget.")
