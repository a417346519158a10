"""Promotion: a challenger becomes champion only if it beats the champion on the held-out sets.

"Beats" is Pareto dominance on the held-out metrics the registered model names (see
:data:`~trendwatch.experiments.registry.HELDOUT_TAG`) that both versions measured: no worse on
any of them and better on at least one. A model with no champion yet takes any version.
A refusal changes nothing.
"""

from __future__ import annotations

import msgspec

from trendwatch.experiments.registry import (
    CHALLENGER,
    CHAMPION,
    Direction,
    alias_version,
    delete_alias,
    get_version,
    heldout_metrics,
    set_alias,
)
from trendwatch.settings import Settings


class PromotionRefused(Exception):
    """The challenger does not beat the champion (the message says on what)."""


class Comparison(msgspec.Struct, frozen=True):
    """One held-out metric of both versions."""

    metric: str
    direction: Direction
    challenger: float
    champion: float

    @property
    def better(self) -> bool:
        if self.direction == "max":
            return self.challenger > self.champion
        return self.challenger < self.champion

    @property
    def worse(self) -> bool:
        if self.direction == "max":
            return self.challenger < self.champion
        return self.challenger > self.champion


def compare(
    challenger: dict[str, float], champion: dict[str, float], heldout: dict[str, Direction]
) -> list[Comparison]:
    """The held-out metrics both versions measured, side by side."""
    return [
        Comparison(metric, direction, challenger[metric], champion[metric])
        for metric, direction in sorted(heldout.items())
        if metric in challenger and metric in champion
    ]


def beats(comparisons: list[Comparison]) -> bool:
    """Pareto dominance: better on one held-out metric at least, worse on none."""
    return any(c.better for c in comparisons) and not any(c.worse for c in comparisons)


def promote(settings: Settings, name: str, version: int) -> list[Comparison]:
    """Make ``version`` the champion of ``name`` if it beats the current one; returns the
    comparisons it won on. Raises :class:`PromotionRefused` otherwise."""
    champion = alias_version(settings, name, CHAMPION)
    candidate = get_version(settings, name, version)
    if champion == version:
        raise PromotionRefused(f"{name} version {version} is already the champion")
    comparisons: list[Comparison] = []
    if champion is not None:
        held = get_version(settings, name, champion)
        if candidate.heldout_data != held.heldout_data:
            raise PromotionRefused(
                f"{name} version {version} and champion version {champion} were not measured on the same "
                f"held-out data ({candidate.heldout_data or 'unknown'} against {held.heldout_data or 'unknown'}): "
                "score both on the same (e.g. pin each in turn and backtest again)"
            )
        comparisons = compare(
            candidate.metrics, get_version(settings, name, champion).metrics, heldout_metrics(settings, name)
        )
        if not comparisons:
            raise PromotionRefused(
                f"{name} version {version} shares no held-out metric with champion version {champion}"
            )
        if not beats(comparisons):
            table = "; ".join(
                f"{c.metric} ({'higher' if c.direction == 'max' else 'lower'} is better): "
                f"{c.challenger:.4g} against {c.champion:.4g}"
                for c in comparisons
            )
            raise PromotionRefused(
                f"{name} version {version} does not beat champion version {champion} on the held-out sets: {table}"
            )
    set_alias(settings, name, CHAMPION, version)
    if alias_version(settings, name, CHALLENGER) == version:
        delete_alias(settings, name, CHALLENGER)
    return comparisons
