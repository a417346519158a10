from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import msgspec
import pytest
from PIL import Image

from tests.fakes.hostile_images import decompression_bomb, png_with_header_size, truncated_png
from tests.fakes.publisher import RecordingPublisher
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
from trendwatch.adapters.media_fetcher import MediaFetcher, MediaUnavailableError
from trendwatch.app.enrich_image import EnrichImageService, MediaSource
from trendwatch.app.handling import DeadLetters, Received
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.dead_letters import REASON
from trendwatch.contracts.events import MediaEnriched
from trendwatch.contracts.topology import MEDIA_ENRICHED
from trendwatch.domain.tweets import Author, MediaRef, Tweet
from trendwatch.ports import InvalidImage
from trendwatch.runtime.delivery import routes


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (31, 42, 68)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = png_bytes()
HTML = b"<!doctype html><html><body>Sorry, this page does not exist</body></html>"

#: path -> (status, headers, body); ``None`` as body streams 4 KiB chunks forever without a length.
ROUTES: dict[str, tuple[int, dict[str, str], bytes | None]] = {
    "/media/ok.png": (200, {"Content-Type": "image/png"}, PNG),
    "/media/moved.png": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
    "/media/big.png": (200, {"Content-Type": "image/png"}, b"\x89PNG" + b"\0" * 5_000),
    "/media/endless.png": (200, {"Content-Type": "image/png"}, None),
    "/media/page": (200, {"Content-Type": "text/html; charset=utf-8"}, HTML),
    "/media/lying.png": (200, {"Content-Type": "image/png"}, HTML),
    "/media/gone.png": (404, {"Content-Type": "text/plain"}, b"not found"),
    "/media/busy.png": (503, {"Content-Type": "text/plain"}, b"try later"),
    "/media/throttled.png": (429, {"Content-Type": "text/plain"}, b"slow down"),
    "/media/gzipped.png": (200, {"Content-Type": "image/png", "Content-Encoding": "gzip"}, PNG),
    "/media/to-loopback.png": (302, {"Location": "http://127.0.0.1:8080/admin"}, b""),
    "/media/cut.png": (200, {"Content-Type": "image/png"}, truncated_png()),
    "/media/bomb.png": (200, {"Content-Type": "image/png"}, decompression_bomb()),
    "/media/huge-header.png": (200, {"Content-Type": "image/png"}, png_with_header_size(20_000, 20_000)),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/media/slow.png":
            time.sleep(1.0)
        if self.path == "/media/drip.png":
            self.drip()
            return
        status, headers, body = ROUTES.get(self.path, (200, {"Content-Type": "image/png"}, PNG))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body is None:
            self.end_headers()
            self.close_connection = True
            while True:
                try:
                    self.wfile.write(b"\0" * 4096)
                except OSError:
                    return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self) -> None:
        """A body that keeps each read under the timeout but never finishes in time."""
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "400")
        self.end_headers()
        for _ in range(40):
            try:
                self.wfile.write(b"\0" * 10)
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetcher() -> Iterator[MediaFetcher]:
    fetcher = MediaFetcher(allowed_hosts=["127.0.0.1", "localhost"], max_bytes=4_096, timeout_s=0.5)
    yield fetcher
    fetcher.close()


def test_allowed_host_is_fetched(fetcher: MediaFetcher, base_url: str) -> None:
    assert fetcher.fetch(f"{base_url}/media/ok.png") == PNG


def test_host_not_in_the_allow_list_is_refused_before_any_request() -> None:
    fetcher = MediaFetcher(allowed_hosts=["pbs.twimg.com"])
    with pytest.raises(InvalidImage, match=r"host 'evil\.example' is not allowed"):
        fetcher.fetch("https://evil.example/x.png")
    with pytest.raises(InvalidImage, match=r"host '127\.0\.0\.1' is not allowed"):
        fetcher.fetch("http://127.0.0.1/x.png")


def test_allowed_name_resolving_to_loopback_is_refused() -> None:
    fetcher = MediaFetcher(allowed_hosts=["localhost"])
    with pytest.raises(InvalidImage, match="host 'localhost' resolves to non-public address"):
        fetcher.fetch("https://localhost/x.png")


def test_plain_http_is_refused_for_named_hosts() -> None:
    fetcher = MediaFetcher(allowed_hosts=["pbs.twimg.com"])
    with pytest.raises(InvalidImage, match="scheme 'http' refused"):
        fetcher.fetch("http://pbs.twimg.com/media/x.jpg")
    with pytest.raises(InvalidImage, match="scheme 'ftp' refused"):
        fetcher.fetch("ftp://pbs.twimg.com/media/x.jpg")


def test_credentials_in_the_url_are_refused() -> None:
    fetcher = MediaFetcher(allowed_hosts=["pbs.twimg.com"])
    with pytest.raises(InvalidImage, match="credentials in URLs are refused"):
        fetcher.fetch("https://user:secret@pbs.twimg.com/media/x.jpg")


def test_redirect_is_refused_not_followed(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(InvalidImage, match=r"redirect \(302\) to 'http://169.254.169.254/latest/meta-data/'"):
        fetcher.fetch(f"{base_url}/media/moved.png")


def test_declared_oversize_body_is_refused(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(InvalidImage, match="5004 bytes exceeds the limit of 4096"):
        fetcher.fetch(f"{base_url}/media/big.png")


def test_undeclared_oversize_body_is_cut_off_at_the_cap(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(InvalidImage, match="body exceeds the limit of 4096 bytes"):
        fetcher.fetch(f"{base_url}/media/endless.png")


def test_non_image_content_type_is_refused(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(InvalidImage, match="content type 'text/html; charset=utf-8' is not an image"):
        fetcher.fetch(f"{base_url}/media/page")


def test_html_served_as_png_is_caught_by_the_analyzer(fetcher: MediaFetcher, base_url: str) -> None:
    body = fetcher.fetch(f"{base_url}/media/lying.png")
    assert body == HTML
    with pytest.raises(InvalidImage, match="not an image in an accepted format"):
        LocalImageAnalyzer().analyze(body)


def test_compressed_transfer_encoding_is_refused(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(InvalidImage, match="content encoding 'gzip' refused"):
        fetcher.fetch(f"{base_url}/media/gzipped.png")


def test_client_error_is_a_permanent_refusal(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(InvalidImage, match="HTTP 404"):
        fetcher.fetch(f"{base_url}/media/gone.png")


@pytest.mark.parametrize(("path", "status"), [("/media/busy.png", 503), ("/media/throttled.png", 429)])
def test_server_errors_and_throttling_are_retryable(
    fetcher: MediaFetcher, base_url: str, path: str, status: int
) -> None:
    with pytest.raises(MediaUnavailableError, match=f"HTTP {status}"):
        fetcher.fetch(f"{base_url}{path}")


def test_timeout_is_retryable(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(MediaUnavailableError, match="ReadTimeout"):
        fetcher.fetch(f"{base_url}/media/slow.png")


def test_connection_refused_is_retryable() -> None:
    fetcher = MediaFetcher(allowed_hosts=["127.0.0.1"], timeout_s=0.5)
    with pytest.raises(MediaUnavailableError, match="ConnectError"):
        fetcher.fetch("http://127.0.0.1:9/x.png")  # the discard port: nothing listens


def test_slow_drip_past_the_total_deadline_is_retryable(fetcher: MediaFetcher, base_url: str) -> None:
    with pytest.raises(MediaUnavailableError, match=r"download exceeded 0.5 s"):
        fetcher.fetch(f"{base_url}/media/drip.png")


def tweet_with(tweet_id: str, base_url: str, *paths: str) -> Received[Tweet]:
    media = tuple(MediaRef(media_key=p.rsplit("/", 1)[1], type="photo", url=base_url + p) for p in paths)
    value = Tweet(
        tweet_id=tweet_id,
        created_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        author=Author(user_id="u1", username="alice"),
        text="look",
        media=media,
    )
    return Received(PubSubMessage(tweet_id, tweet_id.encode(), {"tweet_id": tweet_id}), value)


def test_hostile_media_are_dead_lettered_unstored_while_the_rest_of_the_batch_is_enriched(
    base_url: str, tmp_path: Path
) -> None:
    route = routes()["enrich-image-tweets-raw"]
    lake = LocalBlobStore(tmp_path / "lake")
    publisher = RecordingPublisher()
    fetcher = MediaFetcher(allowed_hosts=["127.0.0.1"], max_bytes=200_000, timeout_s=2.0)
    hostile = ("cut.png", "bomb.png", "huge-header.png", "lying.png", "to-loopback.png")
    service = EnrichImageService(
        LocalImageAnalyzer(), MediaSource(lake, fetcher.fetch), publisher, DeadLetters(publisher), route
    )
    with closing(fetcher):
        service.enrich(
            [
                tweet_with("1", base_url, *(f"/media/{name}" for name in hostile), "/media/ok.png"),
                tweet_with("2", base_url, "/media/other.png"),
            ]
        )
    reasons = {m.attributes["media_key"]: m.attributes[REASON] for m in publisher.on(route.dead_letter_topic)}
    expected = {
        "cut.png": "media cut.png: truncated or corrupt PNG data: image file is truncated",
        "bomb.png": "media bomb.png: image too large: 7000x6000 pixels exceeds the limit of 40000000",
        "huge-header.png": "media huge-header.png: image too large: Image size (400000000 pixels)",
        "lying.png": "media lying.png: not an image in an accepted format (PNG, JPEG, GIF, WEBP, BMP)",
        "to-loopback.png": (
            f"media to-loopback.png: {base_url}/media/to-loopback.png: "
            "redirect (302) to 'http://127.0.0.1:8080/admin' refused"
        ),
    }
    assert reasons.keys() == expected.keys()
    assert all(reasons[key].startswith(reason) for key, reason in expected.items()), reasons
    enriched = [msgspec.json.decode(m.data, type=MediaEnriched) for m in publisher.on(MEDIA_ENRICHED)]
    assert [(e.tweet_id, e.media_key) for e in enriched] == [("1", "ok.png"), ("2", "other.png")]
    # Only the good image is in the lake (both URLs serve the same bytes): one object, two pointers.
    assert [name.rsplit(".", 1)[1] for name in lake.list("media/sha256/")] == ["png"]
    assert len(list(lake.list("media/by-url/"))) == 2
