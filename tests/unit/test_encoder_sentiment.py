"""The accurate profile's English model: a fine-tuned encoder shipped as an ONNX graph, mixed
with the linear model."""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np
import pytest

from trendwatch.adapters.local.encoder_model import EncoderSentimentModel
from trendwatch.adapters.local.sentiment_loader import MixtureSentimentModel, load_sentiment_model
from trendwatch.adapters.local.sentiment_model import LABELS, SentimentModel
from trendwatch.adapters.local.text_analyzer import SENTIMENT_MODELS, LocalTextAnalyzer
from trendwatch.ports import TextItem

NAME = "trendwatch-sentiment-en-minilm"
MIXTURE = SENTIMENT_MODELS["accurate"]["en"]


@pytest.fixture(scope="module")
def model() -> EncoderSentimentModel:
    return EncoderSentimentModel.load(NAME)


def test_the_packaged_graph_loads_offline_and_records_its_provenance(model: EncoderSentimentModel) -> None:
    graph = resources.files("trendwatch.models").joinpath(f"{NAME}.onnx").read_bytes()
    assert model.info.weights_sha256 == hashlib.sha256(graph).hexdigest()
    assert set(model.info.training_files) == {
        "umsab_english_train.tsv",
        "tweeteval_sentiment_val.tsv",
        "umsab_english_val.tsv",
    }
    assert all(len(digest) == 64 for digest in model.info.training_files.values())
    assert model.info.labels == LABELS
    assert model.info.metrics["val_macro_recall"] > 0.6


def test_tweets_of_known_polarity_get_their_label(model: EncoderSentimentModel) -> None:
    tweets = [
        "I absolutely love this dress, best purchase of the summer!",
        "The new store opens on Monday at 9am on Oxford Street",
        "Worst customer service ever, waited an hour and nobody helped. Never again",
    ]
    assert [LABELS[i] for i in model.predict_proba(tweets).argmax(axis=1)] == [
        "positive",
        "neutral",
        "negative",
    ]


def test_a_batch_scores_each_text_about_as_it_would_alone(model: EncoderSentimentModel) -> None:
    texts = ["so happy with my order 😍", "", "the delivery was late again, annoying", "ok"] * 20
    batch = model.predict_proba(texts)
    alone = np.vstack([model.predict_proba([text]) for text in texts[:4]])
    # Not exactly: int8 quantisation scales activations by the range of the whole batch.
    np.testing.assert_allclose(batch[:4], alone, atol=0.05)
    np.testing.assert_array_equal(batch[:4].argmax(axis=1), alone.argmax(axis=1))
    np.testing.assert_allclose(batch.sum(axis=1), 1.0)
    assert model.predict_proba([]).shape == (0, len(LABELS))


def test_the_loader_tells_a_mixture_an_encoder_and_a_linear_model_apart() -> None:
    assert isinstance(load_sentiment_model(SENTIMENT_MODELS["fast"]["en"]), SentimentModel)
    assert isinstance(load_sentiment_model(NAME), EncoderSentimentModel)
    assert isinstance(load_sentiment_model(MIXTURE), MixtureSentimentModel)


def test_the_mixture_is_the_weighted_geometric_mean_of_its_members() -> None:
    mixture = load_sentiment_model(MIXTURE)
    assert isinstance(mixture, MixtureSentimentModel)
    texts = ["I don't love this brand", "Love love love this jacket!", "Store closed today"]
    weights = mixture.info.members
    assert set(weights) == {NAME, SENTIMENT_MODELS["fast"]["en"]} and sum(weights.values()) == pytest.approx(
        1
    )
    expected = np.prod(
        [load_sentiment_model(n).predict_proba(texts) ** w for n, w in weights.items()], axis=0
    )
    np.testing.assert_allclose(mixture.predict_proba(texts), expected / expected.sum(axis=1, keepdims=True))
    assert len(mixture.info.weights_sha256) == 64


def test_the_accurate_profile_names_the_mixture_in_model_versions() -> None:
    [result] = LocalTextAnalyzer("accurate").analyze([TextItem("1", "Love love love this jacket!", "en")])
    assert result.sentiment.label == "positive"
    assert result.model_versions["sentiment"].startswith(f"{MIXTURE}-4+")
    assert result.model_versions["sentiment_features"] == "vader-3.3.2"
