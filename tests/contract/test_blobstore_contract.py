"""One contract for every :class:`~trendwatch.ports.BlobStore`: the local lake and Cloud Storage.

The Cloud Storage adapter runs through the real client library against fake-gcs-server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import google.cloud.storage as storage
import pytest
from google.auth.credentials import AnonymousCredentials

from tests.fakes.gcs_server import FakeGcsServer
from trendwatch.adapters.gcp.storage import GcsBlobStore
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.ports import BlobExists, BlobStore


@pytest.fixture(scope="module")
def gcs_server() -> Iterator[FakeGcsServer]:
    with FakeGcsServer() as server:
        yield server


@pytest.fixture(params=["local", "gcs"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "lake", "lake")
    server: FakeGcsServer = request.getfixturevalue("gcs_server")
    bucket = f"lake-{uuid.uuid4().hex[:12]}"  # a bucket per test: no state leaks between tests
    server.create_bucket(bucket)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", server.url)
    client = storage.Client(project="trendwatch-test", credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    return GcsBlobStore(bucket, client=client)


def test_written_bytes_read_back_unchanged(store: BlobStore) -> None:
    data = bytes(range(256)) * 4
    generation = store.write("raw/media/1_1.png", data, "image/png")

    assert store.read("raw/media/1_1.png") == data
    assert int(generation) > 0


def test_a_plain_write_replaces_the_object(store: BlobStore) -> None:
    store.write("feeds/orders.jsonl", b"first")
    store.write("feeds/orders.jsonl", b"second")

    assert store.read("feeds/orders.jsonl") == b"second"


def test_write_if_absent_refuses_an_existing_object_and_keeps_the_first_content(store: BlobStore) -> None:
    store.write("raw/tweets/a.gz", b"first", if_absent=True)

    with pytest.raises(BlobExists, match=r"raw/tweets/a\.gz"):
        store.write("raw/tweets/a.gz", b"second", if_absent=True)
    assert store.read("raw/tweets/a.gz") == b"first"


def test_reading_a_missing_object_raises_file_not_found(store: BlobStore) -> None:
    with pytest.raises(FileNotFoundError, match=r"raw/missing\.gz"):
        store.read("raw/missing.gz")


def test_exists_tells_written_objects_from_missing_ones(store: BlobStore) -> None:
    store.write("raw/tweets/b.gz", b"x")

    assert store.exists("raw/tweets/b.gz") is True
    assert store.exists("raw/tweets/c.gz") is False
    assert store.exists("raw/tweets") is False  # a prefix is not an object


def test_list_returns_exactly_the_names_under_the_prefix_in_lexicographic_order(store: BlobStore) -> None:
    for name in (
        "raw/media/3_10.png",
        "raw/tweets/x.gz",
        "raw/media/4_1.png",
        "feeds/a.csv",
        "raw/media/3_1.png",
    ):
        store.write(name, b"x")

    assert list(store.list("raw/media/3_1")) == ["raw/media/3_1.png", "raw/media/3_10.png"]
    assert list(store.list("raw/")) == [
        "raw/media/3_1.png",
        "raw/media/3_10.png",
        "raw/media/4_1.png",
        "raw/tweets/x.gz",
    ]
    assert list(store.list("nothing/")) == []
