"""``forecast`` (inventory-sync, daily): demand forecasts with and without the social signal,
then the projected stock and the restock recommendations that follow from them.

Days. ``as_of`` is the day the job plans for ("today"): by default the day after the latest
day with orders. Its history ends the day before (the last complete day); forecasts cover
``as_of`` and the ``horizon - 1`` days after it, and the stock is projected from the end of the
last complete day (latest snapshot plus stock events since it).

Idempotency. A run writes the day's forecasts and recommendations by replacing the ``as_of``
partition of their tables (one step each), then records itself in ``forecast_runs``; a day that
has a run (for the same horizon) is not run again unless asked (``rerun``), so a redelivered
tick costs a lookup.
Recommendations are published on ``restock-recommendations`` (one message per SKU and location,
keyed by ``as_of``, ``sku`` and ``location_id`` for consumers to deduplicate) and, when one is
set, posted to the alert webhook once the run is recorded, each once; a failed post is tried
again by the next run (:mod:`trendwatch.app.restock_delivery`).

What it read. The run records the feed files loaded so far (``feed_loads``), so that a forecast
can be traced to the loads it saw: files load whole (a file's good rows in one statement), so a
forecast never sees half a file.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypedDict

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pyarrow as pa

from trendwatch.app.restock_delivery import WAITING, RestockSink, RestockWebhookDelivery, delivery_states
from trendwatch.app.social_features import SOCIAL_COLUMNS, emergence_days, sku_social_daily
from trendwatch.contracts.events import RestockRecommendation, encode
from trendwatch.contracts.topology import RESTOCK_RECOMMENDATIONS
from trendwatch.domain.restock import RestockSettings, recommend_restock
from trendwatch.domain.stock_projection import ProjectionSettings, project_stock
from trendwatch.observability import get_logger
from trendwatch.ports import Clock, Publisher, Warehouse
from trendwatch.warehouse.schema import table

log = get_logger(__name__)

#: ``forecasts.location_id`` of a SKU's total over its locations (a key column cannot be NULL).
ALL_LOCATIONS = "*"

_LATEST_ORDER_DAY_SQL = "SELECT MAX(DATE(ordered_at)) AS day FROM orders"
_RUN_SQL = "SELECT run_id FROM forecast_runs WHERE as_of = @as_of AND horizon_days = @horizon"
_DEMAND_SQL = """
SELECT sku, location_id, DATE(ordered_at) AS ordered_at, SUM(quantity) AS quantity
FROM orders
WHERE ordered_at >= @since AND ordered_at < @until AND sku IN (SELECT sku FROM products)
GROUP BY sku, location_id, DATE(ordered_at)
"""
_SNAPSHOTS_SQL = """
SELECT snapshot_date, sku, location_id, on_hand FROM inventory_daily
WHERE snapshot_date >= @first AND snapshot_date <= @last
"""
_PRODUCTS_SQL = "SELECT sku, category FROM products"
_EVENTS_SQL = """
SELECT event_id, sku, location_id, event_time, delta, level FROM stock_events
WHERE event_time >= @since AND event_time < @until
"""
_DELIVERIES_SQL = """
SELECT delivery_id, sku, location_id, quantity, expected_date, delivered_at, status FROM deliveries
WHERE status IS NULL OR status != 'delivered' OR delivered_at >= @since
"""
#: Per SKU, the linked topic that alerted most recently within the horizon's span before as_of.
_DRIVERS_SQL = """
WITH alerted AS (
  SELECT topic_id, MAX(first_detected_at) AS alerted_at FROM trend_alerts
  WHERE first_detected_at < @until GROUP BY topic_id
)
SELECT tp.sku, tp.topic_id, COALESCE(t.label, tp.topic_id) AS topic_label
FROM topic_products AS tp
JOIN alerted AS a ON a.topic_id = tp.topic_id
LEFT JOIN topics AS t ON t.topic_id = tp.topic_id
WHERE a.alerted_at >= @since
QUALIFY ROW_NUMBER() OVER (PARTITION BY tp.sku ORDER BY tp.score DESC, a.alerted_at DESC, tp.topic_id) = 1
"""
_FEED_LOADS_SQL = "SELECT object_name FROM feed_loads WHERE loaded_at <= @now ORDER BY object_name"


@dataclass(frozen=True)
class SupplySettings:
    horizon_days: int = 14
    #: Days of order history the models learn from.
    history_days: int = 182
    #: How recent a topic's alert must be for it to drive a product's recommendation.
    driver_days: int = 14
    restock: RestockSettings = field(default_factory=RestockSettings)
    #: The forecasting candidates to run (``trendwatch.forecasting.models``); ``None``: the
    #: defaults. An environment picks them by pinning their versions (``trendwatch.experiments.pins``).
    social_model: str | None = None
    baseline: str | None = None

    def models(self) -> ForecastModels:
        """The ``social_model`` / ``baseline`` arguments of the forecasting functions."""
        chosen = ForecastModels()
        if self.social_model is not None:
            chosen["social_model"] = self.social_model
        if self.baseline is not None:
            chosen["baseline"] = self.baseline
        return chosen


class ForecastModels(TypedDict, total=False):
    """The forecasting candidates to run (unset: the defaults)."""

    social_model: str
    baseline: str


@dataclass(frozen=True)
class SupplyReport:
    as_of: date
    run_id: str
    ran: bool
    series: int = 0
    forecast_rows: int = 0
    recommendations: int = 0


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class SupplyJob:
    """The daily supply job (see the module docstring)."""

    def __init__(
        self,
        warehouse: Warehouse,
        publisher: Publisher,
        clock: Clock,
        *,
        webhook: RestockSink | None = None,
        settings: SupplySettings | None = None,
    ) -> None:
        self._warehouse = warehouse
        self._publisher = publisher
        self._clock = clock
        self._webhook = webhook
        self._settings = settings or SupplySettings()

    def default_as_of(self) -> date | None:
        """The day after the latest day with orders (``None`` without orders)."""
        latest = self._warehouse.query(_LATEST_ORDER_DAY_SQL)[0]["day"]
        return None if latest is None else _as_date(latest) + timedelta(days=1)

    def run(self, as_of: date | None = None, *, rerun: bool = False) -> SupplyReport:
        day = as_of or self.default_as_of()
        if day is None:
            raise NoOrdersError("no orders loaded yet: load the order feeds before forecasting")
        done = self._warehouse.query(_RUN_SQL, {"as_of": day, "horizon": self._settings.horizon_days})
        if done and not rerun:
            self._post_waiting(day)  # the tick again: what failed to post is tried again
            return SupplyReport(day, done[0]["run_id"], ran=False)
        started = self._clock.now()
        run_id = uuid.uuid4().hex
        forecasts = self._forecast(day, run_id)
        recommendations = self._restock(day, run_id, forecasts)
        self._record(day, run_id, forecasts, started)
        self._post_waiting(day)
        series = int((forecasts["location_id"] != ALL_LOCATIONS).sum() // self._settings.horizon_days)
        report = SupplyReport(day, run_id, True, series, len(forecasts), len(recommendations))
        log.info("supply job done", extra={k: str(v) for k, v in vars(report).items()})
        return report

    def backtest(self, as_of: date | None = None, *, origins: int = 4) -> list[dict[str, Any]]:
        """A rolling-origin backtest of both models on the history before ``as_of``: ``origins``
        forecasts a week apart, the last one a horizon before ``as_of``, each scored against
        the orders that followed (censored days left out). Trending products are those linked
        to a topic that emerged (``topic_products`` and ``trend_alerts``), from the day it did.
        The figures go to ``model_metrics`` (dataset ``rolling-origin backtest``) and are returned."""
        from trendwatch.forecasting.backtest import backtest, origins_before
        from trendwatch.forecasting.pipeline import model_infos

        day = as_of or self.default_as_of()
        if day is None:
            raise NoOrdersError("no orders loaded yet: load the order feeds before a backtest")
        demand, social, products = self.inputs(day)
        horizon = self._settings.horizon_days
        trending = pd.DataFrame(
            [{"sku": sku, "onset": onset} for sku, onset in emergence_days(self._warehouse).items()],
            columns=["sku", "onset"],
        )
        last = day - timedelta(days=1)
        social_info, baseline_info = model_infos(**self._settings.models())
        result = backtest(
            demand,
            social,
            products,
            origins_before(last, origins, horizon=horizon),
            horizon,
            trending=trending,
            baselines=(baseline_info.name,),
            social_models=(social_info.name,),
        )
        versions = {info.name: info.version for info in (social_info, baseline_info)}
        now = self._clock.now()
        rows = [
            {
                "model": f"forecast-{m['kind']}:{m['model']}",
                "version": versions.get(m["model"]),
                "dataset": f"rolling-origin backtest ({origins} origins to {last})",
                "metric": m["metric"],
                "value": float(m["value"]),
                "evaluated_at": now,
            }
            for m in result.metrics.to_dict("records")
        ]
        self._warehouse.merge_rows("model_metrics", rows)
        return rows

    # -- forecasts -------------------------------------------------------------------------------

    def inputs(self, day: date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The demand history (censored days marked), the products' social series and the
        catalogue, as of the end of the day before ``day``."""
        from trendwatch.forecasting.demand import daily_demand

        last = day - timedelta(days=1)
        first = day - timedelta(days=self._settings.history_days)
        orders = self._compact_frame(_DEMAND_SQL, {"since": _midnight(first), "until": _midnight(day)})
        snapshots = self._compact_frame(_SNAPSHOTS_SQL, {"first": first - timedelta(days=1), "last": last})
        social = pd.DataFrame(
            sku_social_daily(self._warehouse, first, last), columns=["sku", "date", *SOCIAL_COLUMNS]
        )
        return daily_demand(orders, snapshots, first, last), social, self._frame(_PRODUCTS_SQL)

    def _forecast(self, day: date, run_id: str) -> pd.DataFrame:
        from trendwatch.forecasting.pipeline import forecast

        demand, social, products = self.inputs(day)
        last = day - timedelta(days=1)
        result = forecast(
            demand,
            social,
            products,
            last,
            self._settings.horizon_days,
            run_id=run_id,
            **self._settings.models(),
        )
        result["location_id"] = result["location_id"].fillna(ALL_LOCATIONS)
        self._warehouse.replace_partition("forecasts", day, self._forecast_rows(day, result))
        return result

    def _forecast_rows(self, day: date, result: pd.DataFrame) -> pa.Table:
        now = self._clock.now()
        dates = pd.to_datetime(result["date"]).dt.date
        frame = pd.DataFrame(
            {
                "as_of": day,
                "sku": result["sku"].astype(str),
                "location_id": result["location_id"].astype(str),
                "forecast_date": dates,
                "horizon_days": [(d - day).days + 1 for d in dates],
                **{c: result[c].astype(float) for c in _QUANTILES},
                "model": result["model"],
                "model_version": result["model_version"],
                "baseline_model": result["baseline_model"],
                "run_id": result["run_id"],
                "features_as_of": _midnight(day),
                "created_at": now,
            }
        )
        return _arrow(frame, "forecasts")

    # -- restock ---------------------------------------------------------------------------------

    def _restock(self, day: date, run_id: str, forecasts: pd.DataFrame) -> pd.DataFrame:
        settings = self._settings
        last = day - timedelta(days=1)
        week_before = _midnight(last - timedelta(days=7))
        at_locations = forecasts[forecasts["location_id"] != ALL_LOCATIONS]
        projection = project_stock(
            self._frame(_SNAPSHOTS_SQL, {"first": last - timedelta(days=30), "last": last}),
            self._frame(_EVENTS_SQL, {"since": week_before, "until": _midnight(day)}),
            self._frame(_DELIVERIES_SQL, {"since": week_before}),
            at_locations,
            last,
            ProjectionSettings(horizon_days=settings.horizon_days),
        )
        drivers = self._frame(
            _DRIVERS_SQL,
            {"since": _midnight(day - timedelta(days=settings.driver_days)), "until": _midnight(day)},
        )
        self._warehouse.replace_partition("stock_cover", day, self._cover_rows(day, run_id, projection))
        recommendations = recommend_restock(projection, at_locations, drivers, settings.restock, last)
        rows = self._recommendation_rows(day, run_id, recommendations)
        self._warehouse.replace_partition(
            "restock_recommendations", day, _arrow(rows, "restock_recommendations")
        )
        self._publish(day, rows)
        return rows

    @staticmethod
    def _cover_rows(day: date, run_id: str, projection: pd.DataFrame) -> pa.Table:
        """One row per SKU and location: the projection over the horizon, summed."""
        by_pair = projection.groupby(["sku", "location_id"], sort=True, observed=True)
        cover = by_pair.agg(
            on_hand=("on_hand", "first"),
            receipts=("receipts", "sum"),
            demand_p50=("demand_p50", "sum"),
            demand_p90=("demand_p90", "sum"),
            days_of_cover=("days_of_cover", "first"),
            days_of_cover_p90=("days_of_cover_p90", "first"),
            stockout_date=("stockout_date", "first"),
            stockout_date_p90=("stockout_date_p90", "first"),
        ).reset_index()
        cover["as_of"], cover["run_id"] = day, run_id
        for column in ("on_hand", "receipts"):
            cover[column] = cover[column].round().astype("int64")
        for column in ("sku", "location_id"):
            cover[column] = cover[column].astype(str)
        for column in ("stockout_date", "stockout_date_p90"):
            cover[column] = _dates(cover[column])
        return _arrow(cover, "stock_cover")

    def _recommendation_rows(self, day: date, run_id: str, found: pd.DataFrame) -> pd.DataFrame:
        rows = found.copy()
        rows["as_of"] = day
        for column in ("stockout_date", "stockout_date_p90", "order_date", "arrival_date", "window_end"):
            rows[column] = _dates(rows[column])
        # An order "at the end of the last complete day" is placed by this morning's run: today.
        rows["order_date"] = [None if d is None else max(d, day) for d in rows["order_date"]]
        rows["run_id"] = run_id
        rows["created_at"] = self._clock.now()
        rows["webhook"] = self._webhook_states(day, rows)
        return rows

    def _webhook_states(self, day: date, rows: pd.DataFrame) -> list[str | None]:
        """Each recommendation waits for the webhook when there is one; a rerun of the day keeps
        the state its stored twin had (one sent is not posted again)."""
        if self._webhook is None:
            return [None] * len(rows)
        stored = delivery_states(self._warehouse, day)
        return [
            stored.get((str(sku), str(location)), WAITING)
            for sku, location in zip(rows["sku"], rows["location_id"], strict=True)
        ]

    def _publish(self, day: date, rows: pd.DataFrame) -> None:
        events = [
            RestockRecommendation(
                as_of=day,
                sku=str(r["sku"]),
                location_id=str(r["location_id"]),
                recommended_quantity=int(r["recommended_quantity"]),
                stockout_date=r["stockout_date"],
                days_of_cover=_float(r["days_of_cover"]),
                urgency=str(r["urgency"]),
                topic_id=_text(r["topic_id"]),
                topic_label=_text(r["topic_label"]),
                uplift=_float(r["uplift"]),
                reason=str(r["reason"]),
            )
            for r in rows.to_dict("records")
        ]
        if not events:
            return
        self._publisher.publish_many(
            RESTOCK_RECOMMENDATIONS,
            [
                (encode(e), {"sku": e.sku, "location_id": e.location_id, "as_of": day.isoformat()})
                for e in events
            ],
        )

    def _post_waiting(self, day: date) -> None:
        """Post the recommendations that wait for the webhook (this run's, and those a previous
        run failed to post), after the run is recorded: the webhook is a second channel."""
        if self._webhook is not None:
            RestockWebhookDelivery(self._warehouse, self._webhook).deliver(day)

    # -- bookkeeping -----------------------------------------------------------------------------

    def _record(self, day: date, run_id: str, forecasts: pd.DataFrame, started: datetime) -> None:
        first = forecasts.iloc[0] if len(forecasts) else None
        self._warehouse.merge_rows(
            "forecast_runs",
            [
                {
                    "run_id": run_id,
                    "as_of": day,
                    "model": None if first is None else first["model"],
                    "model_version": None if first is None else first["model_version"],
                    "baseline_model": None if first is None else first["baseline_model"],
                    "horizon_days": self._settings.horizon_days,
                    "series": int((forecasts["location_id"] != ALL_LOCATIONS).sum())
                    // self._settings.horizon_days,
                    "features_as_of": _midnight(day),
                    "feed_loads": [
                        r["object_name"] for r in self._warehouse.query(_FEED_LOADS_SQL, {"now": started})
                    ],
                    "started_at": started,
                    "finished_at": self._clock.now(),
                }
            ],
        )

    def _frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        return self._warehouse.query_arrow(sql, params).to_pandas()

    def _compact_frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """A large read with its days as ``datetime64`` and its text as categoricals: the history's
        order lines and snapshots (45 M rows at 5,000 SKUs x 50 locations) otherwise hold a
        Python ``date`` object per cell and a pointer per key cell."""
        return self._warehouse.query_arrow(sql, params).to_pandas(
            date_as_object=False, strings_to_categorical=True
        )


class NoOrdersError(RuntimeError):
    """Nothing to forecast from."""


_QUANTILES = ("p10", "p50", "p90", "baseline_p10", "baseline_p50", "baseline_p90")


def _arrow(frame: pd.DataFrame, table_name: str) -> pa.Table:
    """``frame`` as the table's Arrow rows: its columns in order, missing ones null."""
    names = table(table_name).column_names
    columns = {n: frame[n] if n in frame else pd.Series([None] * len(frame), dtype=object) for n in names}
    return pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)


def _dates(values: pd.Series) -> pd.Series:
    """Days as ``date`` objects, ``None`` where there is none (NaT)."""
    days = pd.to_datetime(values)
    return pd.Series([None if pd.isna(d) else d.date() for d in days], index=values.index, dtype=object)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
