"""The synthetic stream generator behind ``trendwatch generate``.

It writes X API v2 filtered-stream lines about fictional retail products, with planted
emerging topics, influencers, bots, a steady decoy topic, product photos and retail feeds,
plus ``truth.json`` saying what was planted. Output is a pure function of the arguments.
With ``history_days`` it also writes a retail history before the stream and the true demand
after it (:mod:`trendwatch.generator.history`). Training seeds for anyone tuning a model on
this generator are 2001-2010; seeds 1-5 are held out for evaluation.
"""

from trendwatch.generator.run import DEFAULT_START, GenerationSummary, generate, simulate_history

__all__ = ["DEFAULT_START", "GenerationSummary", "generate", "simulate_history"]
