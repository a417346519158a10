"""Cloud Vision behind the :class:`~trendwatch.ports.ImageAnalyzer` port.

Vision adds what the offline analyzer cannot do (labels, logos, OCR, SafeSearch);
size, format and the perceptual hash are always computed locally, which also
refuses unusable images before any paid call. Each feature costs about $1.50 per
1,000 images, so results are cached by content hash, an image repeated within a batch
is sent once, and the estimated cost is logged every 1,000 images
(:mod:`trendwatch.adapters.gcp.metering`, shared with the Natural Language adapter).

Live images go in ``images:annotate`` requests of up to 16 images; a backfill of images
already in the lake goes in long-running ``images:asyncBatchAnnotate`` operations that
read the images from Cloud Storage and write their answers there as JSON.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.api_core import exceptions as api_exceptions
from google.api_core.future.polling import DEFAULT_POLLING
from google.api_core.retry import Retry
from google.cloud import vision

from trendwatch.adapters.gcp.metering import ContentCache, UsageMeter, backoff, content_key
from trendwatch.adapters.local.image_analyzer import (
    FINGERPRINT_MODEL_VERSION,
    PHASH_MODEL_VERSION,
    DecodedImage,
    LocalImageAnalyzer,
    near_duplicate_fingerprint,
    perceptual_hash,
    to_colours,
)
from trendwatch.contracts.events import Colour, ImageAnalysis
from trendwatch.domain.colours import COLOUR_MODEL_VERSION, summarise
from trendwatch.observability.log import get_logger
from trendwatch.ports import BlobStore, ImageOutcome, InvalidImage

VISION_MODEL_VERSION = "cloud-vision-v1"
USD_PER_1000_IMAGES_PER_FEATURE = 1.50
#: The service's limits: images per ``images:annotate`` request, per async operation.
MAX_IMAGES_PER_REQUEST = 16
MAX_IMAGES_PER_OPERATION = 2000
#: Answers per JSON file an async operation writes.
_OUTPUT_BATCH_SIZE = 100

Feature = vision.Feature.Type
#: (feature, max results) pairs; 0 leaves the service default.
FeatureSpec = tuple[Feature | int, int]
DEFAULT_FEATURES: tuple[FeatureSpec, ...] = (
    (Feature.LABEL_DETECTION, 15),
    (Feature.LOGO_DETECTION, 5),
    (Feature.TEXT_DETECTION, 0),
    (Feature.IMAGE_PROPERTIES, 10),
    (Feature.SAFE_SEARCH_DETECTION, 0),
)
DEFAULT_RETRY = backoff(maximum=60.0, timeout=300.0)
#: A backfill operation is polled every 5 s at first, then less often, for up to an hour.
BACKFILL_POLLING = DEFAULT_POLLING.with_delay(initial=5.0, maximum=60.0).with_timeout(3600.0)
_INVALID_ARGUMENT = 3  # google.rpc.Code: the image itself was refused

_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Pending:
    """A distinct image not in the cache, waiting for Vision's answer.

    Only what was computed locally is kept, not the decoded pixels: a backfill holds
    hundreds of these at once.
    """

    key: str
    width: int
    height: int
    format: str
    phash: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, decoded: DecodedImage) -> _Pending:
        return cls(
            key,
            decoded.width,
            decoded.height,
            decoded.format,
            perceptual_hash(decoded.pixels),
            near_duplicate_fingerprint(decoded.pixels).encode(),
        )


@dataclass(slots=True)
class _Plan:
    """What an incoming batch needs: answers already known, and images to send."""

    keys: list[str]
    known: dict[str, ImageOutcome]
    pending: list[_Pending]
    cache_hits: int
    #: The bytes of each pending image, when they are sent inline (not for a backfill).
    content: dict[str, bytes]


class CloudVisionAnalyzer:
    """Annotate images with Cloud Vision; one paid annotation per distinct image content."""

    name = "cloud-vision"

    def __init__(
        self,
        client: vision.ImageAnnotatorClient | None = None,
        local: LocalImageAnalyzer | None = None,
        *,
        features: tuple[FeatureSpec, ...] = DEFAULT_FEATURES,
        retry: Retry = DEFAULT_RETRY,
        polling: Retry = BACKFILL_POLLING,
        cache_size: int = 10_000,
        report_every: int = 1000,
    ) -> None:
        self._client = client
        self._client_lock = threading.Lock()
        self._local = local or LocalImageAnalyzer()
        self._features = [vision.Feature(type_=kind, max_results=limit) for kind, limit in features]
        self._retry = retry
        self._polling = polling
        self._cache: ContentCache[ImageAnalysis] = ContentCache(cache_size)
        #: Usage and estimated cost (features x images x $1.50 / 1,000), logged every ``report_every`` images.
        self.meter = UsageMeter(
            "Cloud Vision",
            usd_per_1000_units=USD_PER_1000_IMAGES_PER_FEATURE,
            report_every=report_every,
            logger_name=__name__,
        )

    @property
    def usd_per_1000_images(self) -> float:
        return USD_PER_1000_IMAGES_PER_FEATURE * len(self._features)

    @property
    def calls(self) -> int:
        """Requests sent (retries included) since creation."""
        return self.meter.total.api_calls

    @property
    def cache_hits(self) -> int:
        """Images answered without a request (cached, or repeated in their batch) since creation."""
        return self.meter.total.cache_hits

    @property
    def client(self) -> vision.ImageAnnotatorClient:
        """The Vision client, created on first use (credentials are resolved only then)."""
        with self._client_lock:
            if self._client is None:
                self._client = vision.ImageAnnotatorClient()
                _log.info(
                    "cloud vision client created",
                    extra={
                        "features": [f.type_.name for f in self._features],
                        "estimated_usd_per_1000_images": self.usd_per_1000_images,
                    },
                )
            return self._client

    def analyze(self, image: bytes) -> ImageAnalysis:
        [outcome] = self.analyze_many([image])
        if isinstance(outcome, InvalidImage):
            raise outcome
        return outcome

    def analyze_many(self, images: Sequence[bytes]) -> list[ImageOutcome]:
        """Outcomes in input order; distinct new images go to Vision 16 to a request."""
        plan = self._plan(images, keep_content=True)
        calls = 0
        for start in range(0, len(plan.pending), MAX_IMAGES_PER_REQUEST):
            chunk = plan.pending[start : start + MAX_IMAGES_PER_REQUEST]
            answers, sent = self._annotate([vision.Image(content=plan.content[p.key]) for p in chunk])
            calls += sent
            self._settle(plan, chunk, answers)
        self._record(plan, calls)
        return [plan.known[key] for key in plan.keys]

    def backfill(
        self,
        lake: BlobStore,
        names: Sequence[str],
        *,
        bucket: str,
        output_prefix: str,
        images_per_operation: int = 500,
    ) -> dict[str, ImageOutcome]:
        """Annotate images already stored in ``bucket`` (read through ``lake``), by name.

        Each operation (at most 2,000 images, the service's limit) writes its answers under
        ``<output_prefix><digest of its images>/`` in the same bucket; they are read back
        from there. Per-image transient errors are raised after the other answers are
        cached, so running the backfill again pays only for the images that failed.
        """
        step = min(images_per_operation, MAX_IMAGES_PER_OPERATION)
        outcomes: dict[str, ImageOutcome] = {}
        failures: list[Exception] = []
        for start in range(0, len(names), step):
            chunk = names[start : start + step]
            plan = self._plan([lake.read(name) for name in chunk], keep_content=False)
            if plan.pending:
                uri_of = {key: f"gs://{bucket}/{name}" for key, name in zip(plan.keys, chunk, strict=True)}
                uris = [uri_of[p.key] for p in plan.pending]
                digest = hashlib.sha256("".join(p.key for p in plan.pending).encode()).hexdigest()[:16]
                prefix = f"{output_prefix}{digest}/"
                self._run_operation(uris, f"gs://{bucket}/{prefix}")
                by_uri = _read_outputs(lake, prefix)
                answers = [by_uri.get(uri, _missing(uri)) for uri in uris]
                failures += self._settle(plan, plan.pending, answers)
            self._record(plan, calls=1 if plan.pending else 0)
            outcomes.update(
                (n, plan.known[k]) for n, k in zip(chunk, plan.keys, strict=True) if k in plan.known
            )
        self.meter.flush()
        if failures:
            raise failures[0]
        return outcomes

    def _plan(self, images: Sequence[bytes], *, keep_content: bool) -> _Plan:
        keys = [content_key(image) for image in images]
        plan = _Plan(keys=keys, known={}, pending=[], cache_hits=0, content={})
        queued: set[str] = set()
        for key, image in zip(plan.keys, images, strict=True):
            if key in plan.known or key in queued:
                plan.cache_hits += 1
            elif (cached := self._cache.get(key)) is not None:
                plan.known[key] = cached
                plan.cache_hits += 1
            else:
                try:
                    decoded = self._local.decode(image)  # refuses unusable images before paying
                except InvalidImage as exc:
                    plan.known[key] = exc
                    continue
                plan.pending.append(_Pending.of(key, decoded))
                queued.add(key)
                if keep_content:
                    plan.content[key] = image
        return plan

    def _settle(self, plan: _Plan, chunk: Sequence[_Pending], answers: Sequence[Any]) -> list[Exception]:
        """Record Vision's answers for ``chunk``; return the transient per-image errors."""
        failures = []
        for pending, answer in zip(chunk, answers, strict=True):
            outcome = _outcome(answer)
            if isinstance(outcome, InvalidImage):
                plan.known[pending.key] = outcome
            elif isinstance(outcome, Exception):
                failures.append(outcome)
            else:
                analysis = _analysis(pending, outcome)
                self._cache.put(pending.key, analysis)
                plan.known[pending.key] = analysis
        return failures

    def _record(self, plan: _Plan, calls: int) -> None:
        annotated = sum(1 for p in plan.pending if p.key in plan.known)
        self.meter.record(
            items=len(plan.keys),
            api_calls=calls,
            cache_hits=plan.cache_hits,
            billing_units=annotated * len(self._features),
        )

    def _request(self, image: vision.Image) -> vision.AnnotateImageRequest:
        return vision.AnnotateImageRequest(image=image, features=self._features)

    def _annotate(self, images: Sequence[vision.Image]) -> tuple[list[Any], int]:
        """Vision's answer per image and the requests it took; only failed images are sent again."""
        answers: dict[int, Any] = {}
        sent = 0

        def attempt() -> None:
            nonlocal sent
            todo = [i for i in range(len(images)) if i not in answers]
            requests = [self._request(images[i]) for i in todo]
            sent += 1
            response = self.client.batch_annotate_images(requests=requests, retry=None)
            transient = None
            for i, result in zip(todo, response.responses, strict=True):
                error = _outcome(result)
                if isinstance(error, Exception) and not isinstance(error, InvalidImage):
                    transient = error
                else:
                    answers[i] = result
            if transient is not None:
                raise transient

        self._retry(attempt)()
        return [answers[i] for i in range(len(images))], sent

    def _run_operation(self, uris: Sequence[str], destination: str) -> None:
        requests = [self._request(vision.Image(source=vision.ImageSource(image_uri=uri))) for uri in uris]
        output = vision.OutputConfig(
            gcs_destination=vision.GcsDestination(uri=destination), batch_size=_OUTPUT_BATCH_SIZE
        )
        operation = self._retry(self.client.async_batch_annotate_images)(
            requests=requests, output_config=output, retry=None
        )
        _log.info("cloud vision backfill operation started", extra={"images": len(uris)})
        operation.result(polling=self._polling)  # type: ignore[no-untyped-call]  # api_core is untyped


def _read_outputs(lake: BlobStore, prefix: str) -> dict[str, vision.AnnotateImageResponse]:
    """The answers an async operation wrote under ``prefix``, by image URI."""
    answers = {}
    for name in lake.list(prefix):
        batch = vision.BatchAnnotateImagesResponse.from_json(lake.read(name), ignore_unknown_fields=True)
        for response in batch.responses:
            answers[response.context.uri] = response
    return answers


def _missing(uri: str) -> Exception:
    return api_exceptions.InternalServerError(f"the backfill operation wrote no answer for {uri}")  # type: ignore[no-untyped-call]


def _outcome(answer: Any) -> Any:
    """An answer as it stands: an exception (refused image, or per-image error), else itself."""
    if isinstance(answer, Exception):
        return answer
    code = answer.error.code
    if code == _INVALID_ARGUMENT:
        return InvalidImage(f"cloud vision refused the image: {answer.error.message}")
    if code:
        # google.api_core.exceptions is untyped.
        return api_exceptions.from_grpc_status(code, answer.error.message)  # type: ignore[no-untyped-call]
    return answer


def _analysis(local: _Pending, annotations: Any) -> ImageAnalysis:
    return ImageAnalysis(
        width=local.width,
        height=local.height,
        format=local.format,
        phash=local.phash,
        fingerprint=local.fingerprint,
        colours=_colours(annotations),
        ocr_text=_ocr_text(annotations),
        labels=tuple(label.description.lower() for label in annotations.label_annotations),
        logos=tuple(logo.description for logo in annotations.logo_annotations),
        safe_search=_safe_search(annotations),
        model_versions={
            "phash": PHASH_MODEL_VERSION,
            "fingerprint": FINGERPRINT_MODEL_VERSION,
            "colours": COLOUR_MODEL_VERSION,
            "vision": VISION_MODEL_VERSION,
        },
    )


def _colours(annotations: Any) -> tuple[Colour, ...]:
    colours = annotations.image_properties_annotation.dominant_colors.colors
    rgb = [(c.color.red, c.color.green, c.color.blue) for c in colours]
    # pixel_fraction is already a share of the whole image, so the total is 1.
    return to_colours(summarise(rgb, [c.pixel_fraction for c in colours], total=1.0))


def _ocr_text(annotations: Any) -> str:
    text = annotations.full_text_annotation.text
    if not text and annotations.text_annotations:
        text = annotations.text_annotations[0].description
    return str(text).strip()


def _safe_search(annotations: Any) -> dict[str, str]:
    if "safe_search_annotation" not in annotations:
        return {}
    verdict = annotations.safe_search_annotation
    return {
        category: vision.Likelihood(getattr(verdict, category)).name
        for category in ("adult", "spoof", "medical", "violence", "racy")
    }
