from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
from trendwatch.adapters.media_fetcher import MediaFetcher, MediaUnavailableError
from trendwatch.ports import InvalidImage


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
