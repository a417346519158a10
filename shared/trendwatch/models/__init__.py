"""Trained model artifacts shipped with the package (see ``scripts/train_sentiment.py``)."""
