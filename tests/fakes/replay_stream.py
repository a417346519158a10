"""A generated replay file with keep-alive and malformed lines mixed in, and what the warehouse
must hold after it, computed independently from the file itself."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.fakes.tweets import MALFORMED_LINES
from trendwatch.generator import generate
from trendwatch.ports import Warehouse


class Stream:
    """The replay file (generated tweets with malformed and keep-alive lines mixed in) and its facts."""

    def __init__(self, folder: Path, minutes: int, rate: float, *, seed: int = 11) -> None:
        generate(seed, minutes, rate, folder)
        self.folder = folder
        self.truth = json.loads((folder / "truth.json").read_text())
        self.lines = (folder / "tweets.jsonl").read_bytes().splitlines()
        noisy: list[bytes] = []
        for index, line in enumerate(self.lines):
            noisy.append(line)
            if index % 97 == 0:
                noisy.append(b"")  # keep-alive
        noisy[len(noisy) // 2 : len(noisy) // 2] = list(MALFORMED_LINES.values())
        self.noisy = noisy
        self.keep_alives = sum(not line for line in noisy)
        self.path = folder / "replay.jsonl"
        self.path.write_bytes(b"\n".join(noisy) + b"\n")
        self.messages = [json.loads(line) for line in self.lines]

    def parts(self, count: int) -> list[Path]:
        """The replay file cut into ``count`` files of consecutive lines, beside it (so they
        share its ``media/`` folder)."""
        size = -(-len(self.noisy) // count)
        paths = []
        for index in range(count):
            path = self.folder / f"replay-part{index}.jsonl"
            path.write_bytes(b"\n".join(self.noisy[index * size : (index + 1) * size]) + b"\n")
            paths.append(path)
        return paths

    def hashtag_counts_per_minute(self) -> Counter[tuple[str, str]]:
        counts: Counter[tuple[str, str]] = Counter()
        for message in self.messages:
            minute = minute_of(message["data"]["created_at"])
            tags = {f"#{h['tag'].lower()}" for h in message["data"].get("entities", {}).get("hashtags", [])}
            counts.update((minute, tag) for tag in tags)
        return counts

    def hashtag_authors_per_hour(self, lang_of: dict[str, str]) -> Counter[tuple[str, str, str]]:
        """Distinct authors per (hour, hashtag, language), the language as stored for each tweet."""
        authors: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for message in self.messages:
            data = message["data"]
            hour = minute_of(data["created_at"])[:13] + ":00:00+00:00"
            for tag in {f"#{h['tag'].lower()}" for h in data.get("entities", {}).get("hashtags", [])}:
                authors[(hour, tag, lang_of[data["id"]])].add(data["author_id"])
        return Counter({key: len(found) for key, found in authors.items()})

    @property
    def media_items(self) -> int:
        return sum(len(m["data"].get("attachments", {}).get("media_keys", [])) for m in self.messages)

    def expected(self, warehouse: Warehouse) -> dict[str, Any]:
        """What :func:`stored` must return after this stream, computed from the file (the
        language is the one stored for each tweet: it is detected, not in the file)."""
        lang_of = {r["tweet_id"]: r["lang"] for r in warehouse.query("SELECT tweet_id, lang FROM tweets")}
        return {
            "tweets": {"n": len(self.lines), "ids": len(self.lines)},
            "media": self.media_items,
            "hashtags per minute": dict(self.hashtag_counts_per_minute()),
            "hashtag authors per hour": dict(self.hashtag_authors_per_hour(lang_of)),
        }


def stored(warehouse: Warehouse) -> dict[str, Any]:
    """The warehouse's counts that :meth:`Stream.expected` computes from the file."""
    minutes = warehouse.query(
        "SELECT window_start, term, SUM(tweet_count) AS n FROM term_windows "
        "WHERE window_size = '1m' AND STARTS_WITH(term, '#') GROUP BY window_start, term"
    )
    hours = warehouse.query(
        "SELECT window_start, term, lang, unique_authors FROM term_windows "
        "WHERE window_size = '1h' AND STARTS_WITH(term, '#')"
    )
    return {
        "tweets": warehouse.query("SELECT COUNT(*) AS n, COUNT(DISTINCT tweet_id) AS ids FROM tweets")[0],
        "media": warehouse.query("SELECT COUNT(*) AS n FROM media")[0]["n"],
        "hashtags per minute": {(r["window_start"], r["term"]): r["n"] for r in minutes},
        "hashtag authors per hour": {
            (r["window_start"], r["term"], r["lang"]): r["unique_authors"] for r in hours
        },
    }


def minute_of(created_at: str) -> str:
    moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return moment.replace(second=0, microsecond=0).isoformat()
