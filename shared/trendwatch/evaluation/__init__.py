"""Evaluations of the detectors and models on planted or labelled data (``trendwatch eval``).

Each module measures one capability end to end, renders its section of
``docs/evaluation.md`` and, where it evaluates a model, records ``model_metrics`` rows.
"""
