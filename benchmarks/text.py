"""Texts per second of the offline text analyzer, per profile, in one process.

Usage: ``python benchmarks/text.py [--data-dir data/labelled] [--repeat 3]``

Reads every distinct labelled English and French tweet, repeated ``--repeat`` times with a
counter appended (so that no per-text cache hits across repeats), and times, per profile:
language + sentiment + keyphrases (the ``fast`` target: >= 10,000 texts/s per core), and the
whole enrichment (adding hashtags, mentions, entities and categories). Figures per core are
texts per CPU-second of this process: lingua may run on several threads.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from trendwatch.adapters.local.text_analyzer import LocalTextAnalyzer, Profile
from trendwatch.domain.text import extract_keyphrases
from trendwatch.evaluation.text import language_cases, read_sets
from trendwatch.ports import TextItem


def _timed(
    run: Callable[[LocalTextAnalyzer, list[TextItem]], None],
    analyzer: LocalTextAnalyzer,
    items: list[TextItem],
) -> tuple[float, float]:
    """Texts per second and per CPU-second of ``run(analyzer, items)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run(analyzer, items)
    return len(items) / (time.perf_counter() - wall), len(items) / (time.process_time() - cpu)


def _core(analyzer: LocalTextAnalyzer, items: list[TextItem]) -> None:
    """Language, sentiment and keyphrases only, in chunks as the analyzer does."""
    for start in range(0, len(items), 1024):
        chunk = items[start : start + 1024]
        texts = [item.text for item in chunk]
        langs = [lang for lang, _ in analyzer.language.identify(texts, [item.lang_hint for item in chunk])]
        analyzer.sentiments(texts, langs)
        for text, lang in zip(texts, langs, strict=True):
            extract_keyphrases(text, lang)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=Path("data/labelled"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = [text for text, _ in language_cases(read_sets(args.data_dir))]
    profiles: tuple[Profile, ...] = ("fast", "accurate")
    for profile in profiles:
        analyzer = LocalTextAnalyzer(profile)
        analyzer.analyze([TextItem("warm-up", text) for text in texts[:256]])
        for name, run in (("language+sentiment+keyphrases", _core), ("whole enrichment", _whole)):
            items = [
                TextItem(f"{n}-{i}", f"{text} {n}")
                for n in range(args.repeat)
                for i, text in enumerate(texts)
            ]
            per_second, per_cpu_second = _timed(run, analyzer, items)
            print(
                f"{profile:8} {name:30} {per_second:8,.0f} texts/s   {per_cpu_second:8,.0f} texts/CPU-s",
                flush=True,
            )


def _whole(analyzer: LocalTextAnalyzer, items: list[TextItem]) -> None:
    analyzer.analyze(items)


if __name__ == "__main__":
    main()
