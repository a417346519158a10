"""Enrich-image: analyse every image of a tweet with media and publish ``media-enriched``.

Images are read from the lake (``raw/media/<media_key>.*``, where replays and earlier
fetches put them) or fetched once from an allowed URL and stored there. An image that
is not usable is dead-lettered with the reason; the tweet's other images go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from trendwatch.contracts.events import MediaEnriched, encode
from trendwatch.contracts.topology import MEDIA_ENRICHED
from trendwatch.domain.tweets import MediaRef, Tweet
from trendwatch.observability import get_logger, inject_traceparent, trace_scope
from trendwatch.ports import BlobStore, ImageAnalyzer, InvalidImage, Message, Publisher
from trendwatch.runtime.delivery import Route

from .handling import DeadLetters, Received

log = get_logger(__name__)

MEDIA_PREFIX = "raw/media/"
_SNIFFED_EXTENSIONS = ((b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF8", "gif"), (b"RIFF", "webp"))


def _extension(data: bytes) -> str:
    return next((ext for magic, ext in _SNIFFED_EXTENSIONS if data.startswith(magic)), "bin")


class MediaSource:
    """Image bytes for a media reference: from the lake, else fetched once and kept there."""

    def __init__(self, lake: BlobStore, fetch: Callable[[str], bytes]) -> None:
        self._lake = lake
        self._fetch = fetch

    def read(self, media: MediaRef) -> bytes:
        for name in self._lake.list(f"{MEDIA_PREFIX}{media.media_key}."):
            return self._lake.read(name)
        if not media.url:
            raise InvalidImage(f"media {media.media_key} has no URL and is not in the lake")
        data = self._fetch(media.url)
        self._lake.write(f"{MEDIA_PREFIX}{media.media_key}.{_extension(data)}", data)
        return data


class EnrichImageService:
    def __init__(
        self,
        analyzer: ImageAnalyzer,
        media: MediaSource,
        publisher: Publisher,
        dead_letters: DeadLetters,
        route: Route,
    ) -> None:
        self._analyzer = analyzer
        self._media = media
        self._publisher = publisher
        self._dead_letters = dead_letters
        self._route = route

    def enrich(self, batch: Sequence[Received[Tweet]]) -> None:
        outgoing: list[Message] = []
        for received in batch:
            with trace_scope(received.traceparent):
                for media in received.value.media:
                    if (message := self._enrich_one(received, media)) is not None:
                        outgoing.append(message)
        self._publisher.publish_many(MEDIA_ENRICHED, outgoing)

    def _enrich_one(self, received: Received[Tweet], media: MediaRef) -> Message | None:
        """The ``media-enriched`` message of one image; ``None`` when the image was dead-lettered."""
        tweet = received.value
        try:
            image = self._media.read(media)
            analysis = self._analyzer.analyze(image)
        except InvalidImage as exc:
            rejected = {**received.message.attributes, "media_key": media.media_key}
            self._dead_letters.reject(
                self._route, received.message.data, rejected, f"media {media.media_key}: {exc}"
            )
            return None
        event = MediaEnriched(
            media_key=media.media_key,
            tweet_id=tweet.tweet_id,
            author_id=tweet.author.user_id,
            created_at=tweet.created_at,
            content_sha256=hashlib.sha256(image).hexdigest(),
            analysis=analysis,
        )
        attributes = inject_traceparent(
            {"schema_version": "1", "tweet_id": tweet.tweet_id, "media_key": media.media_key}
        )
        return encode(event), attributes
