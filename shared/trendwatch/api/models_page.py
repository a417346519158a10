"""What the Models page shows: production day by day per model version, offline evaluations over time.

* Production (``model_drift``, the daily model-monitor job): per model, a drift chart (each
  version's worst drift metric as a share of its threshold, 1 = the threshold) beside an
  accuracy chart (each version's accuracy on the analysts' labels), dates on the axis, a line
  per version and a marker where a version's first day is; a banner names every drift past its
  threshold on a version's latest day.
* Offline evaluations (``model_metrics``): a chart per model and metric evaluated at more than
  one time, a line per version, release markers; what was evaluated once is a table row, not a
  chart of one point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from markupsafe import Markup

from trendwatch.api import charts
from trendwatch.api.models import DriftPoint, ModelMetric


@dataclass(frozen=True)
class ProductionPanel:
    model: str
    drift: Markup
    accuracy: Markup | None
    versions: list[str]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _releases(first_seen: dict[str, datetime]) -> list[tuple[datetime, str]]:
    """A marker at each version's first time, but the earliest version's (the axis starts there)."""
    start = min(first_seen.values(), default=None)
    return sorted((t, version) for version, t in first_seen.items() if t != start)


def production_panels(points: Sequence[DriftPoint]) -> list[ProductionPanel]:
    """One panel per model with drift rows: drift index and label accuracy per version and day."""
    drift: dict[str, dict[str, dict[date, float]]] = defaultdict(lambda: defaultdict(dict))
    accuracy: dict[str, dict[str, list[tuple[datetime, float]]]] = defaultdict(lambda: defaultdict(list))
    first_seen: dict[str, dict[str, datetime]] = defaultdict(dict)
    for p in points:
        seen = first_seen[p.model]
        seen[p.model_version] = min(seen.get(p.model_version, _moment(p.day)), _moment(p.day))
        if p.kind == "drift" and p.threshold:
            days = drift[p.model][p.model_version]
            days[p.day] = max(days.get(p.day, 0.0), p.value / p.threshold)
        elif p.kind == "accuracy" and p.metric in ("label_accuracy", "relevance"):
            accuracy[p.model][p.model_version].append((_moment(p.day), p.value))
    panels = []
    for model in sorted(set(drift) | set(accuracy)):
        versions = sorted(set(drift[model]) | set(accuracy[model]))
        markers = _releases(first_seen[model])
        lines = {v: [(_moment(d), r) for d, r in sorted(days.items())] for v, days in drift[model].items()}
        drift_chart = charts.time_lines(
            lines,
            title=f"{model}: worst drift / threshold per day",
            markers=markers,
            reference=(1.0, "threshold"),
            low=0.0,
        )
        accuracy_chart = None
        if accuracy[model]:
            accuracy_chart = charts.time_lines(
                dict(accuracy[model]),
                title=f"{model}: accuracy on the analysts' labels per day",
                markers=markers,
                low=0.0,
                high=1.0,
            )
        panels.append(ProductionPanel(model, drift_chart, accuracy_chart, versions))
    return panels


@dataclass(frozen=True)
class DriftAlert:
    """The drifts past their threshold of one model version on its latest recorded day."""

    model: str
    model_version: str
    day: date
    drifts: list[DriftPoint]


def drift_alerts(points: Sequence[DriftPoint]) -> list[DriftAlert]:
    """Each model version whose latest recorded day has drifts past their threshold."""
    latest: dict[tuple[str, str], date] = {}
    for p in points:
        if p.kind == "drift":
            key = (p.model, p.model_version)
            latest[key] = max(latest.get(key, p.day), p.day)
    drifted: dict[tuple[str, str], list[DriftPoint]] = defaultdict(list)
    for p in points:
        if p.drifted and latest.get((p.model, p.model_version)) == p.day:
            drifted[(p.model, p.model_version)].append(p)
    return [
        DriftAlert(model, version, found[0].day, found) for (model, version), found in sorted(drifted.items())
    ]


def evaluation_charts(metrics: Sequence[ModelMetric]) -> tuple[list[tuple[str, Markup]], list[ModelMetric]]:
    """Charts of the models and metrics evaluated at several times (a line per version, and per
    dataset when there are several), and the latest row of each evaluated only once."""
    grouped: dict[tuple[str, str], list[ModelMetric]] = defaultdict(list)
    for m in metrics:
        grouped[(m.model, m.metric)].append(m)
    figures: list[tuple[str, Markup]] = []
    single: list[ModelMetric] = []
    for (model, metric), rows in sorted(grouped.items()):
        if len({m.evaluated_at for m in rows}) < 2:
            single.extend(sorted(rows, key=lambda m: (m.dataset or "", m.version or "")))
            continue
        several = len({m.dataset for m in rows}) > 1
        lines: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
        first_seen: dict[str, datetime] = {}
        for m in sorted(rows, key=lambda m: m.evaluated_at):
            version = f"v{m.version or '?'}"
            first_seen.setdefault(version, m.evaluated_at)
            if m.value is not None:
                lines[f"{version} · {m.dataset}" if several else version].append((m.evaluated_at, m.value))
        title = f"{model} · {metric}"
        figures.append((title, charts.time_lines(dict(lines), title=title, markers=_releases(first_seen))))
    return figures, single
