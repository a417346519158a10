"""The English sentiment model's training data: SemEval's files read, copies of a tweet matched
across datasets, validation tweets kept out of training (``scripts/train_sentiment.py``)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from trendwatch.evaluation.text import LabelledSet

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train_sentiment.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_sentiment", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_semeval_escapes_become_characters(script: ModuleType) -> None:
    assert script.unescape("I\\u2019m here\\u002c now") == "I’m here, now"
    assert script.unescape("so happy \\ud83d\\ude00") == "so happy 😀"
    assert script.unescape("plain text") == "plain text"


def test_copies_of_a_tweet_share_a_key_whatever_their_anonymisation(script: ModuleType) -> None:
    raw = "@JohnDoe I\\u2019m SO happy &amp; proud http://t.co/abc #win"
    anonymised = '"@user I’m so happy & proud http #win"'
    assert script.match_key(raw) == script.match_key(anonymised) == "imsohappyproudwin"
    assert script.match_key("I'm so sad") != script.match_key("I'm so happy")


def test_semeval_files_are_read_with_their_hashes(script: ModuleType, tmp_path: Path) -> None:
    first = "1\tpositive\tGreat day\\u0021\n2\tneutral\tAt the store\t\n"
    (tmp_path / "twitter-2013train-A.tsv").write_text(first, "utf-8")
    (tmp_path / "twitter-2016test-A.tsv").write_text("3\tnegative\tAwful\n", "utf-8")
    (tmp_path / "notes.txt").write_text("not read", "utf-8")
    pool, hashes = script.read_semeval(tmp_path)
    assert pool.labels == [2, 1, 0]
    assert pool.texts == ["Great day!", "At the store", "Awful"]
    assert hashes == {
        "twitter-2013train-A.tsv": hashlib.sha256(first.encode()).hexdigest(),
        "twitter-2016test-A.tsv": hashlib.sha256(b"3\tnegative\tAwful\n").hexdigest(),
    }


def test_tweeteval_training_split_is_read_too(script: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "train_text.txt").write_text("Love it\nHate it\n", "utf-8")
    (tmp_path / "train_labels.txt").write_text("2\n0\n", "utf-8")
    pool, hashes = script.read_semeval(tmp_path)
    assert (pool.labels, pool.texts) == ([2, 0], ["Love it", "Hate it"])
    assert set(hashes) == {"train_text.txt", "train_labels.txt"}
    with pytest.raises(FileNotFoundError):
        script.read_semeval(tmp_path / "missing")


def test_validation_tweets_and_repeats_are_kept_out_of_training(script: ModuleType) -> None:
    pool = LabelledSet("pool", "", [2, 2, 0, 1], ["Love it!", "love it", "@a Hate it", "Store open"])
    held_out = LabelledSet("val.tsv", "0" * 64, [0], ["@user hate it"])
    kept = script.distinct_except(pool, [held_out])
    assert (kept.labels, kept.texts) == ([2, 1], ["Love it!", "Store open"])
