"""The lake as a local folder, with the semantics of a GCS bucket the code relies on."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from trendwatch.contracts.cloudevents import StorageObject
from trendwatch.ports import BlobExists

FinalizeListener = Callable[[StorageObject], None]


class LocalBlobStore:
    """Objects are files under ``root``; writes are atomic, ``if_absent`` is race-free.

    ``on_finalize`` is called after each successful write, like a GCS finalize
    notification, so the local runtime can fire storage triggers.
    """

    def __init__(
        self, root: Path, bucket: str = "trendwatch-lake", on_finalize: FinalizeListener | None = None
    ):
        self.root = root
        self.bucket = bucket
        self.on_finalize = on_finalize
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        if not name or name.startswith("/") or ".." in Path(name).parts:
            raise ValueError(f"invalid object name {name!r}")
        return self.root / name

    def write(
        self,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        if_absent: bool = False,
    ) -> str:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            if if_absent:
                try:
                    os.link(tmp, path)  # fails atomically if the object exists
                except FileExistsError:
                    raise BlobExists(name) from None
            else:
                tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        generation = str(time.time_ns())
        if self.on_finalize is not None:
            self.on_finalize(
                StorageObject(
                    bucket=self.bucket,
                    name=name,
                    generation=generation,
                    size=len(data),
                    content_type=content_type,
                )
            )
        return generation

    def read(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"gs://{self.bucket}/{name} does not exist") from None

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def list(self, prefix: str) -> Iterator[str]:
        """Object names starting with ``prefix``, in lexicographic order.

        Only the folder the prefix points into is walked, not the whole lake.
        """
        folder, _, name_start = prefix.rpartition("/")
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return
        names: list[str] = []
        for entry in base.glob(glob.escape(name_start) + "*"):
            candidates = entry.rglob("*") if entry.is_dir() else (entry,)
            names += [
                path.relative_to(self.root).as_posix()
                for path in candidates
                if path.is_file() and not path.name.startswith(".tmp-")
            ]
        yield from sorted(names)
