"""Restock recommendations reach the chat webhook once each: a failed post is kept, with its
state, on the stored recommendation and tried again by the next run; one sent is never posted
again; a recommendation stored without a webhook is never posted."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.restock_delivery import RETRY_DAYS, WAITING, RestockWebhookDelivery, delivery_states
from trendwatch.app.webhook_delivery import Delivery
from trendwatch.contracts.events import RestockRecommendation

DAY = date(2026, 11, 3)


class FlakyWebhook:
    """A chat webhook that refuses the posts it is told to, and keeps those it took."""

    def __init__(self, refused: int = 0) -> None:
        self.refused = refused
        self.tried: list[str] = []
        self.taken: list[RestockRecommendation] = []

    def send_restock(self, recommendation: RestockRecommendation) -> None:
        self.tried.append(recommendation.sku)
        if self.refused:
            self.refused -= 1
            raise RuntimeError("the webhook answered 500 Internal Server Error")
        self.taken.append(recommendation)


def _store(warehouse: DuckDBWarehouse, day: date, states: dict[str, str | None]) -> None:
    warehouse.merge_rows(
        "restock_recommendations",
        [
            {
                "as_of": day,
                "sku": sku,
                "location_id": "STORE-1",
                "recommended_quantity": 12,
                "stockout_date": day + timedelta(days=2),
                "urgency": "high",
                "reason": "2 days of cover",
                "run_id": "r1",
                "created_at": datetime(2026, 11, 3, 6, tzinfo=UTC),
                "webhook": state,
            }
            for sku, state in states.items()
        ],
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    store = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    yield store
    store.close()


def test_a_failed_post_is_tried_again_by_the_next_run_and_nothing_sent_is_posted_twice(
    warehouse: DuckDBWarehouse, caplog: pytest.LogCaptureFixture
) -> None:
    _store(warehouse, DAY, {"A": WAITING, "B": WAITING, "C": WAITING})
    webhook = FlakyWebhook(refused=1)  # the first post fails, the webhook takes every later one
    delivery = RestockWebhookDelivery(warehouse, webhook)

    with caplog.at_level(logging.WARNING):
        first = delivery.deliver(DAY)
        kept = delivery_states(warehouse, DAY)
        second = delivery.deliver(DAY + timedelta(days=1))  # the next day's run
        third = delivery.deliver(DAY + timedelta(days=2))

    assert (first, second, third) == (2, 1, 0)
    assert webhook.tried == ["A", "B", "C", "A"]  # A failed, then was taken; B and C once
    assert sorted(r.sku for r in webhook.taken) == ["A", "B", "C"]
    assert msgspec.json.decode(kept[("A", "STORE-1")], type=Delivery) == Delivery(1, sent=False, failures=1)
    assert msgspec.json.decode(kept[("B", "STORE-1")], type=Delivery) == Delivery(1, sent=True)
    assert {msgspec.json.decode(s, type=Delivery).sent for s in delivery_states(warehouse, DAY).values()} == {
        True
    }
    assert [r.levelname for r in caplog.records if r.msg.startswith("restock webhook failed")] == ["WARNING"]
    # the posted recommendation is the stored one, read back whole
    taken = next(r for r in webhook.taken if r.sku == "A")
    assert (taken.as_of, taken.stockout_date, taken.recommended_quantity) == (DAY, date(2026, 11, 5), 12)


def test_a_webhook_that_keeps_failing_is_tried_twice_then_given_up(
    warehouse: DuckDBWarehouse, caplog: pytest.LogCaptureFixture
) -> None:
    _store(warehouse, DAY, {"A": WAITING})
    webhook = FlakyWebhook(refused=5)
    delivery = RestockWebhookDelivery(warehouse, webhook)

    with caplog.at_level(logging.WARNING):
        sent = [delivery.deliver(DAY + timedelta(days=n)) for n in range(3)]

    assert sent == [0, 0, 0] and webhook.tried == ["A", "A"]
    assert [r.levelname for r in caplog.records if r.msg.startswith("restock webhook failed")] == [
        "WARNING",
        "ERROR",
    ]


def test_only_recommendations_stored_for_the_webhook_and_recent_enough_are_posted(
    warehouse: DuckDBWarehouse,
) -> None:
    _store(warehouse, DAY, {"A": None, "B": WAITING})  # A was stored with no webhook set
    _store(warehouse, DAY - timedelta(days=RETRY_DAYS + 1), {"OLD": WAITING})
    _store(warehouse, DAY + timedelta(days=1), {"LATER": WAITING})  # after the day the run plans
    webhook = FlakyWebhook()

    assert RestockWebhookDelivery(warehouse, webhook).deliver(DAY) == 1
    assert webhook.tried == ["B"]
