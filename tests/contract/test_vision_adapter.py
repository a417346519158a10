"""The Cloud Vision adapter against the real client library, talking REST to a local fake."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import imagehash
import pytest
from click.testing import CliRunner
from google.api_core import exceptions
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.cloud import vision
from PIL import Image

from tests.fakes.google_rest import FakeGoogleRest
from trendwatch.adapters.gcp import storage as gcp_storage
from trendwatch.adapters.gcp import vision as gcp_vision
from trendwatch.adapters.gcp.metering import is_retryable
from trendwatch.adapters.gcp.vision import BACKFILL_POLLING, CloudVisionAnalyzer
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.app.enrich_image import content_name
from trendwatch.cli import main
from trendwatch.contracts.events import Colour, ImageAnalysis
from trendwatch.domain.near_duplicates import FINGERPRINT_LENGTH
from trendwatch.ports import ImageAnalyzer, InvalidImage

#: The shape of one image's answer in a recorded ``images:annotate`` response (trimmed:
#: fewer annotations, no boxes).
RECORDED_ANSWER: dict[str, Any] = {
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
QUOTA_ERROR = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
FAST_RETRY = Retry(predicate=is_retryable, initial=0.01, maximum=0.02, timeout=5.0)
FAST_POLLING = BACKFILL_POLLING.with_delay(initial=0.01, maximum=0.02).with_timeout(5.0)
RUNNING: dict[str, Any] = {"name": "operations/backfill-1", "done": False}
DONE: dict[str, Any] = {
    "name": "operations/backfill-1",
    "done": True,
    "response": {"@type": "type.googleapis.com/google.cloud.vision.v1.AsyncBatchAnnotateImagesResponse"},
}


def one_answer_per_image(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"responses": [RECORDED_ANSWER for _ in body["requests"]]}


@pytest.fixture
def fake() -> Iterator[tuple[FakeGoogleRest, str]]:
    with FakeGoogleRest(one_answer_per_image) as api:
        yield api, api.url


def client_for(url: str) -> vision.ImageAnnotatorClient:
    return vision.ImageAnnotatorClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options={"api_endpoint": url},
    )


@pytest.fixture
def analyzer(fake: tuple[FakeGoogleRest, str]) -> CloudVisionAnalyzer:
    return CloudVisionAnalyzer(client=client_for(fake[1]), retry=FAST_RETRY)


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


def distinct_pngs(count: int) -> list[bytes]:
    return [png(colour=(i * 7 % 256, 40, 90)) for i in range(count)]


def test_images_go_sixteen_to_a_request_and_a_repeated_image_is_sent_once(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    images = distinct_pngs(18)
    outcomes = analyzer.analyze_many([*images, images[0], b"<html>not an image</html>"])
    assert [len(body["requests"]) for _, body in fake[0].requests] == [16, 2]
    sent = [base64.b64decode(r["image"]["content"]) for _, body in fake[0].requests for r in body["requests"]]
    assert sent == images
    assert all(isinstance(o, ImageAnalysis) for o in outcomes[:19]) and outcomes[18] == outcomes[0]
    assert isinstance(outcomes[19], InvalidImage)
    assert (analyzer.calls, analyzer.cache_hits) == (2, 1)


def test_only_the_image_that_hit_the_quota_is_sent_again(
    analyzer: CloudVisionAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    quota = {"error": {"code": 8, "message": "Quota exceeded"}}
    refused = {"error": {"code": 3, "message": "Bad image data."}}
    fake[0].answers = [(200, {"responses": [RECORDED_ANSWER, quota, refused]})]
    images = distinct_pngs(3)
    outcomes = analyzer.analyze_many(images)
    retried = [base64.b64decode(r["image"]["content"]) for r in fake[0].requests[1][1]["requests"]]
    assert retried == [images[1]]
    assert [type(o) for o in outcomes] == [ImageAnalysis, ImageAnalysis, InvalidImage]


def test_usage_and_cost_are_logged_once_per_reporting_period(
    fake: tuple[FakeGoogleRest, str], caplog: pytest.LogCaptureFixture
) -> None:
    analyzer = CloudVisionAnalyzer(client=client_for(fake[1]), retry=FAST_RETRY, report_every=4)
    first, second, third = distinct_pngs(3)
    with caplog.at_level(logging.INFO, logger="trendwatch.adapters.gcp.vision"):
        analyzer.analyze_many([first, second])
        assert caplog.records == []
        analyzer.analyze_many([first, third])
    [record] = caplog.records
    # 3 distinct images x 5 features, $1.50 per 1,000 units; the repeat is free.
    assert (record.items, record.api_calls, record.cache_hits, record.billing_units) == (4, 2, 1, 15)  # type: ignore[attr-defined]
    assert record.estimated_cost_usd == pytest.approx(0.0225)  # type: ignore[attr-defined]
    assert record.estimated_cost_usd_per_1000_items == pytest.approx(5.625)  # type: ignore[attr-defined]


def test_backfill_runs_one_operation_reading_images_and_answers_from_the_bucket(
    fake: tuple[FakeGoogleRest, str], tmp_path: Path
) -> None:
    lake = LocalBlobStore(tmp_path / "lake")
    images = distinct_pngs(3)
    names = [f"media/sha256/{hashlib.sha256(image).hexdigest()}.png" for image in images]
    for name, image in zip(names, images, strict=True):
        lake.write(name, image, "image/png")

    polls = []

    def vision_service(path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Writes the operation's answers where asked, as Vision does; done at the second poll."""
        if path.startswith("/v1/operations/"):
            polls.append(path)
            return DONE if len(polls) > 1 else RUNNING
        if path.startswith("/v1/images:asyncBatchAnnotate"):
            destination = body["outputConfig"]["gcsDestination"]["uri"].removeprefix("gs://lake/")
            answers = [
                {**RECORDED_ANSWER, "context": {"uri": r["image"]["source"]["imageUri"]}}
                for r in body["requests"]
            ]
            answers[1] = {
                "error": {"code": 3, "message": "Bad image data."},
                "context": answers[1]["context"],
            }
            lake.write(f"{destination}output-1-to-2.json", json.dumps({"responses": answers}).encode())
            return RUNNING
        return one_answer_per_image(path, body)

    fake[0].default_answer = vision_service
    analyzer = CloudVisionAnalyzer(client=client_for(fake[1]), retry=FAST_RETRY, polling=FAST_POLLING)
    cached = analyzer.analyze(images[2])
    fake[0].requests.clear()
    outcomes = analyzer.backfill(lake, names, bucket="lake", output_prefix="vision/backfill/")
    (start, body), *_ = fake[0].requests
    assert start.startswith("/v1/images:asyncBatchAnnotate")
    sources = [r["image"]["source"]["imageUri"] for r in body["requests"]]
    assert sources == [f"gs://lake/{n}" for n in names[:2]]  # the third is known already
    assert body["outputConfig"]["gcsDestination"]["uri"].startswith("gs://lake/vision/backfill/")
    assert polls == ["/v1/operations/backfill-1"] * 2
    assert outcomes[names[0]].labels == ("sleeve", "dress")  # type: ignore[union-attr]
    assert isinstance(outcomes[names[1]], InvalidImage)
    assert outcomes[names[2]] == cached


def test_vision_backfill_command_annotates_the_lake_and_sends_again_only_what_failed(
    fake: tuple[FakeGoogleRest, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = LocalBlobStore(tmp_path / "lake")
    images = distinct_pngs(3)
    names = sorted(content_name(image, "png")[0] for image in images)
    for image in images:
        lake.write(content_name(image, "png")[0], image, "image/png")
    lake.write("media/sha256/page.png", b"<html>not found</html>", "image/png")
    lake.write("raw/media/m1.png", images[0], "image/png")  # not under the default prefix
    operations: list[list[str]] = []

    def vision_service(path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Writes each operation's answers where asked; the first fails on its first image."""
        if path.startswith("/v1/operations/"):
            return DONE
        uris = [r["image"]["source"]["imageUri"] for r in body["requests"]]
        operations.append(uris)
        answers = [{**RECORDED_ANSWER, "context": {"uri": uri}} for uri in uris]
        if len(operations) == 1:
            answers[0] = {"error": {"code": 14, "message": "Try again."}, "context": {"uri": uris[0]}}
        destination = body["outputConfig"]["gcsDestination"]["uri"].removeprefix("gs://trendwatch-dev-lake/")
        lake.write(f"{destination}output-1-to-{len(uris)}.json", json.dumps({"responses": answers}).encode())
        return RUNNING

    fake[0].default_answer = vision_service
    monkeypatch.setenv("TRENDWATCH_ENV", "dev")
    monkeypatch.setattr(gcp_storage, "GcsBlobStore", lambda bucket: lake)
    monkeypatch.setattr(
        gcp_vision,
        "CloudVisionAnalyzer",
        lambda: CloudVisionAnalyzer(client=client_for(fake[1]), retry=FAST_RETRY, polling=FAST_POLLING),
    )
    result = CliRunner().invoke(main, ["vision-backfill", "--json"])

    assert result.exit_code == 1, result.output  # the HTML page is refused
    uris = [f"gs://trendwatch-dev-lake/{name}" for name in names]
    assert operations == [uris, uris[:1]]  # the page never reaches Vision
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["name"] for line in lines] == names
    assert all(line["labels"] == ["sleeve", "dress"] and line["logos"] == ["Nike"] for line in lines)
    assert "retrying the images that failed" in result.stderr
    assert "media/sha256/page.png: not an image in an accepted format" in result.stderr
    # 3 images x 5 features at $1.50 per 1,000; the failed answer is not paid.
    assert "4 images, 2 operations, estimated cost $0.02" in result.stderr


def test_vision_backfill_command_needs_a_cloud_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRENDWATCH_ENV", raising=False)
    monkeypatch.delenv("TRENDWATCH_ENVIRONMENT", raising=False)
    monkeypatch.delenv("TRENDWATCH_BACKEND", raising=False)
    result = CliRunner().invoke(main, ["vision-backfill"])
    assert result.exit_code == 1
    assert "vision-backfill reads the cloud lake: set TRENDWATCH_ENV" in result.stderr
