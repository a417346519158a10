"""``trendwatch eval influencers``: influence ranking against planted influencers and bot rings."""

from __future__ import annotations

from pathlib import Path

import click

from trendwatch.cli.common import JSON_OPTION, console, print_json
from trendwatch.cli.evaluate import eval_group, write_docs_option
from trendwatch.reporting import replace_section


@eval_group.command("influencers")
@click.option("--seeds", default="1,2,3", show_default=True, help="Comma-separated generator seeds.")
@click.option("--minutes", default=120, show_default=True, help="Event-time length of each stream.")
@click.option("--rate", default=2.0, show_default=True, help="Average tweets per second of each stream.")
@click.option(
    "--edges",
    default=1_000_000,
    show_default=True,
    help="Synthetic edges for the recompute timing (0: skip).",
)
@click.option("--users", default=200_000, show_default=True, help="Accounts in the synthetic graph.")
@write_docs_option("Influential users")
@JSON_OPTION
def eval_influencers(
    seeds: str, minutes: int, rate: float, edges: int, users: int, docs: Path | None, as_json: bool
) -> None:
    """NDCG@10 and precision@10 against planted influencers, overall and per topic; bots and a
    stealth ring kept out of the top 20; time to recompute on a large graph."""
    from trendwatch.evaluation.influencers import evaluate, render

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter("expected comma-separated integers", param_hint="--seeds") from None
    with console.status("evaluating") as status:
        evaluation = evaluate(
            seed_list, minutes, rate, edges=edges, users=users, progress=lambda step: status.update(step)
        )
    command = (
        f"trendwatch eval influencers --seeds {seeds} --minutes {minutes} --rate {rate} "
        f"--edges {edges} --users {users}"
    )
    section = render(evaluation, command)
    if as_json:
        print_json(evaluation)
    else:
        click.echo(section)
    if docs:
        replace_section(docs, section)
        console.print(f"[green]wrote[/] {docs}")
