"""Choose the ``accurate`` profile's English model, ``trendwatch-sentiment-en-accurate``: a
log-linear mixture of the packaged fine-tuned encoder (``trendwatch-sentiment-en-minilm``,
``scripts/train_sentiment_encoder.py``) and the packaged linear ``trendwatch-sentiment-en``
(``scripts/train_sentiment.py``), the encoder's weight taken from 0, 0.05, ..., 1 on
``umsab_english_val`` (held out from both): the middle of the weights within :data:`PLATEAU`
of the best score, as 324 tweets cannot tell nearby weights apart.

    python scripts/choose_sentiment_mixture.py [--data-dir data/labelled] [--out shared/trendwatch/models]

Run it again whenever either member is retrained (``train_sentiment_encoder.py`` does so
itself); it needs neither training library, only the packaged models.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from trendwatch.adapters.local.sentiment_loader import load_sentiment_model
from trendwatch.adapters.local.sentiment_model import LABELS
from trendwatch.evaluation.text import LabelledSet, macro_recall

REPO = Path(__file__).resolve().parents[1]
MIXTURE = "trendwatch-sentiment-en-accurate"
#: 2: the linear member is version 3 (trained on the SemEval 2013-2016 tweets); 3: version 4
#: (tweet cues: emoticons, elongated and shouted words, exclamation and question marks); 4:
#: version 5 (distilled from the encoder).
MIXTURE_VERSION = 4
ENCODER = "trendwatch-sentiment-en-minilm"
LINEAR = "trendwatch-sentiment-en"
PLATEAU = 0.005


def choose_mixture(validation: LabelledSet, out: Path) -> None:
    """Write :data:`MIXTURE`'s ``.json``: the encoder's weight chosen on ``validation``."""
    encoder, linear = load_sentiment_model(ENCODER), load_sentiment_model(LINEAR)
    logs = [np.log(np.maximum(m.predict_proba(validation.texts), 1e-12)) for m in (encoder, linear)]
    grid = np.round(np.linspace(0.0, 1.0, 21), 2).tolist()
    scores = {
        w: macro_recall(validation.labels, (w * logs[0] + (1 - w) * logs[1]).argmax(1).tolist()) for w in grid
    }
    near_best = [w for w, score in scores.items() if score >= max(scores.values()) - PLATEAU]
    weight = near_best[len(near_best) // 2]
    info = {
        "name": MIXTURE,
        "version": MIXTURE_VERSION,
        "language": "en",
        "labels": list(LABELS),
        "members": {ENCODER: weight, LINEAR: round(1 - weight, 2)},
        "training_files": {**encoder.info.training_files, **linear.info.training_files},
        "metrics": {"val_macro_recall": scores[weight]},
        "params": {"chosen_on": validation.name, "val_macro_recall_by_encoder_weight": scores},
    }
    (out / f"{MIXTURE}.json").write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    print(json.dumps(info, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=REPO / "data" / "labelled")
    parser.add_argument("--out", type=Path, default=REPO / "shared" / "trendwatch" / "models")
    args = parser.parse_args()
    choose_mixture(LabelledSet.read(args.data_dir / "umsab_english_val.tsv"), args.out)


if __name__ == "__main__":
    main()
