"""Connections: who works with whom, across which boundaries and how deeply, round by round.

:mod:`~evalkit.network.graph` turns tie reports into one organisation network per round;
:mod:`~evalkit.network.indicators` measures each round's network, :mod:`~evalkit.network.churn`
compares two rounds' ties, :mod:`~evalkit.network.brokers` names the organisations between
others, and :mod:`~evalkit.network.trends` takes indicators through the change engine.
Organisations, not respondents, are the nodes; what the maps and broker lists may show of a
small organisation's answers is decided in :mod:`evalkit.privacy`.
"""

from evalkit.network.brokers import BROKER_COLUMNS, brokers
from evalkit.network.churn import CHURN_COLUMNS, tie_churn
from evalkit.network.graph import RoundNetwork, organisation_network
from evalkit.network.indicators import NETWORK_COLUMNS, network_indicators, network_summary
from evalkit.network.trends import (
    TREND_INDICATORS,
    assess_network,
    network_series,
    pair_observations,
)

__all__ = [
    "BROKER_COLUMNS",
    "CHURN_COLUMNS",
    "NETWORK_COLUMNS",
    "TREND_INDICATORS",
    "RoundNetwork",
    "assess_network",
    "brokers",
    "network_indicators",
    "network_series",
    "network_summary",
    "organisation_network",
    "pair_observations",
    "tie_churn",
]
