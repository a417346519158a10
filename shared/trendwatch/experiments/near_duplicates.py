"""Logging the near-duplicate thresholds' evaluation (``trendwatch eval images``).

The thresholds (:mod:`trendwatch.domain.near_duplicates`) were chosen on the generated
reposts this evaluation scores: each evaluation is a run of the ``near-duplicates``
experiment with the thresholds as parameters and the pairwise precision and recall (overall
and by transformation) as metrics. The pictures are generated, not stored: their data hash is
that of their recipe (the generator's and the evaluation's code, the seed and the count).
"""

from __future__ import annotations

import hashlib
import inspect

from trendwatch.domain import near_duplicates
from trendwatch.evaluation.images import NearDuplicateResult
from trendwatch.experiments.runs import log_run
from trendwatch.settings import Settings

EXPERIMENT = "near-duplicates"


def log_near_duplicates(settings: Settings, seed: int, result: NearDuplicateResult) -> str:
    """Log one near-duplicate evaluation; returns the run's id."""
    from trendwatch.evaluation import images as evaluation
    from trendwatch.generator import images as generator

    recipe = hashlib.sha256()
    for module in (generator, evaluation):
        recipe.update(inspect.getsource(module).encode())
    recipe.update(f"seed={seed} pictures={result.pictures}".encode())
    return log_run(
        settings,
        EXPERIMENT,
        run_name=f"seed {seed}, {result.pictures} pictures",
        params={
            "candidate_bits": near_duplicates.CANDIDATE_BITS,
            "confident_bits": near_duplicates.CONFIDENT_BITS,
            "max_grid_distance": near_duplicates.MAX_GRID_DISTANCE,
            "seed": seed,
            "pictures": result.pictures,
        },
        metrics={
            "precision": result.precision,
            "recall": result.recall,
            "groups_found": float(result.groups_found),
            **{f"recall/{name}": share for name, share in result.recall_by_transformation.items()},
        },
        data={"generated-pictures": recipe.hexdigest()},
    )
