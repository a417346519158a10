"""Cloud Storage behind the :class:`~trendwatch.ports.BlobStore` port.

Finalize notifications come from the bucket itself (Eventarc), so unlike the local lake
this adapter has no ``on_finalize`` hook.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import google.cloud.storage as storage
from google.api_core import exceptions

from trendwatch.ports import BlobExists


class GcsBlobStore:
    """Objects in one bucket; the client is created on first use (application default credentials)."""

    def __init__(self, bucket: str, *, client: storage.Client | None = None) -> None:
        self.bucket = bucket
        self._client = client
        self._client_lock = threading.Lock()

    @property
    def client(self) -> storage.Client:
        with self._client_lock:
            if self._client is None:
                self._client = storage.Client()
            return self._client

    def _blob(self, name: str) -> storage.Blob:
        return self.client.bucket(self.bucket).blob(name)

    def write(
        self,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        if_absent: bool = False,
    ) -> str:
        """Upload ``data``; ``if_absent`` makes the upload conditional on generation 0 (no live object).

        A conditional upload is retried by the library on transient errors; should a retry follow
        a lost success, it raises :class:`BlobExists` for the object it has just written.
        """
        blob = self._blob(name)
        try:
            blob.upload_from_string(
                data, content_type=content_type, if_generation_match=0 if if_absent else None
            )
        except exceptions.PreconditionFailed:
            raise BlobExists(name) from None
        return str(blob.generation)

    def read(self, name: str) -> bytes:
        try:
            data: bytes = self._blob(name).download_as_bytes()
        except exceptions.NotFound:
            raise FileNotFoundError(f"gs://{self.bucket}/{name} does not exist") from None
        return data

    def exists(self, name: str) -> bool:
        return bool(self._blob(name).exists())

    def list(self, prefix: str) -> Iterator[str]:
        """Object names starting with ``prefix``, in lexicographic order (the order GCS lists them)."""
        for blob in self.client.list_blobs(self.bucket, prefix=prefix):
            yield blob.name
