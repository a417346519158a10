"""The live path: X's filtered stream (a local fake server) through all services."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.fakes.tweets import stream_line
from tests.fakes.x_api_server import FakeXApi, Stream
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.cli import main

pytestmark = pytest.mark.e2e


def test_live_stream_survives_a_disconnect_skips_keep_alives_and_stores_every_tweet(tmp_path: Path) -> None:
    first = [
        stream_line(str(n), f"loving the #SummerDress {n}", author_id=str(100 + n)) + b"\r\n"
        for n in range(3)
    ]
    second = [stream_line(str(n), f"robe d'été #SummerDress {n}", lang="fr") + b"\r\n" for n in range(3, 5)]
    scripts = [
        Stream([first[0], b"\r\n", first[1], first[2], b'{"data": {"id": "trunc'], end="drop"),
        Stream([b"\r\n", *second], end="close"),
    ]
    with FakeXApi(scripts) as api:
        result = CliRunner().invoke(
            main,
            ["stream", "--state", str(tmp_path), "--max-tweets", "6", "--max-reconnects", "1"],
            env={"TRENDWATCH_X_BEARER_TOKEN": "secret-token", "TRENDWATCH_X_STREAM_URL": api.stream_url},
        )
        assert api.requests[0].headers["authorization"] == "Bearer secret-token"
    assert result.exit_code == 0, result.output
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    assert warehouse.query("SELECT COUNT(*) AS n FROM tweets") == [{"n": 5}]
    assert warehouse.query(
        "SELECT SUM(tweet_count) AS n FROM term_windows WHERE window_size = '1h' AND term = '#summerdress'"
    ) == [{"n": 5}]
