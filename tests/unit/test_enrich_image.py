"""enrich-image: media kept once per content in the lake, unusable content dead-lettered."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from PIL import Image

from tests.fakes.publisher import RecordingPublisher
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
from trendwatch.app.enrich_image import (
    CONTENT_PREFIX,
    URL_PREFIX,
    EnrichImageService,
    MediaSource,
    url_pointer,
)
from trendwatch.app.handling import DeadLetters, Received
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.dead_letters import REASON
from trendwatch.contracts.events import MediaEnriched
from trendwatch.contracts.topology import MEDIA_ENRICHED
from trendwatch.domain.tweets import Author, MediaRef, Tweet
from trendwatch.generator.images import png_bytes
from trendwatch.runtime.delivery import routes

PICTURE = png_bytes(Image.new("RGB", (40, 30), (200, 30, 30)))
ROUTE = routes()["enrich-image-tweets-raw"]


class FakeFetch:
    """Serves fixed bytes per URL and counts the fetches."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.bodies[url]


def tweet(tweet_id: str, *media: MediaRef) -> Received[Tweet]:
    value = Tweet(
        tweet_id=tweet_id,
        created_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        author=Author(user_id="u1", username="alice"),
        text="look",
        media=media,
    )
    return Received(PubSubMessage(tweet_id, tweet_id.encode(), {"tweet_id": tweet_id}), value)


def photo(key: str, url: str) -> MediaRef:
    return MediaRef(media_key=key, type="photo", url=url)


@pytest.fixture
def lake(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "lake")


def service(lake: LocalBlobStore, fetch: FakeFetch, publisher: RecordingPublisher) -> EnrichImageService:
    return EnrichImageService(
        LocalImageAnalyzer(), MediaSource(lake, fetch), publisher, DeadLetters(publisher), ROUTE
    )


def stored(lake: LocalBlobStore, prefix: str) -> list[str]:
    return list(lake.list(prefix))


def test_media_is_stored_once_by_content_hash_and_a_known_url_is_not_fetched_again(
    lake: LocalBlobStore,
) -> None:
    fetch = FakeFetch({"https://pbs.twimg.com/a.png": PICTURE, "https://pbs.twimg.com/b.png": PICTURE})
    publisher = RecordingPublisher()
    enrich = service(lake, fetch, publisher)
    enrich.enrich([tweet("1", photo("m1", "https://pbs.twimg.com/a.png"))])
    enrich.enrich([tweet("2", photo("m2", "https://pbs.twimg.com/a.png"))])  # same URL
    enrich.enrich([tweet("3", photo("m3", "https://pbs.twimg.com/b.png"))])  # same bytes, other URL
    assert fetch.urls == ["https://pbs.twimg.com/a.png", "https://pbs.twimg.com/b.png"]
    digest = hashlib.sha256(PICTURE).hexdigest()
    assert stored(lake, CONTENT_PREFIX) == [f"{CONTENT_PREFIX}{digest}.png"]
    assert len(stored(lake, URL_PREFIX)) == 2
    events = [msgspec.json.decode(m.data, type=MediaEnriched) for m in publisher.on(MEDIA_ENRICHED)]
    assert [(e.media_key, e.content_sha256) for e in events] == [
        ("m1", digest),
        ("m2", digest),
        ("m3", digest),
    ]


def test_unusable_content_is_dead_lettered_with_the_reason_and_never_stored(lake: LocalBlobStore) -> None:
    fetch = FakeFetch(
        {
            "https://pbs.twimg.com/page.png": b"<html>not an image</html>",
            "https://pbs.twimg.com/cut.png": PICTURE[: len(PICTURE) // 2],
            "https://pbs.twimg.com/ok.png": PICTURE,
        }
    )
    publisher = RecordingPublisher()
    service(lake, fetch, publisher).enrich(
        [
            tweet(
                "1",
                photo("html", "https://pbs.twimg.com/page.png"),
                photo("cut", "https://pbs.twimg.com/cut.png"),
                photo("ok", "https://pbs.twimg.com/ok.png"),
            )
        ]
    )
    reasons = {m.attributes["media_key"]: m.attributes[REASON] for m in publisher.on(ROUTE.dead_letter_topic)}
    assert reasons.keys() == {"html", "cut"}
    assert reasons["html"].startswith("media html: not an image in an accepted format")
    assert reasons["cut"] == "media cut: truncated or corrupt PNG data: image file is truncated"
    assert [
        msgspec.json.decode(m.data, type=MediaEnriched).media_key for m in publisher.on(MEDIA_ENRICHED)
    ] == ["ok"]
    # Only what decoded is stored: neither the HTML nor the truncated PNG, nor pointers to them.
    assert stored(lake, CONTENT_PREFIX) == [f"{CONTENT_PREFIX}{hashlib.sha256(PICTURE).hexdigest()}.png"]
    assert stored(lake, URL_PREFIX) == [url_pointer("https://pbs.twimg.com/ok.png")]


def test_refused_media_is_fetched_again_on_redelivery_but_a_kept_one_is_not(lake: LocalBlobStore) -> None:
    fetch = FakeFetch(
        {
            "https://pbs.twimg.com/cut.png": PICTURE[: len(PICTURE) // 2],
            "https://pbs.twimg.com/ok.png": PICTURE,
        }
    )
    enrich = service(lake, fetch, RecordingPublisher())
    delivery = tweet(
        "1", photo("cut", "https://pbs.twimg.com/cut.png"), photo("ok", "https://pbs.twimg.com/ok.png")
    )
    enrich.enrich([delivery])
    enrich.enrich([delivery])
    assert fetch.urls == [
        "https://pbs.twimg.com/cut.png",
        "https://pbs.twimg.com/ok.png",
        "https://pbs.twimg.com/cut.png",
    ]


def test_replayed_media_is_read_from_the_lake_without_fetching(lake: LocalBlobStore) -> None:
    lake.write("raw/media/m9.png", PICTURE, "image/png")
    fetch = FakeFetch({})
    publisher = RecordingPublisher()
    service(lake, fetch, publisher).enrich([tweet("9", photo("m9", "https://pbs.twimg.com/m9.png"))])
    assert fetch.urls == []
    assert len(publisher.on(MEDIA_ENRICHED)) == 1
    assert stored(lake, CONTENT_PREFIX) == []
