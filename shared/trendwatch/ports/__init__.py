"""Small protocols behind which every side effect sits (DESIGN §2).

Adapters in :mod:`trendwatch.adapters.local` and :mod:`trendwatch.adapters.gcp`
implement them; application code depends only on these.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from trendwatch.contracts.events import ImageAnalysis, TextEnrichment

if TYPE_CHECKING:  # numpy is an extra: services without embeddings do not install it
    import numpy as np
    import numpy.typing as npt


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


#: A message to publish: its data and attributes.
Message = tuple[bytes, Mapping[str, str]]


class Publisher(Protocol):
    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        """Publish one message; returns its message id once the message is accepted."""
        ...

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        """Publish a batch and wait once for all of it (a batch costs one round trip, not one each)."""
        ...


class BlobExists(Exception):
    """A write-once object already exists (``if_generation_match=0`` failed)."""


class BlobStore(Protocol):
    """An object store with GCS semantics: flat names, ``/`` as a convention, generations."""

    bucket: str

    def write(
        self,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        if_absent: bool = False,
    ) -> str:
        """Store ``data`` under ``name``; returns the new generation. ``if_absent`` raises :class:`BlobExists`."""
        ...

    def read(self, name: str) -> bytes:
        """Raise :class:`FileNotFoundError` when absent."""
        ...

    def exists(self, name: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[str]: ...


Row = Mapping[str, Any]


class Warehouse(Protocol):
    """The analytical store. SQL is BigQuery dialect with ``@name`` parameters."""

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """The result as a ``pyarrow.Table``: columnar, for jobs that read millions of rows (the
        demand history of every SKU and location), where a dict per row would cost minutes."""
        ...

    def replace_partition(self, table: str, day: date, rows: Any) -> None:
        """Replace the rows of ``table`` whose partition column (a DATE) equals ``day`` by
        ``rows`` (a ``pyarrow.Table`` with the table's columns), in one step: the idempotent
        write of a daily job's whole result (forecasts, recommendations)."""
        ...

    def merge_rows(
        self, table: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        """Upsert ``rows`` into ``table`` by its primary key: insert new keys; update existing ones
        when ``update`` (and the SQL condition ``update_when`` on ``T``/``S`` holds), else leave
        them. Duplicated keys inside ``rows`` keep the last row."""
        ...

    def append_rows(self, table: str, rows: Sequence[Row]) -> None:
        """Add rows to an append-only table (``Table.append_only``: one row per event fact, never
        updated) without a DML statement. At least once: a retried batch may store a key a second
        time until the scheduled ``deduplicate`` job keeps one row of it; an engine that can
        insert only absent keys as cheaply (DuckDB) does so. Raises ``ValueError`` for a table
        that is not append-only, so that every appended table is one the job deduplicates."""
        ...

    def ensure_indexes(self) -> list[str]:
        """Create the search and vector indexes that do not exist yet (BigQuery: ``INDEXES``,
        ``IF NOT EXISTS``); returns the names of those that could not be created now (a vector
        index needs rows to train on), to be tried again. DuckDB has none to create: local
        search builds its own full-text index."""
        ...


@dataclass(frozen=True)
class TextItem:
    """What a text analyzer needs: an id, the text, and the source's language hint."""

    id: str
    text: str
    lang_hint: str | None = None


class TextAnalyzer(Protocol):
    name: str

    def analyze(self, items: Sequence[TextItem]) -> list[TextEnrichment]:
        """Enrich a batch; one result per item, in order."""
        ...


class TextEmbedder(Protocol):
    """Dense sentence embeddings, L2-normalised so that a dot product is the cosine similarity."""

    name: str
    version: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text, ``shape == (len(texts), dimensions)``, each row of unit length
        (or all zeros for a text with no known token)."""
        ...


class ImageAnalyzer(Protocol):
    name: str

    def analyze(self, image: bytes) -> ImageAnalysis:
        """Analyse one encoded image; raises :class:`InvalidImage` for content that is not a usable image."""
        ...

    def analyze_many(self, images: Sequence[bytes]) -> list[ImageOutcome]:
        """One outcome per image, in order: its analysis, or the :class:`InvalidImage` refusing it.

        One unusable image never fails the others; errors that are not about an image
        (quota, network) are raised for the whole batch, to be retried.
        """
        ...


class InvalidImage(ValueError):
    """The bytes are not an image we accept (corrupt, too large, wrong type); never retried."""


class TransientFailure(Exception):
    """A port could not answer now (network, quota, a service restarting); worth retrying."""


#: What :meth:`ImageAnalyzer.analyze_many` says about one image.
ImageOutcome = ImageAnalysis | InvalidImage
