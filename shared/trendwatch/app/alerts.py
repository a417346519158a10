"""Trend alerts: one ``trend-alerts`` event per emergence, updated as it grows, optionally a webhook.

Where detection runs: a **scheduled job**, not the aggregate service. Scoring a topic needs the
whole stream (every active author of each minute for the exposure, every term of the topic for
its voices, the membership of all topics), while aggregate sees one batch at a time in many
concurrent instances that would race to raise the same alert. One job run every minute in
production (Cloud Scheduler), and locally after each replay or live-stream run of the pipeline
(:class:`~trendwatch.runtime.local.LocalPipeline`), reads the warehouse, and publishes only what
is new.

Exactly once, as far as consumers can tell: an emergence has one ``alert_id`` (topic id and
minute of first detection, derived from the facts, so a replay finds the same one; once stored,
it stays the emergence's id even if late tweets move the first detection by a minute, see
:func:`~trendwatch.app.trends.known_alerts`) and a ``version`` that grows only when its voices
double. The job publishes an alert only when
``trend_alerts`` holds no row for it at that version, and stores it after publishing; a rerun
or a redelivered trigger therefore publishes nothing twice, and a crash between publishing and
storing republishes the same ``(alert_id, version)``, which consumers deduplicate on. Only then,
with the alert stored, is it posted to the webhook (:mod:`trendwatch.app.alert_delivery`): a
failing webhook neither keeps an alert from being stored nor makes it published again.
Cool-down: the detector keeps a topic quiet for ``cooldown`` minutes after an alert, so a new
emergence of the same topic is a new alert id only after that.
"""

from __future__ import annotations

from trendwatch.app.alert_delivery import AlertSink, WebhookDelivery, waiting
from trendwatch.app.trends import Emergence, alert_row, find_emergences, known_alerts
from trendwatch.contracts.events import TrendAlert, encode
from trendwatch.contracts.topology import TREND_ALERTS
from trendwatch.domain.emergence import EmergenceParams
from trendwatch.domain.topics import Embed
from trendwatch.observability import get_logger
from trendwatch.ports import Publisher, Warehouse

log = get_logger(__name__)


def trend_alert(emergence: Emergence) -> TrendAlert:
    s = emergence.summary
    return TrendAlert(
        topic_id=s.topic_id,
        label=s.label,
        terms=tuple(s.terms),
        score=s.score,
        volume=s.volume,
        window_start=emergence.window_start,
        window_end=emergence.window_end,
        first_detected_at=emergence.first_detected_at,
        top_tweets=tuple(emergence.sample_tweets),
        alert_id=s.alert_id,
        version=s.version,
        languages=tuple(s.languages),
        explanation=emergence.explanation,
    )


class TrendAlerter:
    """Finds emergences in the warehouse and publishes those not yet published at their version."""

    def __init__(
        self,
        warehouse: Warehouse,
        publisher: Publisher,
        *,
        webhook: AlertSink | None = None,
        embed: Embed | None = None,
        params: EmergenceParams | None = None,
    ) -> None:
        self._warehouse = warehouse
        self._publisher = publisher
        self._webhook = webhook
        self._embed = embed
        self._params = params

    def run(self) -> list[TrendAlert]:
        """Publish and store new alerts and updates, then post those waiting for the webhook;
        returns what was published."""
        params = self._params or EmergenceParams()
        found = find_emergences(self._warehouse, params=params, embed=self._embed)
        if not found:
            return []
        found, stored = known_alerts(self._warehouse, found, params.cooldown)
        fresh = [e for e in found if stored.get(e.summary.alert_id, 0) < e.summary.version]
        alerts = [trend_alert(e) for e in fresh]
        if alerts:
            self._publisher.publish_many(
                TREND_ALERTS,
                [
                    (encode(a), {"alert_id": a.alert_id, "version": str(a.version), "topic_id": a.topic_id})
                    for a in alerts
                ],
            )
            rows = [alert_row(e) for e in fresh]
            if self._webhook is not None:
                rows = [waiting(row, row["version"]) for row in rows]
            self._warehouse.merge_rows("trend_alerts", rows)
            log.info("trend alerts published", extra={"alerts": len(alerts)})
        if self._webhook is not None:
            WebhookDelivery(self._warehouse, self._webhook).deliver([trend_alert(e) for e in found])
        return alerts
