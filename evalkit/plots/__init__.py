"""Charts for the reports. Each takes tidy frames, draws on ``ax`` (or a new one), returns the Axes.

matplotlib and seaborn are imported inside the functions, so importing evalkit's calculation
modules never pulls them in.
"""

from .rounds import (
    SECTOR_COLOURS,
    SECTOR_MARKERS,
    plot_distribution,
    plot_group_heatmap,
    plot_levels,
    show_figure,
)

__all__ = [
    "SECTOR_COLOURS",
    "SECTOR_MARKERS",
    "plot_distribution",
    "plot_group_heatmap",
    "plot_levels",
    "show_figure",
]
