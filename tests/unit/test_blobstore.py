from __future__ import annotations

from pathlib import Path

import pytest

from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.contracts.cloudevents import StorageObject
from trendwatch.ports import BlobExists


def test_list_returns_names_under_a_prefix_in_order(tmp_path: Path) -> None:
    lake = LocalBlobStore(tmp_path)
    for name in (
        "raw/media/3_1.png",
        "raw/media/3_10.png",
        "raw/media/4_1.png",
        "raw/tweets/x.gz",
        "feeds/a.csv",
    ):
        lake.write(name, b"x")
    assert list(lake.list("raw/media/3_1")) == ["raw/media/3_1.png", "raw/media/3_10.png"]
    assert list(lake.list("raw/media/3_1.")) == ["raw/media/3_1.png"]
    assert list(lake.list("raw/")) == [
        "raw/media/3_1.png",
        "raw/media/3_10.png",
        "raw/media/4_1.png",
        "raw/tweets/x.gz",
    ]
    assert list(lake.list("nothing/")) == []


def test_write_once_refuses_an_existing_object_and_keeps_it(tmp_path: Path) -> None:
    lake = LocalBlobStore(tmp_path)
    lake.write("raw/a", b"first", if_absent=True)
    with pytest.raises(BlobExists):
        lake.write("raw/a", b"second", if_absent=True)
    assert lake.read("raw/a") == b"first"
    assert [p.name for p in (tmp_path / "raw").iterdir()] == ["a"]  # no temporary file left


def test_each_write_is_reported_like_a_finalize_notification(tmp_path: Path) -> None:
    seen: list[StorageObject] = []
    lake = LocalBlobStore(tmp_path, "bucket", on_finalize=seen.append)
    lake.write("feeds/orders/o.jsonl", b"{}\n", "application/x-ndjson")
    [obj] = seen
    assert (obj.bucket, obj.name, obj.size, obj.content_type) == (
        "bucket",
        "feeds/orders/o.jsonl",
        3,
        "application/x-ndjson",
    )


def test_names_escaping_the_lake_are_refused(tmp_path: Path) -> None:
    lake = LocalBlobStore(tmp_path / "lake")
    with pytest.raises(ValueError, match="invalid object name"):
        lake.write("../outside", b"x")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lake.read("raw/missing")
