"""``trendwatch deadletters``: list dead letters with their reason, replay them to their topic.

Locally they are read from the warehouse of ``--state`` and replayed through the in-process
pipeline (every service handles what is sent before the command returns); in a cloud
environment (``TRENDWATCH_ENV``) they are read from BigQuery and published to Pub/Sub, where
the deployed services take them.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from trendwatch.app.dead_letters import (
    DeadLetter,
    DeadLetterReplayer,
    DeadLetterSelection,
    ReplayPlan,
    find_dead_letters,
    plan_replay,
)
from trendwatch.cli.common import (
    JSON_OPTION,
    MOMENT,
    STATE_OPTION,
    console,
    out,
    print_json,
    require_warehouse,
    settings_for,
    table,
    utc,
    warehouse_for,
)
from trendwatch.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

_SELECTION_OPTIONS = (
    click.option(
        "--subscription",
        "subscriptions",
        multiple=True,
        help="Only those this subscription (or storage trigger, or producer) rejected; repeatable.",
    ),
    click.option("--id", "message_ids", multiple=True, help="Only this dead letter; repeatable."),
    click.option("--since", type=MOMENT, default=None, help="Dead-lettered at or after (UTC)."),
    click.option("--until", type=MOMENT, default=None, help="Dead-lettered before (UTC)."),
    STATE_OPTION,
    JSON_OPTION,
)


def _selection_options(command: F) -> F:
    """The options that select dead letters, shared by ``list`` and ``replay``."""
    for option in reversed(_SELECTION_OPTIONS):
        command = option(command)
    return command


def replay_command(state_dir: Path, since: datetime, subscriptions: Iterable[str]) -> str:
    """The ``trendwatch deadletters replay`` command line that sends back the dead letters of
    ``subscriptions`` dead-lettered since ``since`` (to the second, rounded down)."""
    words = ["trendwatch", "deadletters", "replay", "--state", str(state_dir)]
    words += ["--since", f"{since.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"]
    for subscription in subscriptions:
        words += ["--subscription", subscription]
    return shlex.join(words)


def _replayer(settings: Settings) -> DeadLetterReplayer:
    if settings.backend == "gcp":
        from trendwatch.adapters.gcp.container import gcp_container

        container = gcp_container(settings)
        # The raw publisher: each message keeps the traceparent of its first trace.
        return DeadLetterReplayer(container.warehouse, container.publisher, container.clock)
    from trendwatch.runtime.local import LocalPipeline

    require_warehouse(settings)
    return LocalPipeline(settings).dead_letter_replayer()


def _summary(letter: DeadLetter) -> dict[str, Any]:
    return {
        "subscription": letter.subscription,
        "message_id": letter.message_id,
        "reason": letter.reason,
        "delivery_attempts": letter.delivery_attempts,
        "dead_lettered_at": letter.dead_lettered_at.isoformat(),
        "replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None,
    }


@click.group()
def deadletters() -> None:
    """Dead letters: messages a service rejected or kept failing on, with the reason; replay them."""


@deadletters.command("list")
@_selection_options
@click.option("--pending", is_flag=True, help="Leave out those already replayed.")
@click.option("--limit", default=100, show_default=True, help="At most this many, oldest first.")
def list_(
    subscriptions: tuple[str, ...],
    message_ids: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    state_dir: Path | None,
    as_json: bool,
    pending: bool,
    limit: int,
) -> None:
    """The selected dead letters with their reason and when they were replayed, oldest first
    (--json adds their attributes and payload)."""
    selection = DeadLetterSelection(subscriptions, message_ids, utc(since), utc(until), pending=pending)
    found = find_dead_letters(warehouse_for(settings_for(state_dir)), selection, limit=limit)
    if as_json:
        print_json([{**_summary(d), "attributes": d.attributes, "payload": d.payload} for d in found])
        return
    out.print(
        table(
            "Dead letters",
            ("subscription", "id", "reason", "attempts", "dead-lettered", "replayed"),
            [
                (
                    d.subscription,
                    d.message_id,
                    d.reason,
                    d.delivery_attempts,
                    d.dead_lettered_at,
                    d.replayed_at or "",
                )
                for d in found
            ],
        )
    )


def _plan_json(plan: ReplayPlan) -> dict[str, Any]:
    return {
        "to_send": {topic: [_summary(d) for d in letters] for topic, letters in plan.to_send.items()},
        "already_replayed": [_summary(d) for d in plan.already_replayed],
        "not_replayable": [{**_summary(d), "why": why} for d, why in plan.not_replayable],
    }


def _print_plan(plan: ReplayPlan) -> None:
    for letter, why in plan.not_replayable:
        console.print(f"[yellow]not replayable[/] {letter.subscription} {letter.message_id}: {why}")
    if plan.already_replayed:
        console.print(f"{len(plan.already_replayed)} already replayed, not sent again")


@deadletters.command("replay")
@_selection_options
@click.option("--dry-run", is_flag=True, help="Say what would be sent; send nothing.")
def replay(
    subscriptions: tuple[str, ...],
    message_ids: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    state_dir: Path | None,
    as_json: bool,
    dry_run: bool,
) -> None:
    """Send the selected dead letters back to the topic their subscription reads, with their
    original attributes; each is sent once (a replay is recorded, and skipped afterwards).

    Every subscription of that topic receives the message again; their writes are idempotent.
    Exit code 1 when a replayed message was dead-lettered again (seen locally only: on Pub/Sub
    it comes back later, as a new dead letter).
    """
    selection = DeadLetterSelection(subscriptions, message_ids, utc(since), utc(until))
    if not selection.narrows:
        raise click.UsageError("say which dead letters to replay: --subscription, --id, --since or --until")
    settings = settings_for(state_dir)
    if dry_run:
        plan = plan_replay(find_dead_letters(warehouse_for(settings), selection))
        if as_json:
            print_json(_plan_json(plan))
            return
        for topic, letters in plan.to_send.items():
            for letter in letters:
                console.print(
                    f"would send {letter.subscription} {letter.message_id} to {topic}: {letter.reason}"
                )
        _print_plan(plan)
        return
    replayer = _replayer(settings)
    report = replayer.replay(find_dead_letters(replayer.warehouse, selection))
    if as_json:
        print_json(
            {
                **_plan_json(report.plan),
                "sent": [_summary(d) for d in report.sent],
                "failed_again": [_summary(d) for d in report.failed_again],
            }
        )
    else:
        for letter in report.sent:
            console.print(f"[green]sent[/] {letter.subscription} {letter.message_id}")
        for letter in report.failed_again:
            console.print(f"[red]dead-lettered again[/] {letter.subscription} {letter.message_id}")
        _print_plan(report.plan)
        console.print(f"{len(report.sent)} sent, {len(report.failed_again)} dead-lettered again")
    if report.failed_again:
        raise SystemExit(1)


COMMANDS = [deadletters]
