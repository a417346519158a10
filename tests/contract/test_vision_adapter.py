"""The Cloud Vision adapter against the real client library, talking REST to a local fake."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import imagehash
import pytest
from google.api_core import exceptions
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.cloud import vision
from PIL import Image

from tests.fakes.google_rest import FakeGoogleRest
from trendwatch.adapters.gcp.vision import CloudVisionAnalyzer, is_retryable
from trendwatch.contracts.events import Colour
from trendwatch.domain.near_duplicates import FINGERPRINT_LENGTH
from trendwatch.ports import ImageAnalyzer, InvalidImage

#: The shape of a recorded ``images:annotate`` answer (trimmed: fewer annotations, no boxes).
RECORDED_RESPONSE: dict[str, Any] = {
    "responses": [
        {
            "labelAnnotations": [
                {"mid": "/m/01n4qj", "description": "Sleeve", "score": 0.87, "topicality": 0.87},
                {"mid": "/m/02wv6h6", "description": "Dress", "score": 0.85, "topicality": 0.85},
            ],
            "logoAnnotations": [{"mid": "/m/0lwkh", "description": "Nike", "score": 0.91}],
            "textAnnotations": [
                {"locale": "en", "description": "SUMMER SALE\n-50%\n"},
                {"description": "SUMMER"},
            ],
            "fullTextAnnotation": {"text": "SUMMER SALE\n-50%\n"},
            "safeSearchAnnotation": {
                "adult": "VERY_UNLIKELY",
                "spoof": "UNLIKELY",
                "medical": "VERY_UNLIKELY",
                "violence": "VERY_UNLIKELY",
                "racy": "POSSIBLE",
            },
            "imagePropertiesAnnotation": {
                "dominantColors": {
                    "colors": [
                        {"color": {"red": 31, "green": 42, "blue": 68}, "score": 0.6, "pixelFraction": 0.55},
                        {
                            "color": {"red": 255, "green": 255, "blue": 255},
                            "score": 0.2,
                            "pixelFraction": 0.3,
                        },
                        {"color": {"red": 35, "green": 46, "blue": 72}, "score": 0.1, "pixelFraction": 0.05},
                        {
                            "color": {"red": 211, "green": 47, "blue": 47},
                            "score": 0.05,
                            "pixelFraction": 0.01,
                        },
                    ]
                }
            },
        }
    ]
}
QUOTA_ERROR = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
FAST_RETRY = Retry(predicate=is_retryable, initial=0.01, maximum=0.02, timeout=5.0)


@pytest.fixture
def fake() -> Iterator[tuple[FakeGoogleRest, str]]:
    with FakeGoogleRest(RECORDED_RESPONSE) as api:
        yield api, api.url


@pytest.fixture
def analyzer(fake: tuple[FakeGoogleRest, str]) -> CloudVisionAnalyzer:
    client = vision.ImageAnnotatorClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options={"api_endpoint": fake[1]},
    )
    return CloudVisionAnalyzer(client=client, retry=FAST_RETRY)


def png(colour: tuple[int, int, int] = (31, 42, 68), size: tuple[int, int] = (48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_request_carries_the_image_and_the_five_features(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    image = png()
    analyzer.analyze(image)
    [(path, body)] = fake[0].requests
    assert path.startswith("/v1/images:annotate")
    [request] = body["requests"]
    assert base64.b64decode(request["image"]["content"]) == image
    features = {vision.Feature.Type(f["type"]).name: f.get("maxResults", 0) for f in request["features"]}
    assert features == {
        "LABEL_DETECTION": 15,
        "LOGO_DETECTION": 5,
        "TEXT_DETECTION": 0,
        "IMAGE_PROPERTIES": 10,
        "SAFE_SEARCH_DETECTION": 0,
    }


def test_response_maps_to_image_analysis_with_local_size_and_hash(analyzer: ImageAnalyzer) -> None:
    result = analyzer.analyze(png())
    assert (result.width, result.height, result.format) == (48, 32, "png")
    assert result.phash == str(imagehash.phash(Image.new("RGB", (48, 32), (31, 42, 68))))
    assert result.labels == ("sleeve", "dress")
    assert result.logos == ("Nike",)
    assert result.ocr_text == "SUMMER SALE\n-50%"
    assert result.colours == (
        Colour(name="navy", hex="#1f2a44", fraction=0.6),
        Colour(name="white", hex="#ffffff", fraction=0.3),
    )
    assert result.safe_search == {
        "adult": "VERY_UNLIKELY",
        "spoof": "UNLIKELY",
        "medical": "VERY_UNLIKELY",
        "violence": "VERY_UNLIKELY",
        "racy": "POSSIBLE",
    }
    assert set(result.model_versions) == {"phash", "fingerprint", "colours", "vision"}
    assert len(result.fingerprint) == FINGERPRINT_LENGTH


def test_sparse_response_maps_to_empty_fields_and_word_level_text(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    sparse = {"responses": [{"textAnnotations": [{"description": " NEW IN "}, {"description": "NEW"}]}]}
    fake[0].answers = [(200, sparse)]
    result = analyzer.analyze(png())
    assert (result.ocr_text, result.labels, result.logos, result.colours) == ("NEW IN", (), (), ())
    assert result.safe_search == {}


def test_same_content_twice_is_annotated_once(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    first = analyzer.analyze(png())
    second = analyzer.analyze(png())
    analyzer.analyze(png(colour=(211, 47, 47)))
    assert second == first
    assert len(fake[0].requests) == 2
    assert (analyzer.calls, analyzer.cache_hits) == (2, 1)


def test_quota_error_is_retried(analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]) -> None:
    fake[0].answers = [(429, QUOTA_ERROR), (429, QUOTA_ERROR)]
    assert analyzer.analyze(png()).labels == ("sleeve", "dress")
    assert len(fake[0].requests) == 3


def test_invalid_image_is_refused_locally_without_a_paid_call(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    with pytest.raises(InvalidImage, match="not an image in an accepted format"):
        analyzer.analyze(b"<html>nope</html>")
    assert fake[0].requests == []


def test_image_refused_by_vision_is_invalid(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    fake[0].answers = [(200, {"responses": [{"error": {"code": 3, "message": "Bad image data."}}]})]
    with pytest.raises(InvalidImage, match=r"cloud vision refused the image: Bad image data\."):
        analyzer.analyze(png())


def test_cost_estimate_counts_each_requested_feature() -> None:
    analyzer = CloudVisionAnalyzer(client=None)
    assert analyzer.usd_per_1000_images == pytest.approx(7.5)
    single = CloudVisionAnalyzer(features=((vision.Feature.Type.LABEL_DETECTION, 10),))
    assert single.usd_per_1000_images == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(429, True), (503, True), (500, True), (403, False), (400, False)],
)
def test_quota_and_transient_errors_are_retryable_but_client_errors_are_not(
    status: int, retryable: bool
) -> None:
    error = exceptions.from_http_status(status, "message")  # type: ignore[no-untyped-call]
    assert is_retryable(error) is retryable
