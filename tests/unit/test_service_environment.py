"""What a ``--processes`` service process inherits from the shell that starts it."""

from __future__ import annotations

from trendwatch.contracts.limits import MAX_DECOMPRESSED_BYTES_ENV
from trendwatch.runtime.processes import service_environment


def test_settings_come_from_the_pipeline_and_other_variables_pass() -> None:
    parent = {
        "PATH": "/usr/bin",
        "TRENDWATCH_X_BEARER_TOKEN": "from-the-shell",
        "TRENDWATCH_ENV": "prod",
        "TRENDWATCH_STATE_DIR": "elsewhere",
        MAX_DECOMPRESSED_BYTES_ENV: "8000000",
    }
    assert service_environment(parent) == {"PATH": "/usr/bin", MAX_DECOMPRESSED_BYTES_ENV: "8000000"}
