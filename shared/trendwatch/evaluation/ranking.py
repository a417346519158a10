"""Ranking metrics with binary relevance."""

from __future__ import annotations

import math
from collections.abc import Sequence


def ndcg(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Normalised discounted cumulative gain of the first ``k`` of ``ranked``."""
    gain = sum(1 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal if ideal else 0.0


def precision(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of the first ``k`` places held by relevant items (at most ``len(relevant) / k``)."""
    return sum(item in relevant for item in ranked[:k]) / k
