"""How every chart looks, and the checks that it can be read: contrast and size of text.

A report's charts are drawn at most :data:`MAX_WIDTH_IN` inches wide and shown :data:`DISPLAY_DPI`
CSS pixels per inch, so on a phone (a page 320 pixels wide, :data:`PHONE_WIDTH_PX` for the chart)
no text is smaller than about 9 pixels when every font is at least :data:`FONT_PT`. Colours meet
WCAG 2.2: every text 4.5:1 against what is behind it, every line, marker and bar 3:1 against the
plot (:func:`chart_problems` checks a drawn figure). The palettes are Okabe and Ito's, darkened
where a colour was too faint on white.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "DECORATION",
    "DISPLAY_DPI",
    "FONT_PT",
    "MAX_WIDTH_IN",
    "PHONE_WIDTH_PX",
    "chart_problems",
    "contrast_ratio",
    "label_cells",
    "on_colour",
    "picture_bbox",
    "set_title",
    "styled",
    "thin_ticks",
    "wrapped",
]

#: The ``gid`` of lines that only guide the eye (separators, a zero line): like grid lines, they
#: carry no data, so the 3:1 rule for graphics does not apply to them.
DECORATION = "decoration"

#: CSS pixels per inch of figure when a chart is shown on a page.
DISPLAY_DPI = 100
#: The width, in CSS pixels, a chart has on a phone: a 320-pixel page less its margins.
PHONE_WIDTH_PX = 290
#: The widest a report's chart is drawn.
MAX_WIDTH_IN = 5.8
#: The smallest font in a chart: 9 pixels on a phone at :data:`MAX_WIDTH_IN`.
FONT_PT = 13.5
#: The smallest text size, in CSS pixels on a phone, and the least contrasts WCAG 2.2 AA asks.
MIN_PHONE_PX = 9.0
MIN_TEXT_CONTRAST = 4.5
MIN_GRAPHIC_CONTRAST = 3.0

#: matplotlib settings for every chart.
REPORT_RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 1.5,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT + 2,
    "axes.titlelocation": "left",
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "xtick.color": "#222222",
    "ytick.color": "#222222",
    "axes.edgecolor": "#595959",
    "svg.fonttype": "none",  # text stays text in the SVGs, to edit and to search
}


def styled(plot):
    """Draw ``plot`` with :data:`REPORT_RC` (the fonts and colours of every report chart)."""

    @functools.wraps(plot)
    def draw(*args, **kwargs):
        import matplotlib.pyplot as plt

        with plt.rc_context(REPORT_RC):
            return plot(*args, **kwargs)

    return draw


def wrapped(label: str, width: int = 16) -> str:
    """A label broken into lines of about ``width`` characters, for narrow charts.

    >>> print(wrapped("Learning informs adaptation"))
    Learning informs
    adaptation
    """
    import textwrap

    return "\n".join(textwrap.wrap(str(label), width, break_long_words=False)) or str(label)


def set_title(ax, title: str | None) -> None:
    """A chart's title, wrapped: above the whole figure, from its left edge, when the axes is the
    figure's only one (so a long title never widens the chart), else above the axes."""
    if not title:
        return
    fig = ax.figure
    if len([a for a in fig.axes if a.get_visible() and a.axison]) == 1:
        fig.suptitle(wrapped(title, 50), x=0.01, ha="left", fontsize=REPORT_RC["axes.titlesize"])
    else:
        ax.set_title(wrapped(title, 30), loc="left")


def thin_ticks(ax, most: int = 7) -> None:
    """Keep at most ``most`` round labels on a narrow panel (every second or third round)."""
    labels = ax.get_xticklabels()
    step = int(np.ceil(len(labels) / most))
    if step > 1:
        for i, label in enumerate(labels):
            label.set_visible(i % step == 0)


def label_cells(ax) -> None:
    """Colour each label of a heat map black or white, whichever reads better on its cell."""
    for text in ax.texts:
        x, y = text.get_position()
        colour = _background_at(ax.figure, ax, ax.transData.transform((x, y)))
        text.set_color(on_colour(colour))


def _luminance(colour) -> float:
    from matplotlib.colors import to_rgb

    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast_ratio(first, second) -> float:
    """WCAG's contrast ratio of two colours (any matplotlib colour), from 1 to 21.

    >>> round(contrast_ratio("white", "black"), 1), round(contrast_ratio("#E69F00", "white"), 2)
    (21.0, 2.25)
    """
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def on_colour(background) -> str:
    """Black or white, whichever reads better on ``background`` (always at least 4.5:1).

    >>> on_colour("#440154"), on_colour("#FDE725"), on_colour("#21918C")
    ('white', 'black', 'black')
    """
    black, white = contrast_ratio("black", background), contrast_ratio("white", background)
    return "black" if black >= white else "white"


def _blend(colour, behind) -> tuple:
    """``colour`` (with its alpha) over the opaque ``behind``."""
    from matplotlib.colors import to_rgb, to_rgba

    r, g, b, a = to_rgba(colour)
    under = to_rgb(behind)
    return tuple(a * c + (1 - a) * u for c, u in zip((r, g, b), under, strict=True))


def picture_bbox(fig):
    """The part of a figure a saved picture shows, in inches: everything drawn (matplotlib's
    tight box, and legends kept as artists of their own, which it leaves out), with a margin.

    Save with ``fig.savefig(..., bbox_inches=picture_bbox(fig))``.
    """
    from matplotlib.legend import Legend
    from matplotlib.transforms import Bbox

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [fig.get_tightbbox(renderer)]
    for ax in fig.axes:
        for artist in ax.artists:
            if isinstance(artist, Legend) and artist.get_visible():
                boxes.append(
                    artist.get_window_extent(renderer).transformed(fig.dpi_scale_trans.inverted())
                )
    return Bbox.union(boxes).padded(0.05)


def _shown_width_in(fig) -> float:
    """The width of the figure as saved (see :func:`picture_bbox`)."""
    return picture_bbox(fig).width


def phone_scale(fig) -> float:
    """CSS pixels per inch of this figure on a phone: :data:`DISPLAY_DPI`, or less where the
    chart is shrunk to :data:`PHONE_WIDTH_PX`."""
    return min(DISPLAY_DPI, PHONE_WIDTH_PX / _shown_width_in(fig))


def _background_at(fig, ax, point) -> tuple:
    """The colour behind a display point: a heat-map cell, a bar, the plot or the figure."""
    from matplotlib.collections import QuadMesh

    figure_colour = _blend(fig.get_facecolor(), "white")
    if ax is None:
        return figure_colour
    behind = _blend(ax.get_facecolor(), figure_colour)
    x, y = ax.transData.inverted().transform(point)
    for mesh in (c for c in ax.collections if isinstance(c, QuadMesh) and c.get_visible()):
        corners = mesh.get_coordinates()  # (rows + 1, columns + 1, 2)
        xs, ys = corners[0, :, 0], corners[:, 0, 1]
        column, row = _cell(xs, x), _cell(ys, y)
        colours = mesh.get_facecolors()
        if column is not None and row is not None and len(colours):
            index = row * (len(xs) - 1) + column
            if index < len(colours) and colours[index][3] > 0:
                behind = _blend(colours[index], behind)
    for patch in sorted(ax.patches, key=lambda p: p.get_zorder()):
        if patch.get_visible() and patch.get_fill() and patch.contains_point(point):
            behind = _blend(patch.get_facecolor(), behind)
    return behind


def _cell(edges, value) -> int | None:
    """The index of the interval between consecutive ``edges`` that holds ``value``."""
    for i in range(len(edges) - 1):
        if min(edges[i], edges[i + 1]) <= value <= max(edges[i], edges[i + 1]):
            return i
    return None


def _axes_at(fig, point):
    inside = [ax for ax in fig.axes if ax.get_visible() and ax.patch.contains_point(point)]
    return max(inside, key=lambda ax: ax.get_zorder(), default=None)


def chart_problems(fig) -> list[str]:
    """What makes a drawn figure hard to read, one sentence each (none: it passes).

    Every visible text is at least :data:`MIN_PHONE_PX` CSS pixels on a phone and has 4.5:1
    contrast against what is behind it (its box, a heat-map cell, a bar, the plot); every line
    and marker of the data (not grid lines) has 3:1 against the plot, as do bars and areas drawn
    opaque enough to carry meaning (shaded intervals behind the data are left out).

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.plot([1, 2], [1, 2], color="#E69F00")
    >>> _ = ax.text(1.5, 1.5, "faint", color="#BBBBBB", fontsize=14)
    >>> for problem in chart_problems(fig): print(problem)
    text 'faint' has contrast 1.92:1 against its background (needs 4.5:1)
    line in #e69f00 has contrast 2.25:1 against the plot (needs 3:1)
    >>> plt.close(fig)
    """
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    scale = phone_scale(fig)
    problems = []
    hidden = _hidden_ticks(fig)
    for text in fig.findobj(Text):
        words = text.get_text().strip()
        if not words or not text.get_visible() or text.get_alpha() == 0 or id(text) in hidden:
            continue
        if not _drawn(text, fig):
            continue
        size_px = text.get_fontsize() / 72 * scale
        if size_px < MIN_PHONE_PX - 0.05:
            problems.append(
                f"text {words[:30]!r} is {size_px:.1f} px on a phone (needs {MIN_PHONE_PX:.0f})"
            )
        box = text.get_window_extent(renderer)
        centre = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
        patch = text.get_bbox_patch()
        ax = _axes_at(fig, centre)
        behind = _background_at(fig, ax, centre)
        if patch is not None and patch.get_fill():
            behind = _blend(patch.get_facecolor(), behind)
        ratio = contrast_ratio(_blend(text.get_color(), behind), behind)
        if ratio < MIN_TEXT_CONTRAST - 0.005:
            problems.append(
                f"text {words[:30]!r} has contrast {ratio:.2f}:1 against its background "
                "(needs 4.5:1)"
            )
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        plot = _blend(ax.get_facecolor(), _blend(fig.get_facecolor(), "white"))
        grid = {id(line) for line in ax.get_xgridlines() + ax.get_ygridlines()}
        marks = []
        for line in ax.get_lines():
            if id(line) in grid or not line.get_visible() or line.get_gid() == DECORATION:
                continue
            if line.get_linestyle() not in ("None", "", " ") and len(line.get_xdata()) > 1:
                marks.append(("line", line.get_color(), line.get_alpha()))
            if line.get_marker() not in ("None", "", " ", None):
                # a hollow marker is seen by its edge
                face, edge = line.get_markerfacecolor(), line.get_markeredgecolor()
                seen = max((face, edge), key=lambda c: contrast_ratio(_blend(c, plot), plot))
                marks.append(("marker", seen, line.get_alpha()))
        for collection in ax.collections:
            if isinstance(collection, LineCollection) and collection.get_visible():
                alpha = collection.get_alpha()
                marks += [("line", (*c[:3], c[3] if alpha is None else alpha), None)
                          for c in collection.get_colors()]  # fmt: skip
            if isinstance(collection, PathCollection) and collection.get_visible():
                faces, edges = collection.get_facecolors(), collection.get_edgecolors()
                for i, face in enumerate(faces):
                    edge = edges[i % len(edges)] if len(edges) else face
                    seen = max((face, edge), key=lambda c: contrast_ratio(_blend(c, plot), plot))
                    if seen[3] >= 0.5:
                        marks.append(("marker", seen, None))
        for patch in ax.patches:
            if isinstance(patch, Rectangle) and patch.get_visible() and patch.get_fill():
                colour = patch.get_facecolor()
                if colour[3] >= 0.5 and contrast_ratio(_blend(colour, plot), "white") > 1.05:
                    marks.append(("bar", colour, None))
        for kind, colour, alpha in marks:
            shown = _blend(colour if alpha is None else (*_rgb(colour), alpha), plot)
            ratio = contrast_ratio(shown, plot)
            if ratio < MIN_GRAPHIC_CONTRAST - 0.005:
                problem = (
                    f"{kind} in {to_hex(shown)} has contrast {ratio:.2f}:1 against the plot "
                    "(needs 3:1)"
                )
                if problem not in problems:
                    problems.append(problem)
    return problems


def _rgb(colour) -> tuple:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def _hidden_ticks(fig) -> set[int]:
    """The tick labels matplotlib keeps but does not draw (ticks outside the axis' view)."""
    hidden = set()
    for ax in fig.axes:
        if not ax.axison:
            hidden |= {
                id(t) for t in ax.get_xticklabels(which="both") + ax.get_yticklabels(which="both")
            }
            hidden |= {id(ax.xaxis.label), id(ax.yaxis.label)}
            continue
        for axis, index in ((ax.xaxis, 0), (ax.yaxis, 1)):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                for label in (tick.label1, tick.label2):
                    where = label.get_position()[index]
                    if not (low - 1e-9 <= where <= high + 1e-9) or not label.get_visible():
                        hidden.add(id(label))
    return hidden


def _drawn(text, fig) -> bool:
    """Whether a text is in the saved picture (not clipped away, nor off the figure)."""
    renderer = fig.canvas.get_renderer()
    box = text.get_window_extent(renderer)
    if box.width == 0 or box.height == 0:
        return False
    if text.get_clip_on() and text.axes is not None:
        clip = text.axes.bbox
        if box.x1 < clip.x0 or box.x0 > clip.x1 or box.y1 < clip.y0 or box.y0 > clip.y1:
            return False
    return True
