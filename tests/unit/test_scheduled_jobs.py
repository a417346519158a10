from __future__ import annotations

import pytest

from trendwatch.app.decoding import scheduled_job
from trendwatch.app.handling import Received
from trendwatch.app.scheduled import ScheduledJobs
from trendwatch.contracts.cloudevents import InvalidEvent, PubSubMessage
from trendwatch.contracts.events import ScheduledJob


def _tick(body: bytes) -> PubSubMessage:
    return PubSubMessage("m1", body, {}, topic="scheduled-jobs")


def test_a_tick_naming_a_scheduled_job_decodes() -> None:
    assert scheduled_job(_tick(b'{"job": "influence"}')) == ScheduledJob("influence")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"job": "reindex-everything"}', "unknown scheduled job 'reindex-everything'"),
        (b"{}", "invalid ScheduledJob"),
        (b'{"job": "influence", "extra": 1}', "invalid ScheduledJob"),
        (b"not json", "invalid ScheduledJob"),
    ],
)
def test_a_tick_that_names_no_known_job_is_invalid_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        scheduled_job(_tick(body))


def test_ticks_of_one_batch_naming_the_same_job_run_it_once_in_order() -> None:
    ran: list[str] = []
    jobs = ScheduledJobs(
        {"influence": lambda: ran.append("influence"), "trend-alerts": lambda: ran.append("alerts")}
    )
    batch = [
        Received(_tick(b""), ScheduledJob(name)) for name in ("trend-alerts", "influence", "trend-alerts")
    ]
    jobs.run(batch)
    assert ran == ["alerts", "influence"]
