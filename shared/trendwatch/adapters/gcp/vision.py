"""Cloud Vision behind the :class:`~trendwatch.ports.ImageAnalyzer` port.

Vision adds what the offline analyzer cannot do (labels, logos, OCR, SafeSearch);
size, format and the perceptual hash are always computed locally, which also
refuses unusable images before any paid call. Each feature costs about $1.50 per
1,000 images, so results are cached by content hash and the estimate is logged.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from google.api_core import exceptions as api_exceptions
from google.api_core.retry import Retry, if_exception_type
from google.cloud import vision

from trendwatch.adapters.local.image_analyzer import (
    FINGERPRINT_MODEL_VERSION,
    PHASH_MODEL_VERSION,
    LocalImageAnalyzer,
    near_duplicate_fingerprint,
    perceptual_hash,
    to_colours,
)
from trendwatch.contracts.events import Colour, ImageAnalysis
from trendwatch.domain.colours import COLOUR_MODEL_VERSION, summarise
from trendwatch.observability.log import get_logger
from trendwatch.ports import InvalidImage

VISION_MODEL_VERSION = "cloud-vision-v1"
USD_PER_1000_IMAGES_PER_FEATURE = 1.50

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

#: Quota and transient server errors are retried with exponential backoff. Over REST
#: quota errors arrive as HTTP 429 (TooManyRequests), over gRPC as RESOURCE_EXHAUSTED.
is_retryable = if_exception_type(
    api_exceptions.TooManyRequests,
    api_exceptions.ResourceExhausted,
    api_exceptions.ServiceUnavailable,
    api_exceptions.InternalServerError,
    api_exceptions.DeadlineExceeded,
)
DEFAULT_RETRY = Retry(predicate=is_retryable, initial=1.0, maximum=60.0, multiplier=2.0, timeout=300.0)
_INVALID_ARGUMENT = 3  # google.rpc.Code: the image itself was refused

_log = get_logger(__name__)


class CloudVisionAnalyzer:
    """Annotate images with Cloud Vision; one paid call per distinct image content."""

    name = "cloud-vision"

    def __init__(
        self,
        client: vision.ImageAnnotatorClient | None = None,
        local: LocalImageAnalyzer | None = None,
        *,
        features: tuple[FeatureSpec, ...] = DEFAULT_FEATURES,
        retry: Retry = DEFAULT_RETRY,
        cache_size: int = 10_000,
    ) -> None:
        self._client = client
        self._client_lock = threading.Lock()
        self._local = local or LocalImageAnalyzer()
        self._features = [vision.Feature(type_=kind, max_results=limit) for kind, limit in features]
        self._retry = retry
        self._cache: OrderedDict[str, ImageAnalysis] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self.calls = 0
        self.cache_hits = 0

    @property
    def usd_per_1000_images(self) -> float:
        return USD_PER_1000_IMAGES_PER_FEATURE * len(self._features)

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
        key = hashlib.sha256(image).hexdigest()
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return cached
        decoded = self._local.decode(image)  # refuses unusable images before paying
        annotations = self._annotate(image)
        analysis = ImageAnalysis(
            width=decoded.width,
            height=decoded.height,
            format=decoded.format,
            phash=perceptual_hash(decoded.pixels),
            fingerprint=near_duplicate_fingerprint(decoded.pixels).encode(),
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
        with self._cache_lock:
            self._cache[key] = analysis
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return analysis

    def _annotate(self, image: bytes) -> Any:
        request = vision.AnnotateImageRequest(image=vision.Image(content=image), features=self._features)
        result = self._retry(self._annotate_once)(request)
        self.calls += 1
        _log.debug(
            "cloud vision call",
            extra={"calls": self.calls, "estimated_usd": self.calls * self.usd_per_1000_images / 1000},
        )
        return result

    def _annotate_once(self, request: vision.AnnotateImageRequest) -> Any:
        """One call; per-image errors are raised so that transient ones are retried like call errors."""
        response = self.client.batch_annotate_images(requests=[request], retry=None)
        result = response.responses[0]
        if result.error.code == _INVALID_ARGUMENT:
            raise InvalidImage(f"cloud vision refused the image: {result.error.message}")
        if result.error.code:
            # google.api_core.exceptions is untyped.
            raise api_exceptions.from_grpc_status(  # type: ignore[no-untyped-call]
                result.error.code, result.error.message
            )
        return result


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
