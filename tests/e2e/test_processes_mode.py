"""``--processes`` mode end to end: each service in its own functions-framework server, the router between."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw

from tests.fakes.service_extras import REPO, REPORT_ENV
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.runtime.processes import ProcessPipeline
from trendwatch.settings import Settings

GUARD = REPO / "tests" / "fakes" / "extras_guard"

pytestmark = pytest.mark.e2e

TWEETS = 12
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXTS = [
    "Loving the new #linen summer dress, perfect for the beach",
    "These #sneakers are so comfortable, best purchase this year",
    "Terrible customer service at the store today, never again",
    "Cette robe en lin est magnifique, je l'adore #linen",
]


def _stream_line(index: int, *, media_key: str | None = None) -> bytes:
    tweet: dict[str, object] = {
        "id": str(1000 + index),
        "text": TEXTS[index % len(TEXTS)],
        "created_at": (START + timedelta(seconds=30 * index)).isoformat().replace("+00:00", "Z"),
        "author_id": str(10 + index % 3),
        "lang": "fr" if index % len(TEXTS) == 3 else "en",
        "public_metrics": {
            "retweet_count": index,
            "reply_count": 0,
            "like_count": 2 * index,
            "quote_count": 0,
        },
    }
    includes: dict[str, object] = {
        "users": [{"id": str(10 + index % 3), "username": f"shopper{index % 3}", "name": "Shopper"}]
    }
    if media_key:
        tweet["attachments"] = {"media_keys": [media_key]}
        includes["media"] = [{"media_key": media_key, "type": "photo", "width": 64, "height": 48}]
    message = {"data": tweet, "includes": includes, "matching_rules": [{"id": "1", "tag": "fashion"}]}
    return json.dumps(message).encode()


@pytest.fixture
def stream_file(tmp_path: Path) -> Path:
    """A dozen tweets (one with a photo in ``media/``) and one malformed line."""
    folder = tmp_path / "stream"
    (folder / "media").mkdir(parents=True)
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    ImageDraw.Draw(image).rectangle((16, 12, 48, 36), fill=(20, 20, 220))
    image.save(folder / "media" / "3_photo1.png")
    lines = [_stream_line(i, media_key="3_photo1" if i == 5 else None) for i in range(TWEETS)]
    lines.insert(7, b'{"data": {"id": "broken", "text": ')
    path = folder / "tweets.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _push_tweet(url: str, headers: dict[str, str]) -> int:
    """POST a tweets-raw push (binary CloudEvent) of a new tweet; the answer's status."""
    message = {"data": base64.b64encode(_stream_line(99)).decode(), "attributes": {"tweet_id": "1099"}}
    event = {
        "ce-id": "stranger-1",
        "ce-source": "//pubsub.googleapis.com/projects/e2e-project/topics/tweets-raw",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-specversion": "1.0",
        "content-type": "application/json",
    }
    body = json.dumps({"message": message, "subscription": "enrich-text-tweets-raw"})
    return httpx.post(url, headers=event | headers, content=body).status_code


def test_replay_through_service_processes_fills_the_warehouse(
    tmp_path: Path, stream_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each service process imports only what its requirements.in declares, as when deployed.
    undeclared = tmp_path / "undeclared-imports.txt"
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(GUARD), str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv(REPORT_ENV, str(undeclared))
    settings = Settings(state_dir=tmp_path / "state", project="e2e-project")
    progressed: list[int] = []
    with ProcessPipeline(settings) as pipeline:
        report = pipeline.replay(stream_file, progress=progressed.append)
        services = sorted(f"{p.service}.{p.entry_point}" for p in pipeline.processes)
        # A push that is not the router's (another local process, a web page) is refused.
        stranger = _push_tweet(pipeline.process("enrich-text", "on_tweet_raw").url, {})
        web_page = _push_tweet(
            pipeline.process("enrich-text", "on_tweet_raw").url,
            {"authorization": f"Bearer {pipeline.router.token}", "origin": "http://evil.example"},
        )
    assert (stranger, web_page) == (403, 403)

    warehouse = DuckDBWarehouse(settings.warehouse_path)
    tweets = warehouse.query("SELECT tweet_id FROM tweets ORDER BY tweet_id")
    assert [row["tweet_id"] for row in tweets] == [str(1000 + i) for i in range(TWEETS)]
    media = warehouse.query("SELECT media_key, tweet_id FROM media")
    assert media == [{"media_key": "3_photo1", "tweet_id": "1005"}]
    dead = warehouse.query("SELECT subscription, reason, payload FROM dead_letters")
    assert len(dead) == 1
    assert dead[0]["subscription"] == "ingest"
    assert dead[0]["payload"] == '{"data": {"id": "broken", "text": '
    assert "malformed JSON" in dead[0]["reason"]

    assert (report.ingest.lines, report.ingest.tweets, report.ingest.with_media) == (TWEETS + 1, TWEETS, 1)
    assert (report.ingest.dead_lettered, report.ingest.keep_alives, report.media_copied) == (1, 0, 1)
    assert sum(progressed) == TWEETS + 1
    assert services == [
        "aggregate.on_media_enriched",
        "aggregate.on_scheduled_job",
        "aggregate.on_tweet_enriched",
        "enrich-image.on_tweet_with_media",
        "enrich-text.on_tweet_raw",
        "ingest.on_replay_file_finalized",
        "inventory-sync.on_feed_finalized",
        "inventory-sync.on_stock_event",
        "inventory-sync.on_supply_job",
    ]
    assert (settings.state_dir / "logs" / "enrich-text-on_tweet_raw.log").is_file()
    assert not undeclared.exists(), undeclared.read_text()
