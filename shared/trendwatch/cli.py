"""The ``trendwatch`` command (DESIGN §6): one CLI for the demo, replays and analysts.

Outputs with ``--json`` are machine-readable JSON on stdout; progress and tables go to
stderr/stdout for people.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from trendwatch.contracts.topology import FEED_KINDS
from trendwatch.observability import configure_logging
from trendwatch.settings import Settings

console = Console(stderr=True)
out = Console()

STATE_OPTION = click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State folder (lake, warehouse, logs). Default: $TRENDWATCH_STATE_DIR or .trendwatch",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout.")


def _settings(state_dir: Path | None) -> Settings:
    return Settings.from_env(state_dir=state_dir)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(msgspec.to_builtins(value), ensure_ascii=False, default=str) + "\n")


def _warehouse(settings: Settings) -> Any:
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    if not settings.warehouse_path.exists():
        raise click.ClickException(
            f"no warehouse at {settings.warehouse_path}: run `trendwatch replay FILE` or `trendwatch demo` first"
        )
    return DuckDBWarehouse(settings.warehouse_path)


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Any]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def _generate_with_progress(seed: int, minutes: int, rate: float, out_dir: Path) -> Any:
    from trendwatch.generator import generate as run_generator

    with _progress("generating", int(minutes * 60 * rate)) as advance:
        written = 0

        def on_progress(total: int) -> None:  # the generator reports totals, rich wants steps
            nonlocal written
            advance(total - written)
            written = total

        return run_generator(seed, minutes, rate, out_dir, progress=on_progress)


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--log-level", default="WARNING", show_default=True, help="Level of the JSON logs on stderr.")
@click.version_option(package_name="trendwatch")
def main(log_level: str) -> None:
    """trendwatch: spot product and lifestyle trends on social media early.

    Start with `trendwatch demo`, then explore with `topics`, `influencers` and `query`.
    """
    configure_logging(log_level)


@main.command()
@click.option("--seed", default=7, show_default=True, help="Random seed: same seed, same files.")
@click.option("--minutes", default=180, show_default=True, help="Event-time length of the stream.")
@click.option("--rate", default=3.0, show_default=True, help="Average tweets per second.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def generate(seed: int, minutes: int, rate: float, out_dir: Path) -> None:
    """Write a synthetic X API v2 stream with planted trends (tweets.jsonl, truth.json, media/, feeds/)."""
    summary = _generate_with_progress(seed, minutes, rate, out_dir)
    console.print(f"[green]wrote[/] {summary.tweets} tweets, {summary.media_items} media items to {out_dir}")


def _replay(settings: Settings, path: Path, speed: float | None, processes: bool) -> Any:
    total = _count_lines(path)
    with _progress(f"replaying {path.name}", total) as advance:
        if processes:
            from trendwatch.runtime.processes import ProcessPipeline

            with ProcessPipeline(settings) as pipeline:
                return pipeline.replay(path, speed=speed, progress=advance)
        from trendwatch.runtime.local import LocalPipeline

        return LocalPipeline(settings).replay(path, speed=speed, progress=advance)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@STATE_OPTION
@click.option("--speed", default="max", show_default=True, help="max, realtime, or a factor of real time.")
@click.option("--processes", is_flag=True, help="Run each service as its own functions-framework server.")
def replay(path: Path, state_dir: Path | None, speed: str, processes: bool) -> None:
    """Replay a file of X API v2 stream messages through all five services."""
    from trendwatch.runtime.replay import parse_speed

    try:
        factor = parse_speed(speed)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--speed") from None
    settings = _settings(state_dir)
    report = _replay(settings, path, factor, processes)
    ingest = report.ingest
    console.print(
        f"[green]replayed[/] {ingest.tweets} tweets ({ingest.with_media} with media), "
        f"{ingest.keep_alives} keep-alives skipped, {ingest.dead_lettered} rejected to dead letters; "
        f"state in {settings.state_dir}"
    )


@main.command()
@STATE_OPTION
@click.option(
    "--max-tweets", type=int, default=None, help="Stop after this many tweets (default: run until stopped)."
)
@click.option("--max-reconnects", type=int, default=None, help="Give up after this many reconnects.")
def stream(state_dir: Path | None, max_tweets: int | None, max_reconnects: int | None) -> None:
    """Ingest the live X API v2 filtered stream (needs TRENDWATCH_X_BEARER_TOKEN) through all services."""
    import itertools

    from trendwatch.adapters.x_stream_client import FilteredStreamClient
    from trendwatch.runtime.local import LocalPipeline

    settings = _settings(state_dir)
    if not settings.x_bearer_token:
        raise click.ClickException("set TRENDWATCH_X_BEARER_TOKEN to read the X filtered stream")
    client = FilteredStreamClient(
        settings.x_bearer_token, settings.x_stream_url, max_reconnects=max_reconnects
    )
    lines = client.lines() if max_tweets is None else itertools.islice(client.lines(), max_tweets)
    try:
        with _progress("streaming", max_tweets) as advance:
            report = LocalPipeline(settings).stream(
                lines, chunk_lines=min(200, max_tweets or 200), progress=advance
            )
    finally:
        client.close()
    console.print(
        f"[green]ingested[/] {report.tweets} tweets, {report.dead_lettered} rejected to dead letters"
    )


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return table


@main.command()
@STATE_OPTION
@JSON_OPTION
@click.option("--limit", default=20, show_default=True)
@click.option(
    "--save", is_flag=True, help="Also store every alert in the trend_alerts table, with its explanation."
)
def topics(state_dir: Path | None, as_json: bool, limit: int, save: bool) -> None:
    """Emerging topics, newest first: terms voiced by many more people than their own baseline says."""
    from trendwatch.app.insights import emerging_topics

    found = emerging_topics(_warehouse(_settings(state_dir)), limit=limit, persist=save)
    if as_json:
        _print_json(found)
        return
    out.print(
        _table(
            "Emerging topics",
            ("topic", "score", "volume", "voices", "expected", "first detected", "languages"),
            [
                (
                    t.label,
                    t.score,
                    t.volume,
                    t.observed,
                    t.expected,
                    t.first_detected_at,
                    ",".join(t.languages),
                )
                for t in found
            ],
        )
    )


@main.command()
@STATE_OPTION
@JSON_OPTION
@click.option("--topic", "topic_id", default=None, help="Only influence within this topic id.")
@click.option("--limit", default=20, show_default=True)
@click.option("--save", is_flag=True, help="Also store the ranking in the influencers table, with as_of.")
def influencers(state_dir: Path | None, as_json: bool, topic_id: str | None, limit: int, save: bool) -> None:
    """Influential users, best first (overall or for one topic): trust-weighted PageRank of amplification."""
    from trendwatch.app.insights import influencers as rank_influencers

    found = rank_influencers(_warehouse(_settings(state_dir)), topic_id=topic_id, limit=limit, persist=save)
    if as_json:
        _print_json(found)
        return
    out.print(
        _table(
            "Influencers" + (f" of {topic_id}" if topic_id else ""),
            ("rank", "user", "score", "followers", "evidence"),
            [(i.rank, i.username or i.user_id, i.score, i.followers, i.evidence) for i in found],
        )
    )


@main.command("analyze-text")
@JSON_OPTION
@click.option("--profile", type=click.Choice(["fast", "accurate"]), default=None, help="Default: settings.")
def analyze_text(as_json: bool, profile: str | None) -> None:
    """Enrich texts: stdin JSONL {"id","text"[,"lang"]} -> one JSON line per input on stdout."""
    from trendwatch.adapters.local.text_analyzer import LocalTextAnalyzer
    from trendwatch.ports import TextItem

    settings = Settings.from_env(text_profile=profile)
    analyzer = LocalTextAnalyzer(settings.text_profile)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text_item = TextItem(str(item["id"]), str(item["text"]), item.get("lang"))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(f'line {number}: expected {{"id", "text"}} JSON ({exc})') from None
        result = analyzer.analyze([text_item])[0]
        if as_json:
            _print_json({"id": text_item.id, **msgspec.to_builtins(result)})
        else:
            out.print(
                f"{text_item.id}: {result.lang} {result.sentiment.label} ({result.sentiment.score:+.2f}) "
                f"keyphrases={list(result.keyphrases)} categories={list(result.categories)}"
            )


@main.command("analyze-image")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@JSON_OPTION
def analyze_image(paths: tuple[Path, ...], as_json: bool) -> None:
    """Analyse image files: size, perceptual hash, dominant colours."""
    from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
    from trendwatch.ports import InvalidImage

    analyzer = LocalImageAnalyzer()
    failed = False
    for path in paths:
        try:
            result = analyzer.analyze(path.read_bytes())
        except InvalidImage as exc:
            failed = True
            console.print(f"[red]{path}[/]: {exc}")
            continue
        record = {"path": str(path), **msgspec.to_builtins(result)}
        if as_json:
            _print_json(record)
        else:
            colours = ", ".join(f"{c.name} {c.fraction:.0%}" for c in result.colours)
            click.echo(
                f"{path}: {result.width}x{result.height} {result.format} phash={result.phash} [{colours}]"
            )
    if failed:
        sys.exit(1)


@main.command()
@click.argument("sql")
@STATE_OPTION
@JSON_OPTION
def query(sql: str, state_dir: Path | None, as_json: bool) -> None:
    """Run BigQuery-dialect SQL against the warehouse (DuckDB locally)."""
    from trendwatch.warehouse.sql import SqlError

    warehouse = _warehouse(_settings(state_dir))
    try:
        rows = warehouse.query(sql)
    except SqlError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # the engine's own message is the most useful one here
        raise click.ClickException(f"query failed: {exc}") from None
    if as_json:
        _print_json(rows)
        return
    columns = list(rows[0].keys()) if rows else []
    out.print(_table(f"{len(rows)} rows", columns, [list(r.values()) for r in rows]))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind", type=click.Choice(FEED_KINDS), default=None, help="Default: the parent folder's name."
)
@STATE_OPTION
@JSON_OPTION
def feed(path: Path, kind: str | None, state_dir: Path | None, as_json: bool) -> None:
    """Drop a feed file into the lake (as GCS would fire its finalize event) and print the load report."""
    from trendwatch.runtime.local import LocalPipeline

    kind = kind or path.parent.name
    if kind not in FEED_KINDS:
        raise click.BadParameter(f"cannot tell the feed kind from {path}; pass --kind", param_hint="--kind")
    settings = _settings(state_dir)
    pipeline = LocalPipeline(settings)
    report = pipeline.load_feed(path, kind)
    if as_json:
        _print_json(report)
    else:
        console.print(
            f"[green]{kind}[/] {path.name}: {report.rows_loaded}/{report.rows_read} rows loaded, "
            f"{report.rows_quarantined} quarantined"
            + (f" -> {report.quarantine_object}" if report.quarantine_object else "")
        )


@main.command()
@STATE_OPTION
@click.option("--seed", default=7, show_default=True)
@click.option("--minutes", default=180, show_default=True)
@click.option("--rate", default=3.0, show_default=True)
@click.option("--processes", is_flag=True, help="Run the services as separate processes.")
def demo(state_dir: Path | None, seed: int, minutes: int, rate: float, processes: bool) -> None:
    """Generate a demo stream, replay it through every service, load the feeds, show what was found."""
    from trendwatch.runtime.local import LocalPipeline

    settings = _settings(state_dir)
    data_dir = settings.state_dir / "demo-data"
    console.rule("1. generate")
    summary = _generate_with_progress(seed, minutes, rate, data_dir)
    console.rule("2. replay through ingest → enrich-text / enrich-image → aggregate")
    started = datetime.now()
    report = _replay(settings, data_dir / "tweets.jsonl", None, processes)
    elapsed = (datetime.now() - started).total_seconds()
    console.print(
        f"{report.ingest.tweets} tweets in {elapsed:.1f} s ({report.ingest.tweets / max(elapsed, 1e-9):,.0f} tweets/s)"
    )
    console.rule("3. inventory-sync: products, inventory, orders, deliveries")
    pipeline = LocalPipeline(settings)
    for feed_file in sorted((data_dir / "feeds").rglob("*.*")):
        load = pipeline.load_feed(feed_file, feed_file.parent.name)
        console.print(
            f"{feed_file.parent.name}/{feed_file.name}: {load.rows_loaded} loaded, {load.rows_quarantined} quarantined"
        )
    _print_demo_summary(settings, summary)


def _print_demo_summary(settings: Settings, summary: Any) -> None:
    from trendwatch.app.insights import emerging_topics
    from trendwatch.app.insights import influencers as rank_influencers

    warehouse = _warehouse(settings)
    counts = warehouse.query(
        "SELECT (SELECT COUNT(*) FROM tweets) AS tweets, (SELECT COUNT(*) FROM media) AS media, "
        "(SELECT COUNT(*) FROM interactions) AS interactions, (SELECT COUNT(*) FROM term_windows) AS term_windows, "
        "(SELECT COUNT(*) FROM dead_letters) AS dead_letters"
    )[0]
    console.rule("4. what was found")
    out.print(_table("Warehouse", list(counts), [list(counts.values())]))
    found = emerging_topics(warehouse, limit=10)
    out.print(
        _table(
            "Emerging topics (newest first)",
            ("topic", "score", "voices", "expected", "first detected"),
            [(t.label, t.score, t.observed, t.expected, t.first_detected_at) for t in found],
        )
    )
    top = rank_influencers(warehouse, limit=10)
    out.print(
        _table(
            "Influencers",
            ("rank", "user", "score", "followers"),
            [(i.rank, i.username, i.score, i.followers) for i in top],
        )
    )
    out.print(
        f"\nPlanted truth: {settings.state_dir / 'demo-data' / 'truth.json'}\n"
        f"Lake: {settings.lake_dir}   Warehouse: {settings.warehouse_path}\n"
        "Explore: trendwatch topics --json | trendwatch influencers | "
        "trendwatch query \"SELECT term, SUM(tweet_count) n FROM term_windows WHERE window_size='1h' GROUP BY term ORDER BY n DESC LIMIT 10\""
    )


if __name__ == "__main__":
    main()
