"""One figure per widget, kept between moves, on a canvas that remembers the glyphs it has drawn.

A widget redraws its chart on every move of a control. Two costs dominate
that redraw in matplotlib: building a new Figure and Axes, and rendering
text (matplotlib >= 3.11 rasterises every glyph of every label again on each
draw, in Python). Here a widget keeps one Figure (:func:`widget_figure`) and
its canvas keeps each glyph's bitmap once rendered, keyed by font, size,
angle and quarter-pixel position, so the labels that stay put between moves
(tick labels, titles, legends) cost a copy. The picture is a pure function of
what is drawn: the same control values give the same bytes, whatever came
before.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

#: rendered glyphs kept (each a few hundred bytes); the oldest go first
GLYPHS_KEPT = 20000
QUARTER_PIXEL = 16  # FreeType positions are in 1/64 px

LAYOUTS_KEPT = 5000

_glyphs: OrderedDict = OrderedDict()
_layouts: OrderedDict = OrderedDict()
_figures: dict = {}
_charts: dict = {}


class GlyphCachingRenderer(RendererAgg):
    """Agg, with each label's glyph layout computed once and each glyph's bitmap rendered once."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = (s, hash(prop), self.dpi, features if features is None else tuple(features), language)
        items = _layouts.get(key)
        if items is None:
            from matplotlib.backends.backend_agg import get_hinting_flag

            font = self._prepare_font(prop)
            items = _layouts[key] = [(i.ft_object, i.glyph_index, i.x, i.y) for i in font._layout(
                s, flags=get_hinting_flag(), features=features, language=language)]
            if len(_layouts) > LAYOUTS_KEPT:
                _layouts.popitem(last=False)
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(gc, x, y, angle, [(f, size, g, 0, 1, gx, gy) for f, g, gx, gy in items], [])

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        import numpy as np
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.ft2font import RenderMode

        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        mode = RenderMode.NORMAL if gc.get_antialiased() else RenderMode.MONO
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:
            # where FreeType would put the glyph (y upwards), snapped to a quarter pixel
            fx = round(0x40 * (x + dx * cos - dy * sin) / QUARTER_PIXEL) * QUARTER_PIXEL
            fy = round(0x40 * (self.height - y + dx * sin + dy * cos) / QUARTER_PIXEL) * QUARTER_PIXEL
            key = (font.fname, size, self.dpi, glyph_index, slant, extend, angle, fx % 0x40, fy % 0x40, mode,
                   load_flags)
            hit = _glyphs.get(key)
            if hit is None:
                font.set_size(size, self.dpi)
                font._set_transform((0x10000 * np.array([[cos, -sin], [sin, cos]])
                                     @ [[extend, extend * slant], [0, 1]]).round().astype(int),
                                    [fx % 0x40, fy % 0x40])
                bitmap = font._render_glyph(glyph_index, load_flags, mode)
                buffer = np.array(bitmap.buffer, copy=True)
                if mode is RenderMode.MONO:
                    buffer *= 0xff
                hit = _glyphs[key] = (buffer, bitmap.left, bitmap.top)
                if len(_glyphs) > GLYPHS_KEPT:
                    _glyphs.popitem(last=False)
            buffer, left, top = hit
            self._renderer.draw_text_image(buffer, left + fx // 0x40,
                                           int(self.height) - (top + fy // 0x40) + buffer.shape[0], 0, gc)
        if boxes:  # mathtext rules: matplotlib's own code draws them
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, [], boxes)


class WidgetCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with :class:`GlyphCachingRenderer` (stock Agg where matplotlib differs).

    It also keeps the last PNG pictures it wrote, each under the control values it showed
    (:meth:`shows`): a widget set back to values it showed before costs no drawing at all.
    """

    PICTURES_KEPT = 64

    def __init__(self, figure=None):
        super().__init__(figure)
        self.state = None
        self._pictures: OrderedDict = OrderedDict()

    def shows(self, state) -> None:
        """Say which control values the figure now shows (None: unknown, nothing reused)."""
        self.state = state

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            renderer_class = GlyphCachingRenderer if _supported() else RendererAgg
            self.renderer = renderer_class(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_ignored):
        """PNG with quick compression: flat chart colours compress well at level 1, in a third of the time."""
        key = None
        if self.state is not None and metadata is None and pil_kwargs is None:
            key = (self.state, self.figure.dpi, self.figure.get_facecolor(), self.figure.get_edgecolor())
            picture = self._pictures.get(key)
            if picture is not None:
                self._pictures.move_to_end(key)
                return _write(filename_or_obj, picture)
        if key is None:
            return super().print_png(filename_or_obj, metadata=metadata,
                                     pil_kwargs={"compress_level": 1, **(pil_kwargs or {})})
        import io

        buffer = io.BytesIO()
        super().print_png(buffer, pil_kwargs={"compress_level": 1})
        self._pictures[key] = buffer.getvalue()
        if len(self._pictures) > self.PICTURES_KEPT:
            self._pictures.popitem(last=False)
        return _write(filename_or_obj, self._pictures[key])


def _write(filename_or_obj, picture: bytes) -> None:
    if hasattr(filename_or_obj, "write"):
        filename_or_obj.write(picture)
    else:
        with open(filename_or_obj, "wb") as f:
            f.write(picture)


def _supported() -> bool:
    """The glyph cache needs matplotlib's per-glyph text path (3.11 on); older versions draw as usual."""
    from matplotlib.ft2font import FT2Font

    return hasattr(RendererAgg, "_draw_text_glyphs_and_boxes") and hasattr(FT2Font, "_render_glyph")


def _new_figure(width, height, left, right, bottom, top):
    from matplotlib.figure import Figure  # no pyplot: no global state, nothing to close

    from .figure_display import DPI

    fig = Figure(figsize=(width, height), dpi=DPI)
    WidgetCanvas(fig)
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
    return fig, fig.add_subplot()


def widget_figure(key, width: float, height: float, left: float = 0.12, right: float = 0.97, bottom: float = 0.14,
                  top: float = 0.9):
    """The figure and axes kept for the widget ``key``, emptied for the next drawing.

    Fixed margins: automatic layout would double the cost of each move.
    """
    kept = _figures.get(key)
    if kept is None:
        kept = _figures[key] = _new_figure(width, height, left, right, bottom, top)
    fig, ax = kept
    fig.canvas.shows(None)
    _empty(ax)
    return fig, ax


def _empty(ax) -> None:
    """Take a chart's artists off its axes and undo what a chart may set, keeping the axes and their ticks.

    ``ax.clear()`` would build the axes again (ticks, spines, scales): most of the cost of a move.
    """
    from matplotlib.ticker import AutoLocator, ScalarFormatter
    from matplotlib.transforms import Bbox

    for container in list(ax.containers):  # bars: the legend reads their labels from here
        container.remove()
    for artist in [*ax.collections, *ax.patches, *ax.lines, *ax.texts, *ax.images, *ax.artists]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    if ax.get_xscale() != "linear":
        ax.set_xscale("linear")
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(AutoLocator())
        axis.set_major_formatter(ScalarFormatter())
        axis.set_inverted(False)
    ax.dataLim.set(Bbox.null())
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)
    ax.set_title("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.grid(False)


def kept_chart(key, source, draw, width: float, height: float, left: float = 0.12, right: float = 0.97,
               bottom: float = 0.14, top: float = 0.9):
    """The widget ``key``'s figure with its chart drawn once by ``draw(ax)``; the caller updates what changes.

    ``source`` (the course data the chart shows, or None) is kept with the figure: other data, another drawing.
    """
    kept = _charts.get(key)
    if kept is None or kept[0] is not source:
        fig, ax = _new_figure(width, height, left, right, bottom, top)
        draw(ax)
        kept = _charts[key] = (source, fig, ax)
    kept[1].canvas.shows(None)
    return kept[1], kept[2]
