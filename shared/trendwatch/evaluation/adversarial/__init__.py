"""An adversarial stream generator, separate from the demo's, written to break topic detection.

It has its own vocabulary (English and French), its own accounts and bot strategies and its
own trend shapes; ``truth.json`` lists the planted trends and the decoys that must not be
reported. Detector tuning may use :data:`TRAINING_SEEDS`; :data:`HELD_OUT_SEEDS` are only
for reported figures and must never be tuned on.
"""

from __future__ import annotations

from trendwatch.evaluation.adversarial.run import Summary, generate
from trendwatch.evaluation.adversarial.truth import Truth, read_truth

#: Seeds a detector may be tuned on.
TRAINING_SEEDS: tuple[int, ...] = tuple(range(1001, 1011))
#: Seeds whose figures are reported; never tune on them.
HELD_OUT_SEEDS: tuple[int, ...] = (1, 2, 3, 4, 5)

__all__ = ["HELD_OUT_SEEDS", "TRAINING_SEEDS", "Summary", "Truth", "generate", "read_truth"]
