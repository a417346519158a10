import pytest

from trendwatch.evaluation.ranking import ndcg, precision


def test_ndcg_is_one_when_every_relevant_item_leads() -> None:
    assert ndcg(["a", "b", "x", "y"], {"a", "b"}, k=3) == 1.0


def test_ndcg_discounts_a_relevant_item_found_late() -> None:
    # one relevant item at place 2: gain 1/log2(3) against an ideal of 1
    assert ndcg(["x", "a"], {"a"}, k=10) == pytest.approx(0.6309, abs=1e-4)


def test_precision_counts_relevant_items_in_the_first_k() -> None:
    assert precision(["a", "x", "b", "c"], {"a", "b", "c"}, k=2) == 0.5
    assert ndcg([], {"a"}, k=10) == 0.0 and precision([], {"a"}, k=10) == 0.0
