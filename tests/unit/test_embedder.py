import numpy as np

from trendwatch.adapters.local.embedder import DIMENSIONS, WordLlamaEmbedder


def test_variants_of_a_product_term_are_closer_than_unrelated_products() -> None:
    embedder = WordLlamaEmbedder()
    vectors = embedder.embed(["summer dress", "#SummerDress", "gaming laptop"])
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.5
    assert similarity[0, 1] > similarity[0, 2] + 0.3


def test_rows_are_unit_length_and_shaped_by_the_model() -> None:
    vectors = WordLlamaEmbedder().embed(["linen shirt", "chemise en lin", "🙂"])
    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[:2], 1.0, atol=1e-4)
    assert np.all(np.isfinite(vectors))


def test_an_empty_batch_gives_an_empty_matrix() -> None:
    assert WordLlamaEmbedder().embed([]).shape == (0, DIMENSIONS)


def test_the_model_names_its_version_for_enrichment_rows() -> None:
    embedder = WordLlamaEmbedder()
    assert embedder.name == "wordllama-l2-supercat"
    assert embedder.version.startswith("0.4")
