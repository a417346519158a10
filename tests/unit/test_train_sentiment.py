"""The English sentiment model's training data: SemEval's files read, copies of a tweet matched
across datasets, validation tweets kept out of training (``scripts/train_sentiment.py``)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy.sparse import csr_matrix

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


def test_soft_targets_mix_the_gold_label_with_the_teacher(script: ModuleType) -> None:
    labels = np.array([0, 2])
    teacher = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    assert np.array_equal(script.soft_targets(labels, teacher, 0.0), [[1, 0, 0], [0, 0, 1]])
    assert np.allclose(script.soft_targets(labels, teacher, 1.0), teacher)
    mixed = script.soft_targets(labels, teacher, 0.5)
    assert np.allclose(mixed, [[0.6, 0.25, 0.15], [0.05, 0.05, 0.9]])
    assert np.allclose(mixed.sum(axis=1), 1.0)


def _toy_tweets(seed: int = 0) -> tuple[csr_matrix, np.ndarray]:
    """60 tweets of 12 features, labels 0/1/2 (unbalanced) given by the first three features."""
    rng = np.random.default_rng(seed)
    x = rng.random((60, 12)) * (rng.random((60, 12)) < 0.4)
    labels = np.argmax(x[:, :3] + rng.random((60, 3)) * 0.2, axis=1)
    labels[:6] = 1
    return csr_matrix(x), labels


def test_fit_to_one_hot_targets_is_the_balanced_hard_label_fit(script: ModuleType) -> None:
    x, labels = _toy_tweets()
    soft = script.fit_soft(1.0, x, labels, script.soft_targets(labels, np.full((60, 3), 1 / 3), 0.0))
    hard = script.classifier(1.0).fit(x, labels)
    assert np.allclose(soft.coef_, hard.coef_, atol=1e-3)
    assert np.allclose(soft.intercept_, hard.intercept_, atol=1e-3)


def test_fit_follows_the_teacher_as_its_share_grows(script: ModuleType) -> None:
    x, labels = _toy_tweets()
    # The teacher calls every tweet whose gold label is 0 positive (2), surely.
    teacher = np.eye(3)[np.where(labels == 0, 2, labels)] * 0.9 + 0.1 / 3
    negatives = labels == 0
    gold_only = script.fit_soft(1.0, x, labels, script.soft_targets(labels, teacher, 0.0))
    distilled = script.fit_soft(1.0, x, labels, script.soft_targets(labels, teacher, 0.9))
    assert (gold_only.predict(x[negatives]) == 0).mean() > 0.5
    assert (distilled.predict(x[negatives]) == 2).mean() > 0.5


def test_teacher_probabilities_are_the_teachers_own_in_order(script: ModuleType) -> None:
    class Teacher:
        def predict_proba(self, texts: list[str]) -> np.ndarray:
            return np.array([[len(t), 0.0, 1.0] for t in texts])

    texts = [f"tweet {'x' * n}" for n in range(1030)]  # more than two batches of 512
    probabilities = script.teacher_probabilities(Teacher(), texts)
    assert probabilities.shape == (1030, 3)
    assert np.array_equal(probabilities[:, 0], [len(t) for t in texts])
    assert script.teacher_probabilities(Teacher(), []).shape == (0, 3)
