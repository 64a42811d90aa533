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
from contextlib import contextmanager

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

#: rendered glyphs kept (each a few hundred bytes); the oldest go first
GLYPHS_KEPT = 20000
QUARTER_PIXEL = 16  # FreeType positions are in 1/64 px

LAYOUTS_KEPT = 5000

_glyphs: OrderedDict = OrderedDict()
_layouts: OrderedDict = OrderedDict()
_font_heights: dict = {}
_text_layouts: OrderedDict = OrderedDict()
_figures: dict = {}
_charts: dict = {}


class GlyphCachingRenderer(RendererAgg):
    """Agg, with each label's glyph layout computed once and each glyph's bitmap rendered once."""

    def _get_font_height_metrics(self, prop):
        """(ascent, descent, line gap) of the font, as ``Text._get_layout`` computes them, computed once.

        Without this hook matplotlib finds the font and reads two of its tables for every label at every draw.
        """
        key = (hash(prop), self.dpi)
        metrics = _font_heights.get(key)
        if metrics is None:
            from matplotlib.font_manager import fontManager, get_font

            font = get_font(fontManager._find_fonts_by_props(prop))
            metrics = (None, None, None)
            for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                     ("hhea", "lineGap", "ascent", "descent")):
                table = font.get_sfnt_table(table_name)
                if table is not None:
                    scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * self.dpi / 72
                    metrics = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                    break
            _font_heights[key] = metrics
        return metrics

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
    (:meth:`shows`): a widget set back to values it showed before costs no drawing at all. And it
    keeps the pixels around the axes (:meth:`keep_surroundings`) under what they show: a move
    that changes the bars but not the tick labels, title or legend draws only the bars.
    """

    PICTURES_KEPT = 64
    SURROUNDINGS_KEPT = 256  # pixel bands around the axes (a few tens of kB each)

    def __init__(self, figure=None):
        super().__init__(figure)
        self.state = None
        self._pictures: OrderedDict = OrderedDict()
        self._kept_axes = None
        self._late: list = []
        self._inside = None
        self._bands: OrderedDict = OrderedDict()

    def keep_surroundings(self, ax, late=(), inside=None) -> None:
        """Reuse the pixels around ``ax`` (title, tick labels, axis labels, a legend outside) when they show
        what they showed before, and draw only the inside of the axes afresh.

        ``late`` are the artists that may reach out of the axes (labels on the data): they are drawn
        after the bands are put back, so that no band keeps a trace of them. With ``inside`` (a key
        for what the axes hold besides ``late``, which must stay inside them), the inside is reused
        too and only ``late`` is drawn: a base map under markers.
        """
        self._kept_axes, self._late, self._inside = ax, list(late), inside

    def shows(self, state) -> None:
        """Say which control values the figure now shows (None: unknown, nothing reused)."""
        self.state = state

    def draw(self):
        ax = self._kept_axes
        if ax is None or ax.figure is not self.figure:
            return super().draw()
        width, height = self.get_width_height(physical=True)
        ax.apply_aspect()  # the axes' final place (an equal-aspect map moves them) before the bands are cut
        bands = _bands(ax, width, height)
        keys = _band_keys(ax)
        if self._inside is not None:
            keys["inside"] = (self._inside, keys["below"])
        else:
            del bands["inside"]
        cached = {side: self._bands.get((side, keys[side], tuple(box.extents), self.figure.dpi))
                  for side, box in bands.items()}
        reused = {side for side, region in cached.items() if region is not None}
        hidden = [group for group, sides in REACH.items() if sides <= reused]
        late = [a for a in self._late if a.get_visible()]
        if not ax.yaxis.major.formatter.get_offset() and not ax.xaxis.get_label_position() == "top":
            # matplotlib would measure every tick label at each draw to see whether the title must move up
            # from 1.0 (for ticks or an offset on top); here nothing is on top, so it stays at 1.0
            for title in (ax.title, ax._left_title, ax._right_title):
                title.set_y(1.0)
            ax._autotitlepos = False
        inside = [a for a in (*ax.patches, *ax.lines, *ax.texts, *ax.collections, *ax.images)
                  if "inside" in hidden and a.get_visible() and a not in late]
        _hide(ax, hidden, late + inside, True)
        try:
            with _text_layouts_kept():
                super().draw()
        finally:
            _hide(ax, hidden, late + inside, False)
        for side, box in bands.items():
            key = (side, keys[side], tuple(box.extents), self.figure.dpi)
            if cached[side] is None:
                self._bands[key] = self.copy_from_bbox(box)
                if len(self._bands) > self.SURROUNDINGS_KEPT:
                    self._bands.popitem(last=False)
            else:
                self._bands.move_to_end(key)
                self.restore_region(cached[side])
        with _text_layouts_kept():
            for artist in late:
                artist.draw(self.renderer)

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            renderer_class = GlyphCachingRenderer if _supported() else RendererAgg
            self.renderer = renderer_class(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_ignored):
        """PNG, reused when the figure shows control values it showed before (see :meth:`shows`)."""
        if metadata is not None or pil_kwargs is not None:
            return super().print_png(filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs)
        key = None
        if self.state is not None:
            key = (self.state, self.figure.dpi, self.figure.get_facecolor(), self.figure.get_edgecolor())
            picture = self._pictures.get(key)
            if picture is not None:
                self._pictures.move_to_end(key)
                return _write(filename_or_obj, picture)
        picture = self._png()
        if key is not None:
            self._pictures[key] = picture
            if len(self._pictures) > self.PICTURES_KEPT:
                self._pictures.popitem(last=False)
        return _write(filename_or_obj, picture)

    def _png(self) -> bytes:
        """Draw, then encode quickly (see :func:`png_unfiltered`); a see-through background goes to Pillow."""
        import io

        import numpy as np

        self.draw()
        pixels = np.asarray(self.buffer_rgba())
        if self.figure.get_facecolor()[3] == 1 and pixels[..., 3].min() == 255:
            return png_unfiltered(pixels[..., :3], self.figure.dpi)
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="png", compress_level=1, dpi=(self.figure.dpi, self.figure.dpi))
        return buffer.getvalue()


def png_unfiltered(rgb, dpi: float) -> bytes:
    """An RGB PNG with no row filter, deflated at level 1.

    Pillow picks a filter for every row, which took half of a widget picture's encoding time; on flat
    chart colours the unfiltered rows deflate about as small (some 5 % larger), in half the time.
    """
    import struct
    import zlib

    import numpy as np

    height, width, _channels = rgb.shape
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # each row starts with its filter type, 0: none
    rows[:, 1:] = rgb.reshape(height, -1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    per_metre = round(dpi / 0.0254)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))


@contextmanager
def _text_layouts_kept():
    """While a widget canvas draws, each label's line layout is computed once, not three times a draw.

    ``Text._get_layout`` measures every line of a label again each time the label is drawn or
    measured, for a result that depends only on the text and its properties (not on its place).
    """
    from matplotlib.text import Text

    computed = Text._get_layout
    if not _supported() or getattr(computed, "kept", False):
        yield
        return

    def kept(text, renderer):
        if not isinstance(renderer, GlyphCachingRenderer) or text.get_wrap() or text.get_usetex():
            return computed(text, renderer)
        key = (text.get_text(), hash(text.get_fontproperties()), renderer.dpi, text.get_figure(root=True).dpi,
               text._linespacing, text._multialignment, text.get_rotation(), text.get_rotation_mode(),
               text.get_horizontalalignment(), text.get_verticalalignment(), text.get_parse_math())
        layout = _text_layouts.get(key)
        if layout is None:
            layout = _text_layouts[key] = computed(text, renderer)
            if len(_text_layouts) > LAYOUTS_KEPT:
                _text_layouts.popitem(last=False)
        return layout

    kept.kept = True
    Text._get_layout = kept
    try:
        yield
    finally:
        Text._get_layout = computed


#: pixels left between the axes and the kept bands, always drawn afresh (spines, the start of tick marks)
BAND_GAP = 3


def _bands(ax, width: int, height: int) -> dict:
    """The four bands around the axes, in pixels: above and below span the full width, left and right
    fill the height of the axes between them."""
    from matplotlib.transforms import Bbox

    x0, y0, x1, y1 = ax.bbox.extents
    left, right = max(math.floor(x0) - BAND_GAP, 0), min(math.ceil(x1) + BAND_GAP, width)
    bottom, top = max(math.floor(y0) - BAND_GAP, 0), min(math.ceil(y1) + BAND_GAP, height)
    return {"below": Bbox.from_extents(0, 0, width, bottom), "above": Bbox.from_extents(0, top, width, height),
            "left": Bbox.from_extents(0, bottom, left, top), "right": Bbox.from_extents(right, bottom, width, top),
            "inside": Bbox.from_extents(left, bottom, right, top)}


def _axis_key(axis) -> tuple:
    """Everything an axis draws outside the axes: scale, limits, ticks (major, minor), their labels, the axis label."""
    labels = axis.get_ticklabels()  # formats the ticks for the current limits
    return (axis.get_scale(), tuple(axis.get_view_interval()), tuple(axis.get_ticklocs()),
            tuple(axis.get_ticklocs(minor=True)),
            tuple((t.get_text(), t.get_rotation(), t.get_ha()) for t in labels), axis.label.get_text(),
            axis.get_label_position(), axis.get_ticks_position())


def _band_keys(ax) -> dict:
    """What each band shows; equal keys, equal pixels.

    A label may reach past the corner of the axes into the next band (the top y tick label above
    the axes, the lowest below them), so each band's key holds every axis that can.
    """
    legend = ax.get_legend()
    outside = legend is not None and legend.get_visible() and legend.get_bbox_to_anchor() is not ax.bbox
    legend_key = None
    if outside:
        legend_key = (legend.get_title().get_text(), tuple(t.get_text() for t in legend.get_texts()),
                      legend._loc, tuple(legend.get_bbox_to_anchor().extents))
    x, y = _axis_key(ax.xaxis), _axis_key(ax.yaxis)
    titles = tuple(t.get_text() for t in (ax.title, ax._left_title, ax._right_title))
    return {"below": (x, y), "above": (titles, y), "left": (y,), "right": (legend_key,)}


#: the bands each group of labels can reach; a group is left undrawn only when all of them are reused,
#: so that a band is always kept from a drawing where every label that reaches it was drawn
REACH = {"x": {"below"}, "y": {"left", "above", "below"}, "titles": {"above"}, "legend": {"right"},
         "inside": {"inside"}}


def _hide(ax, groups, late, hide: bool) -> None:
    """Hide (or show again) the label groups whose bands are all reused, and the late artists."""
    show = not hide
    if "x" in groups:
        ax.xaxis.set_tick_params(which="both", labelbottom=show)
        ax.xaxis.label.set_visible(show)
    if "y" in groups:
        ax.yaxis.set_tick_params(which="both", labelleft=show)
        ax.yaxis.label.set_visible(show)
    if "titles" in groups:
        for title in (ax.title, ax._left_title, ax._right_title):
            title.set_visible(show)
    legend = ax.get_legend()
    if "legend" in groups and legend is not None and legend.get_bbox_to_anchor() is not ax.bbox:
        legend.set_visible(show)
    for artist in late:
        artist.set_visible(show)


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
    fig.canvas.keep_surroundings(None)  # the view says again what may be reused
    _empty(ax)
    return fig, ax


def _empty(ax) -> None:
    """Take a chart's artists off its axes and undo what a chart may set, keeping the axes and their ticks.

    ``ax.clear()`` would build the axes again (ticks, spines, scales): most of the cost of a move.
    """
    from matplotlib.ticker import AutoLocator, NullFormatter, NullLocator, ScalarFormatter
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
        axis.set_minor_locator(NullLocator())
        axis.set_minor_formatter(NullFormatter())
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
    kept[1].canvas.keep_surroundings(None)  # the view says again what may be reused
    return kept[1], kept[2]
