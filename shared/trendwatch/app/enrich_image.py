"""Enrich-image: analyse every image of a tweet with media and publish ``media-enriched``.

Image bytes are kept in the lake once per content, under ``media/sha256/<digest>.<ext>``,
with a pointer per source URL (``media/by-url/<sha256 of the URL>``) naming that object: a
second tweet with the same media URL reads the lake instead of fetching again, and the same
bytes behind another URL are not stored twice. Replays put a generated stream's images under
``raw/media/<media_key>.*``, which is read first. Fetched bytes are stored only once the
analyzer has decoded them: hostile or corrupt content (not an image, truncated, a
decompression bomb, an absurd header) is dead-lettered with the reason and never stored,
and the batch's other images go on. All images of a batch go to the analyzer together (the
Vision adapter sends them 16 to a request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trendwatch.contracts.events import ImageAnalysis, MediaEnriched, encode
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
#: Decoded format -> (file extension, content type) of the stored object.
_STORED_AS = {
    "png": ("png", "image/png"),
    "jpeg": ("jpg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "bmp": ("bmp", "image/bmp"),
}


def content_name(data: bytes, image_format: str) -> tuple[str, str]:
    """Lake name and content type of image bytes the analyzer decoded as ``image_format``."""
    extension, content_type = _STORED_AS.get(image_format, (image_format, f"image/{image_format}"))
    return f"{CONTENT_PREFIX}{hashlib.sha256(data).hexdigest()}.{extension}", content_type


def url_pointer(url: str) -> str:
    return f"{URL_PREFIX}{hashlib.sha256(url.encode()).hexdigest()}"


@dataclass(frozen=True, slots=True)
class LoadedMedia:
    data: bytes
    #: The URL the bytes were fetched from just now, so not stored yet; ``None`` if read from the lake.
    fetched_from: str | None = None


class MediaSource:
    """Image bytes for a media reference: from the lake, else fetched once and kept there."""

    def __init__(self, lake: BlobStore, fetch: Callable[[str], bytes]) -> None:
        self._lake = lake
        self._fetch = fetch

    def read(self, media: MediaRef) -> LoadedMedia:
        for name in self._lake.list(f"{MEDIA_PREFIX}{media.media_key}."):
            return LoadedMedia(self._lake.read(name))
        if not media.url:
            raise InvalidImage(f"media {media.media_key} has no URL and is not in the lake")
        pointer = url_pointer(media.url)
        if self._lake.exists(pointer):
            return LoadedMedia(self._lake.read(self._lake.read(pointer).decode()))
        return LoadedMedia(self._fetch(media.url), fetched_from=media.url)

    def keep(self, media: LoadedMedia, analysis: ImageAnalysis) -> None:
        """Store freshly fetched bytes by content hash, and the URL's pointer to them.

        Called only with bytes the analyzer accepted, so nothing unusable is ever stored.
        """
        if media.fetched_from is None:
            return
        name, content_type = content_name(media.data, analysis.format)
        self._write_once(name, media.data, content_type)
        self._write_once(url_pointer(media.fetched_from), name.encode(), "text/plain")

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
        loaded: list[tuple[Received[Tweet], MediaRef, LoadedMedia]] = []
        for received in batch:
            with continue_trace(received.traceparent):
                for media in received.value.media:
                    try:
                        loaded.append((received, media, self._media.read(media)))
                    except InvalidImage as exc:
                        self._reject(received, media, exc)
        outcomes = self._analyzer.analyze_many([item.data for _, _, item in loaded])
        outgoing: list[Message] = []
        for (received, media, item), outcome in zip(loaded, outcomes, strict=True):
            with continue_trace(received.traceparent):
                if isinstance(outcome, InvalidImage):
                    self._reject(received, media, outcome)
                    continue
                self._media.keep(item, outcome)
                outgoing.append(_message(received.value, media, item.data, outcome))
        self._publisher.publish_many(MEDIA_ENRICHED, outgoing)

    def _reject(self, received: Received[Tweet], media: MediaRef, reason: InvalidImage) -> None:
        rejected = {**received.message.attributes, "media_key": media.media_key}
        self._dead_letters.reject(
            self._route, received.message.data, rejected, f"media {media.media_key}: {reason}"
        )


def _message(tweet: Tweet, media: MediaRef, image: bytes, analysis: ImageAnalysis) -> Message:
    """The ``media-enriched`` message of one image (in the tweet's trace)."""
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
