"""Charts for the reports. Each takes tidy frames, draws on ``ax`` (or a new one), returns the Axes.

matplotlib and seaborn are imported inside the functions, so importing evalkit's calculation
modules never pulls them in.
"""

from evalkit.plots.rounds import (
    SECTOR_COLOURS,
    SECTOR_MARKERS,
    plot_distribution,
    plot_group_heatmap,
    plot_levels,
    show_figure,
)
from evalkit.plots.trajectory import EVENT_COLOURS, plot_trajectories, plot_trajectory
from evalkit.plots.transitions import LEVEL_COLOURS, plot_alluvial

__all__ = [
    "EVENT_COLOURS",
    "LEVEL_COLOURS",
    "SECTOR_COLOURS",
    "SECTOR_MARKERS",
    "plot_alluvial",
    "plot_distribution",
    "plot_group_heatmap",
    "plot_levels",
    "plot_trajectories",
    "plot_trajectory",
    "show_figure",
]
