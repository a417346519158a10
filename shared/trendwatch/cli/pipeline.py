"""Commands that move data through the pipeline: generate, replay, stream, feed, demo."""

from __future__ import annotations

import itertools
import shutil
import signal
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import msgspec

from trendwatch.cli.common import (
    JSON_OPTION,
    STATE_OPTION,
    console,
    open_warehouse,
    out,
    print_json,
    progress,
    settings_for,
    table,
)
from trendwatch.contracts.topology import FEED_KINDS
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.adapters.x_stream_client import FilteredStreamClient
    from trendwatch.app.ingest import IngestReport
    from trendwatch.contracts.events import FeedLoadReport
    from trendwatch.runtime.local import LocalPipeline, ReplayReport


def generate_with_progress(
    seed: int, minutes: int, rate: float, out_dir: Path, *, history_days: int = 0, shift: Any = None
) -> Any:
    from trendwatch.generator import generate as run_generator

    with progress("generating", int(minutes * 60 * rate)) as advance:
        written = 0

        def on_progress(total: int) -> None:  # the generator reports totals, rich wants steps
            nonlocal written
            advance(total - written)
            written = total

        return run_generator(
            seed, minutes, rate, out_dir, progress=on_progress, history_days=history_days, shift=shift
        )


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


@click.command()
@click.option("--seed", default=7, show_default=True, help="Random seed: same seed, same files.")
@click.option("--minutes", default=180, show_default=True, help="Event-time length of the stream.")
@click.option("--rate", default=3.0, show_default=True, help="Average tweets per second.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--history-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also write this many days of retail history before the stream's day (daily feeds, "
    "stock events, history/tweets.jsonl, demand_truth.csv with the 14 days after it); 0: none.",
)
@click.option(
    "--shift",
    type=click.Choice(["lang", "sentiment"]),
    default=None,
    help="Change the stream's mix halfway (to test `trendwatch drift`): lang, English authors "
    "write in French half of the time; sentiment, every opinion word is negative.",
)
def generate(
    seed: int, minutes: int, rate: float, out_dir: Path, history_days: int, shift: str | None
) -> None:
    """Write a synthetic X API v2 stream with planted trends (tweets.jsonl, truth.json, media/, feeds/)."""
    summary = generate_with_progress(seed, minutes, rate, out_dir, history_days=history_days, shift=shift)
    console.print(f"[green]wrote[/] {summary.tweets} tweets, {summary.media_items} media items to {out_dir}")
    if history_days:
        console.print(
            f"[green]wrote[/] {history_days} days of retail history: {len(summary.feed_paths)} feed files, "
            f"{summary.stock_events_path.name}, {summary.demand_truth_path.name}"
        )


def _replay(settings: Settings, path: Path, speed: float | None, processes: bool) -> Any:
    total = _count_lines(path)
    with progress(f"replaying {path.name}", total) as advance:
        if processes:
            from trendwatch.runtime.processes import ProcessPipeline

            with ProcessPipeline(settings) as pipeline:
                return pipeline.replay(path, speed=speed, progress=advance)
        from trendwatch.runtime.local import LocalPipeline

        return LocalPipeline(settings).replay(path, speed=speed, progress=advance)


@click.command()
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
    settings = settings_for(state_dir)
    report = _replay(settings, path, factor, processes)
    if not _print_replay_outcome(report, settings):
        raise SystemExit(1)


def _print_replay_outcome(report: ReplayReport, settings: Settings) -> bool:
    """Say what became of every line read; ``False`` if messages of the run wait in dead letters."""
    from trendwatch.cli.deadletters import replay_command

    ingest = report.ingest
    console.print(
        f"[green]replayed[/] {ingest.tweets} tweets ({ingest.with_media} with media) from {ingest.lines} lines "
        f"read: {ingest.keep_alives} keep-alives skipped, {ingest.dead_lettered} refused at ingest as invalid; "
        f"state in {settings.state_dir}"
    )
    unaccounted = ingest.lines - ingest.keep_alives - ingest.tweets - ingest.dead_lettered
    if unaccounted > 0:
        console.print(f"[red]{unaccounted} lines were not ingested[/] (their file waits in dead letters)")
    if ingest.dead_lettered:
        console.print("the refused lines, with why: trendwatch deadletters list --subscription ingest")
    if not report.waiting:
        return True
    waiting = sum(report.waiting.values())
    by_route = ", ".join(f"{route} {count}" for route, count in report.waiting.items())
    console.print(
        f"[red]{waiting} messages wait in dead letters[/] ({by_route}): a service gave up on them. "
        "Once the cause is fixed, send them back with:"
    )
    command = replay_command(settings.state_dir, report.started_at, report.waiting)
    console.print(command, soft_wrap=True, markup=False, highlight=False)
    return False


@click.command()
@STATE_OPTION
@click.option(
    "--max-tweets", type=int, default=None, help="Stop after this many tweets (default: run until stopped)."
)
@click.option("--max-reconnects", type=int, default=None, help="Give up after this many reconnects.")
@click.option(
    "--backfill-minutes",
    type=click.IntRange(0, 5),
    envvar="TRENDWATCH_X_BACKFILL_MINUTES",
    default=0,
    show_default=True,
    help="Ask X for the minutes missed while disconnected or stopped, up to this many (X's "
    "backfill_minutes: Pro and Enterprise access only; keep 0 on other plans).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Store and publish to tweets-raw as the ingest function does, through the environment's "
    "adapters, instead of running every service here (implied by a cloud TRENDWATCH_ENV).",
)
@click.option(
    "--health-port",
    type=int,
    envvar="PORT",
    default=None,
    help="With --publish, answer health probes on this port (default: $PORT, which Cloud Run sets).",
)
def stream(
    state_dir: Path | None,
    max_tweets: int | None,
    max_reconnects: int | None,
    backfill_minutes: int,
    publish: bool,
    health_port: int | None,
) -> None:
    """Ingest the live X API v2 filtered stream (needs TRENDWATCH_X_BEARER_TOKEN) through all services,
    or with --publish (the production reader) only through ingest, publishing to tweets-raw."""
    from trendwatch.adapters.x_stream_client import FilteredStreamClient
    from trendwatch.runtime.local import LocalPipeline

    settings = settings_for(state_dir)
    if not settings.x_bearer_token:
        raise click.ClickException("set TRENDWATCH_X_BEARER_TOKEN to read the X filtered stream")
    client = FilteredStreamClient(
        settings.x_bearer_token,
        settings.x_stream_url,
        max_reconnects=max_reconnects,
        backfill_minutes=backfill_minutes,
    )
    lines = client.lines() if max_tweets is None else itertools.islice(client.lines(), max_tweets)
    try:
        with progress("streaming", max_tweets) as advance:
            if publish or settings.backend == "gcp":
                report = _publish_stream(settings, client, lines, health_port, advance)
            else:
                report = LocalPipeline(settings).stream(
                    lines, chunk_lines=min(200, max_tweets or 200), progress=advance
                )
    finally:
        client.close()
    console.print(
        f"[green]ingested[/] {report.tweets} tweets, {report.dead_lettered} rejected to dead letters"
    )


def _publish_stream(
    settings: Settings,
    client: FilteredStreamClient,
    lines: Iterable[bytes],
    health_port: int | None,
    advance: Callable[[int], None],
) -> IngestReport:
    """Run the production reader until the stream ends or SIGTERM (Cloud Run stopping the
    instance) closes the client; what was read by then is still stored and published."""
    from trendwatch import bootstrap
    from trendwatch.observability.telemetry import configure_telemetry
    from trendwatch.runtime.stream_reader import publish_stream, serve_health

    # Installed before telemetry's handler, which flushes and then calls this one.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: client.close())
    health = serve_health(health_port) if health_port is not None else None
    try:
        container = bootstrap.container_from_env(settings)
        configure_telemetry(settings, "stream-reader")
        return publish_stream(lines, bootstrap.ingest_service(container), progress=advance)
    finally:
        if health is not None:
            health.shutdown()
        signal.signal(signal.SIGTERM, previous)


@click.command()
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
    settings = settings_for(state_dir)
    pipeline = LocalPipeline(settings)
    report = pipeline.load_feed(path, kind)
    if as_json:
        print_json(report)
    else:
        console.print(
            f"[green]{kind}[/] {path.name}: {report.rows_loaded}/{report.rows_read} rows loaded, "
            f"{report.rows_quarantined} quarantined"
            + (f" -> {report.quarantine_object}" if report.quarantine_object else "")
        )


#: Days of retail history the demo generates: eight weeks, enough for past trends to learn from.
DEMO_HISTORY_DAYS = 56


def load_generated_feeds(
    pipeline: LocalPipeline, data_dir: Path, *, on_load: Callable[[str, FeedLoadReport], None] | None = None
) -> list[FeedLoadReport]:
    """Load a generated run's feed files in the order its truth file lists them, as a retailer
    sends them: the catalogue first (topics read the stream against its products), then day by
    day inventory, orders and deliveries, a re-sent snapshot when it came."""
    facts = msgspec.json.decode((data_dir / "truth.json").read_bytes(), type=_GeneratedFeeds)
    reports = []
    for feed in facts.feeds:
        report = pipeline.load_feed(data_dir / feed.path, feed.kind)
        reports.append(report)
        if on_load is not None:
            on_load(feed.path, report)
    return reports


def publish_stock_events(pipeline: LocalPipeline, path: Path) -> int:
    """Publish a file of stock events (one JSON object a line) on the inventory-events topic, as
    the stores' systems do, and process them."""
    from trendwatch.contracts.topology import INVENTORY_EVENTS

    with path.open("rb") as lines:
        return pipeline.publish_events(
            INVENTORY_EVENTS, [line.rstrip(b"\n") for line in lines if line.strip()]
        )


def demo_replay_file(data_dir: Path) -> Path:
    """What the demo replays: the history's tweets (when generated), then the stream's, as one
    file, so that the trend-alerts job runs once, at the end, as it does after a stream alone."""
    stream = data_dir / "tweets.jsonl"
    history = data_dir / "history" / "tweets.jsonl"
    if not history.exists():
        return stream
    combined = data_dir / "replay.jsonl"
    with combined.open("wb") as out:
        for part in (history, stream):
            with part.open("rb") as source:
                shutil.copyfileobj(source, out)
    return combined


class _GeneratedFeed(msgspec.Struct):
    path: str
    kind: str
    rows: int
    bad_rows: int = 0


class _GeneratedFeeds(msgspec.Struct):
    feeds: list[_GeneratedFeed]


@click.command()
@STATE_OPTION
@click.option("--seed", default=7, show_default=True)
@click.option("--minutes", default=180, show_default=True)
@click.option("--rate", default=3.0, show_default=True)
@click.option(
    "--history-days",
    type=click.IntRange(min=0),
    default=DEMO_HISTORY_DAYS,
    show_default=True,
    help="Days of retail history before the stream's day (0: the stream's day only).",
)
@click.option("--processes", is_flag=True, help="Run the services as separate processes.")
def demo(
    state_dir: Path | None, seed: int, minutes: int, rate: float, history_days: int, processes: bool
) -> None:
    """Generate a demo stream with weeks of retail history, load its feeds (the catalogue first,
    then day by day, as at a retailer), publish the day's stock events, replay the history's
    tweets and the stream through every service, evaluate the text models into model_metrics (as
    `trendwatch eval text` does, docs untouched), register the sentiment and forecasting models
    with their metrics (`trendwatch models`), show what was found."""
    from trendwatch.cli.models import register_demo_models
    from trendwatch.runtime.local import LocalPipeline

    settings = settings_for(state_dir)
    data_dir = settings.state_dir / "demo-data"
    console.rule("1. generate")
    summary = generate_with_progress(seed, minutes, rate, data_dir, history_days=history_days)
    if history_days:
        console.print(f"and {history_days} days of retail history before the stream's day")
    # the catalogue comes first, as at a retailer: topics read the stream against its products
    console.rule("2. inventory-sync: the catalogue, feeds day by day, stock events")
    pipeline = LocalPipeline(settings)
    loads: dict[str, list[FeedLoadReport]] = {}
    with progress("loading feeds", len(summary.feed_paths)) as advance:

        def loaded(path: str, report: FeedLoadReport) -> None:
            loads.setdefault(report.kind, []).append(report)
            advance(1)

        load_generated_feeds(pipeline, data_dir, on_load=loaded)
    out.print(
        table(
            "Feeds loaded",
            ("kind", "files", "rows read", "loaded", "quarantined"),
            [
                (
                    kind,
                    len(reports),
                    sum(r.rows_read for r in reports),
                    sum(r.rows_loaded for r in reports),
                    sum(r.rows_quarantined for r in reports),
                )
                for kind, reports in loads.items()
            ],
        )
    )
    if summary.stock_events_path is not None:
        published = publish_stock_events(pipeline, summary.stock_events_path)
        stored = pipeline.container.warehouse.query("SELECT COUNT(*) AS n FROM stock_events")[0]["n"]
        console.print(
            f"{published} stock events of the stream's day published on inventory-events, {stored} stored"
            + (", the others dead-lettered with their reason" if stored < published else "")
        )
    pipeline.close()
    console.rule("3. replay through ingest → enrich-text / enrich-image → aggregate")
    started = datetime.now()
    report = _replay(settings, demo_replay_file(data_dir), None, processes)
    elapsed = (datetime.now() - started).total_seconds()
    console.print(
        f"{report.ingest.tweets} tweets in {elapsed:.1f} s ({report.ingest.tweets / max(elapsed, 1e-9):,.0f} tweets/s)"
        + (" (the history's, then the stream's)" if summary.history_tweets_path is not None else "")
    )
    console.rule("4. supply: demand forecasts with and without the social signal, restock recommendations")
    _run_supply(settings)
    console.rule("5. text models: language id, sentiment and speed on the labelled tweets")
    text_rows = _evaluate_text_models(settings)
    console.rule("6. model registry: the sentiment and forecasting models, with their metrics")
    register_demo_models(settings, text_rows)
    console.rule("7. model monitor: output mixes and drift per model version and day")
    _run_model_monitor(settings)
    _print_demo_summary(settings, summary)
    if summary.demand_truth_path is not None:
        _print_supply_summary(settings, data_dir)


def _run_supply(settings: Settings) -> None:
    """The daily supply job, as its schedule would run it the morning after the stream's day."""
    from trendwatch.app.supply import NoOrdersError
    from trendwatch.bootstrap import supply_job
    from trendwatch.runtime.local import LocalPipeline

    pipeline = LocalPipeline(settings)
    started = datetime.now()
    try:
        with console.status("forecasting demand, projecting stock"):
            report = supply_job(pipeline.container).run()
        pipeline.bus.run_until_idle()
    except NoOrdersError as exc:
        console.print(f"[yellow]skipped[/] {exc}")
        return
    finally:
        pipeline.close()
    console.print(
        f"{report.series} SKU-location series forecast from {report.as_of} ({report.forecast_rows} rows), "
        f"{report.recommendations} restock recommendations in {(datetime.now() - started).total_seconds():.1f} s"
    )


def _run_model_monitor(settings: Settings) -> None:
    """The daily model-monitor job over every day stored, as its schedule would have run it; a
    drift past its threshold is a warning here, a banner on the Models page."""
    from trendwatch.bootstrap import model_monitor
    from trendwatch.runtime.local import LocalPipeline

    pipeline = LocalPipeline(settings)
    started = datetime.now()
    try:
        report = model_monitor(pipeline.container).run()
    finally:
        pipeline.close()
    console.print(
        f"{len(report.days)} days monitored, {report.rows} rows to model_drift in "
        f"{(datetime.now() - started).total_seconds():.1f} s"
    )
    for day, model, version, metric, value, threshold in report.drifted:
        console.print(
            f"[yellow]warning[/] drift on {day}: {model} {version} {metric} = {value:.3g} > {threshold:g}"
        )


_DEMO_FORECASTS_SQL = """
SELECT sku, SUM(p50) AS p50, SUM(p10) AS p10, SUM(p90) AS p90, SUM(baseline_p50) AS baseline_p50
FROM forecasts
WHERE location_id = '*' AND as_of = (SELECT MAX(as_of) FROM forecasts) AND sku IN UNNEST(@skus)
GROUP BY sku ORDER BY sku
"""
_DEMO_RESTOCK_SQL = """
SELECT sku, location_id, recommended_quantity, stockout_date, urgency, topic_label
FROM restock_recommendations
WHERE as_of = (SELECT MAX(as_of) FROM restock_recommendations)
ORDER BY CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END, stockout_date, sku, location_id
"""


def _print_supply_summary(settings: Settings, data_dir: Path) -> None:
    """The planted topics' products: forecasts beside the demand the generator knows is coming,
    and the restock recommendations beside the stock-outs the topics cause."""
    import csv

    facts = msgspec.json.decode((data_dir / "truth.json").read_bytes())
    history = facts["history"]
    live = {sku: t["topic_id"] for t in history["trends"] if t["kind"] == "live" for sku in t["skus"]}
    coming: dict[str, int] = {}
    with (data_dir / history["demand_truth"]).open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["phase"] == "future" and row["sku"] in live:
                coming[row["sku"]] = coming.get(row["sku"], 0) + int(row["demand"])
    warehouse = open_warehouse(settings)
    forecasts = warehouse.query(_DEMO_FORECASTS_SQL, {"skus": sorted(live)})
    recommended = warehouse.query(_DEMO_RESTOCK_SQL)
    out.print(
        table(
            f"The planted topics' products, next {history['horizon_days']} days, all locations",
            ("topic", "SKU", "true demand", "social p50 (p10-p90)", "baseline p50"),
            [
                (
                    live[f["sku"]],
                    f["sku"],
                    coming.get(f["sku"], 0),
                    f"{f['p50']:.0f} ({f['p10']:.0f}-{f['p90']:.0f})",
                    f"{f['baseline_p50']:.0f}",
                )
                for f in forecasts
            ],
        )
    )
    out.print(
        table(
            "Restock recommendations, most urgent first (first 15)",
            ("urgency", "SKU", "location", "quantity", "stock-out", "topic"),
            [
                (
                    r["urgency"],
                    r["sku"],
                    r["location_id"],
                    r["recommended_quantity"],
                    r["stockout_date"] or "-",
                    r["topic_label"] or "",
                )
                for r in recommended[:15]
            ],
        )
    )
    flagged = {(r["sku"], r["location_id"]) for r in recommended}
    caused = history["trend_stockouts"]
    caught = sum((s["sku"], s["location_id"]) in flagged for s in caused)
    console.print(
        f"{len(recommended)} recommendations; {caught} of the {len(caused)} stock-outs the planted topics "
        f"cause in the next {history['horizon_days']} days (in the truth) have one for their SKU and location"
    )


def _evaluate_text_models(settings: Settings) -> list[dict[str, Any]]:
    """Store both profiles' evaluation in the demo's model_metrics, which the dashboard's Models
    page shows (about ten seconds), and return its rows. The labelled tweets are a folder of the
    repository, so a demo started elsewhere skips this step and says why."""
    from trendwatch.cli.eval_text import LABELLED_DIR, PROFILES, evaluate_profiles, save_metrics
    from trendwatch.evaluation.text import read_sets

    try:
        sets = read_sets(LABELLED_DIR)
    except FileNotFoundError as exc:
        console.print(f"[yellow]skipped[/] {exc}: start the demo from the repository root to evaluate them")
        return []
    started = datetime.now(UTC)
    _, rows = evaluate_profiles(PROFILES["both"], sets, started)
    console.print(
        f"fast and accurate profiles evaluated in {(datetime.now(UTC) - started).total_seconds():.1f} s"
    )
    save_metrics(settings.warehouse_path, rows)
    return rows


def _print_demo_summary(settings: Settings, summary: Any) -> None:
    from trendwatch.app.insights import emerging_topics
    from trendwatch.app.insights import influencers as rank_influencers

    warehouse = open_warehouse(settings)
    counts = warehouse.query(
        "SELECT (SELECT COUNT(*) FROM tweets) AS tweets, (SELECT COUNT(*) FROM media) AS media, "
        "(SELECT COUNT(*) FROM interactions) AS interactions, (SELECT COUNT(*) FROM term_windows) AS term_windows, "
        "(SELECT COUNT(*) FROM dead_letters) AS dead_letters"
    )[0]
    retail = warehouse.query(
        "SELECT (SELECT COUNT(*) FROM products) AS products, (SELECT COUNT(*) FROM orders) AS order_lines, "
        "(SELECT COUNT(*) FROM inventory_daily) AS stock_snapshots, (SELECT COUNT(*) FROM deliveries) AS deliveries, "
        "(SELECT COUNT(*) FROM stock_events) AS stock_events"
    )[0]
    console.rule("8. what was found")
    out.print(table("Warehouse", list(counts), [list(counts.values())]))
    out.print(table("Retail", list(retail), [list(retail.values())]))
    found = emerging_topics(warehouse, limit=10)
    out.print(
        table(
            "Emerging topics (newest first)",
            ("topic", "score", "voices", "expected", "first detected"),
            [(t.label, t.score, t.observed, t.expected, t.first_detected_at) for t in found],
        )
    )
    top = rank_influencers(warehouse, limit=10)
    out.print(
        table(
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


COMMANDS = [generate, replay, stream, feed, demo]
