"""Enrich-image: analyse every image of a tweet with media and publish ``media-enriched``.

Image bytes are kept in the lake once per content, under ``media/sha256/<digest>.<ext>``,
with a pointer per source URL (``media/by-url/<sha256 of the URL>``) naming that object: a
second tweet with the same media URL reads the lake instead of fetching again, and the same
bytes behind another URL are not stored twice. Replays put a generated stream's images under
``raw/media/<media_key>.*``, which is read first. Content that is not an image is refused
before anything is stored; an image that is not usable is dead-lettered with the reason, and
the tweet's other images go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from trendwatch.contracts.events import MediaEnriched, encode
from trendwatch.contracts.topology import MEDIA_ENRICHED
from trendwatch.domain.tweets import MediaRef, Tweet
from trendwatch.observability import continue_trace, get_logger, inject_traceparent
from trendwatch.ports import BlobExists, BlobStore, ImageAnalyzer, InvalidImage, Message, Publisher
from trendwatch.runtime.delivery import Route

from .handling import DeadLetters, Received

log = get_logger(__name__)

#: Where replays put a generated stream's images, by media key.
MEDIA_PREFIX = "raw/media/"
CONTENT_PREFIX = "media/sha256/"
URL_PREFIX = "media/by-url/"
_SNIFFED = (
    (b"\x89PNG", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF8", "gif", "image/gif"),
    (b"RIFF", "webp", "image/webp"),
    (b"BM", "bmp", "image/bmp"),
)


def content_name(data: bytes) -> tuple[str, str]:
    """Lake name and content type of image bytes; :class:`InvalidImage` if they are no image."""
    for magic, extension, content_type in _SNIFFED:
        if data.startswith(magic):
            return f"{CONTENT_PREFIX}{hashlib.sha256(data).hexdigest()}.{extension}", content_type
    raise InvalidImage(f"content is not an image (starts with {data[:16]!r})")


def url_pointer(url: str) -> str:
    return f"{URL_PREFIX}{hashlib.sha256(url.encode()).hexdigest()}"


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
        pointer = url_pointer(media.url)
        if self._lake.exists(pointer):
            return self._lake.read(self._lake.read(pointer).decode())
        data = self._fetch(media.url)
        name, content_type = content_name(data)
        self._write_once(name, data, content_type)
        self._write_once(pointer, name.encode(), "text/plain")
        return data

    def _write_once(self, name: str, data: bytes, content_type: str) -> None:
        """Write-once: a concurrent or earlier writer of the same name already stored the same thing."""
        if self._lake.exists(name):
            return
        try:
            self._lake.write(name, data, content_type, if_absent=True)
        except BlobExists:
            log.debug("already stored", extra={"name": name})


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
            with continue_trace(received.traceparent):
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
