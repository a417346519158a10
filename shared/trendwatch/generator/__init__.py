"""The synthetic stream generator behind ``trendwatch generate``.

It writes X API v2 filtered-stream lines about fictional retail products, with planted
emerging topics, influencers, bots, a steady decoy topic, product photos and retail feeds,
plus ``truth.json`` saying what was planted. Output is a pure function of the arguments.
"""

from trendwatch.generator.run import DEFAULT_START, GenerationSummary, generate

__all__ = ["DEFAULT_START", "GenerationSummary", "generate"]
