"""Dead letters: the sink every dead-lettered message lands in, and the replay that sends them back.

In production the dead-letter topics feed a Cloud Storage subscription and a BigQuery
subscription; locally the runtime calls :meth:`DeadLetterSink.record` for each message
published to a dead-letter topic. Records are keyed by a content hash, so the same bad
input rejected twice is stored once; the warehouse row is written first (an idempotent
upsert), so a crash between the two writes is repaired by the retry.

:class:`DeadLetterReplayer` publishes selected dead letters again to the topic their
subscription reads, with their original attributes (``traceparent`` included, so a replay
joins the message's first trace), and records each replay in ``dead_letter_replays``: a
second replay of the same selection sends nothing.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trendwatch.contracts import dead_letters as dl
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.topology import TOPOLOGY, Topology
from trendwatch.ports import BlobExists, BlobStore, Clock, Publisher, Warehouse

#: How a payload that is not UTF-8 is stored in the ``payload`` text column.
BASE64_PREFIX = "base64:"

#: A dead letter's key in ``dead_letters``: the subscription (or producer) that rejected it, its id.
DeadLetterKey = tuple[str, str]


def dead_letter_key(topic: str, message: PubSubMessage) -> DeadLetterKey:
    """The key the sink records ``message``, published to dead-letter ``topic``, under."""
    source = message.attributes.get(dl.SOURCE, topic.removesuffix("-dead-letter"))
    return source, dl.dead_letter_id(source, message.data, message.attributes)


def _payload_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return BASE64_PREFIX + base64.b64encode(data).decode()


class DeadLetterSink:
    def __init__(self, lake: BlobStore, warehouse: Warehouse, clock: Clock) -> None:
        self._lake = lake
        self._warehouse = warehouse
        self._clock = clock

    def record(self, topic: str, message: PubSubMessage) -> None:
        attributes = dict(message.attributes)
        source, message_id = dead_letter_key(topic, message)
        now = self._clock.now()
        payload_text = _payload_text(message.data)
        reason = attributes.get(dl.REASON, "delivery attempts exhausted")
        lake_object = f"deadletter/{source}/dt={now:%Y-%m-%d}/{message_id}.json"
        document = {
            "message_id": message_id,
            "topic": topic,
            "subscription": source,
            "reason": reason,
            "attributes": attributes,
            "payload": payload_text,
            "dead_lettered_at": now.isoformat(),
        }
        self._warehouse.merge_rows(
            "dead_letters",
            [
                {
                    "subscription": source,
                    "message_id": message_id,
                    "topic": topic,
                    "reason": reason,
                    "delivery_attempts": int(attributes.get(dl.DELIVERY_COUNT, "1")),
                    "attributes": attributes,
                    "payload": payload_text,
                    "lake_object": lake_object,
                    "dead_lettered_at": now,
                }
            ],
            update=False,
        )
        with contextlib.suppress(BlobExists):  # already recorded: same bad input again
            self._lake.write(
                lake_object,
                json.dumps(document, ensure_ascii=False).encode(),
                "application/json",
                if_absent=True,
            )


@dataclass(frozen=True)
class DeadLetter:
    """One row of ``dead_letters``, with when it was replayed (``None``: never)."""

    subscription: str
    message_id: str
    topic: str
    reason: str
    delivery_attempts: int
    attributes: Mapping[str, str]
    payload: str
    dead_lettered_at: datetime
    replayed_at: datetime | None = None

    @property
    def key(self) -> DeadLetterKey:
        return self.subscription, self.message_id

    @property
    def data(self) -> bytes:
        """The message's exact bytes."""
        if self.payload.startswith(BASE64_PREFIX):
            return base64.b64decode(self.payload.removeprefix(BASE64_PREFIX))
        return self.payload.encode("utf-8")


@dataclass(frozen=True)
class DeadLetterSelection:
    """Which dead letters: each given criterion narrows (subscriptions and ids match any of theirs)."""

    subscriptions: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    #: Dead-lettered at or after / before (``dead_lettered_at``).
    since: datetime | None = None
    until: datetime | None = None
    #: Leave out the dead letters already replayed.
    pending: bool = False

    @property
    def narrows(self) -> bool:
        """Whether a criterion other than ``pending`` is set (a replay must say what it sends)."""
        return bool(self.subscriptions or self.message_ids or self.since or self.until)

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition on ``d`` (dead_letters) and ``r`` (dead_letter_replays), and its parameters.

        Only the criteria given become conditions: BigQuery types a NULL parameter as STRING,
        so ``@since IS NULL OR ...`` would not compare with a TIMESTAMP.
        """
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if self.subscriptions:
            conditions.append("d.subscription IN UNNEST(@subscriptions)")
            params["subscriptions"] = list(self.subscriptions)
        if self.message_ids:
            conditions.append("d.message_id IN UNNEST(@message_ids)")
            params["message_ids"] = list(self.message_ids)
        if self.since:
            conditions.append("d.dead_lettered_at >= @since")
            params["since"] = self.since
        if self.until:
            conditions.append("d.dead_lettered_at < @until")
            params["until"] = self.until
        if self.pending:
            conditions.append("r.replayed_at IS NULL")
        return " AND ".join(conditions) or "TRUE", params


_SELECT = """
SELECT d.subscription, d.message_id, d.topic, d.reason, d.delivery_attempts, d.attributes, d.payload,
       d.dead_lettered_at, r.replayed_at
FROM dead_letters AS d
LEFT JOIN dead_letter_replays AS r ON r.subscription = d.subscription AND r.message_id = d.message_id
WHERE {where}
ORDER BY d.dead_lettered_at, d.subscription, d.message_id
"""


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def find_dead_letters(
    warehouse: Warehouse, selection: DeadLetterSelection, *, limit: int | None = None
) -> list[DeadLetter]:
    """The selected dead letters, oldest first."""
    where, params = selection.where()
    sql = _SELECT.format(where=where)
    if limit is not None:
        sql += "LIMIT @limit"
        params["limit"] = limit
    return [
        DeadLetter(
            subscription=row["subscription"],
            message_id=row["message_id"],
            topic=row["topic"],
            reason=row["reason"],
            delivery_attempts=row["delivery_attempts"],
            # BigQuery's client hands a JSON column over parsed, DuckDB as text.
            attributes=row["attributes"]
            if isinstance(row["attributes"], dict)
            else json.loads(row["attributes"]),
            payload=row["payload"],
            dead_lettered_at=_moment(row["dead_lettered_at"]),
            replayed_at=None if row["replayed_at"] is None else _moment(row["replayed_at"]),
        )
        for row in warehouse.query(sql, params)
    ]


class NotReplayable(ValueError):
    """The dead letter did not come from a topic: the replay cannot send it back."""


def replay_topic(source: str, topology: Topology = TOPOLOGY) -> str:
    """The topic a dead letter of ``source`` goes back to; :class:`NotReplayable` says why there is none."""
    for subscription in topology.subscriptions:
        if subscription.name == source:
            return subscription.topic
    if any(t.name == source for t in topology.storage_triggers):
        raise NotReplayable(
            f"{source} is a storage trigger: write the object named in the payload to the "
            "landing bucket again to fire it"
        )
    if source in topology.producer_dead_letters:
        raise NotReplayable(
            f"{source} rejected this input before publishing it: once {source} is fixed, "
            "drop the payloads as a file under incoming/tweets/ of the landing bucket"
        )
    raise NotReplayable(f"{source} is not a subscription of the topology")


@dataclass
class ReplayPlan:
    """What a replay of some dead letters does, before it does it."""

    #: Topic => the dead letters sent back to it.
    to_send: dict[str, list[DeadLetter]] = field(default_factory=dict)
    #: Replayed before: not sent.
    already_replayed: list[DeadLetter] = field(default_factory=list)
    #: Not from a subscription, with what to do instead.
    not_replayable: list[tuple[DeadLetter, str]] = field(default_factory=list)


def plan_replay(letters: Sequence[DeadLetter], topology: Topology = TOPOLOGY) -> ReplayPlan:
    plan = ReplayPlan()
    for letter in letters:
        if letter.replayed_at is not None:
            plan.already_replayed.append(letter)
            continue
        try:
            plan.to_send.setdefault(replay_topic(letter.subscription, topology), []).append(letter)
        except NotReplayable as exc:
            plan.not_replayable.append((letter, str(exc)))
    return plan


@dataclass
class ReplayReport:
    plan: ReplayPlan
    #: Sent back to their topic and recorded as replayed.
    sent: list[DeadLetter] = field(default_factory=list)
    #: Sent back but dead-lettered again while the runtime handled them: not recorded, so a
    #: later replay (after a fix) sends them again.
    failed_again: list[DeadLetter] = field(default_factory=list)


#: Waits until what was published has been handled, and returns the keys of the dead letters
#: recorded again meanwhile (where the runtime can tell: the in-process bus).
Settle = Callable[[], Collection[DeadLetterKey]]


class DeadLetterReplayer:
    """Sends dead letters back to the topic their subscription reads, each once.

    A dead letter is recorded as replayed when its topic accepted it and, where the runtime
    can tell (``settle``), it was not dead-lettered again. With Pub/Sub, delivery happens
    after the command returns: a replayed message that fails again becomes a new dead letter
    (with a new id). Publishing comes before recording, so a crash between the two sends a
    message again on the next replay, which the idempotent writes downstream absorb.

    Every subscription of the topic receives the replayed message, not only the one that
    dead-lettered it: their writes are upserts by key, so the others change nothing.
    """

    def __init__(
        self,
        warehouse: Warehouse,
        publisher: Publisher,
        clock: Clock,
        *,
        settle: Settle | None = None,
        topology: Topology = TOPOLOGY,
    ) -> None:
        self.warehouse = warehouse
        self._publisher = publisher
        self._clock = clock
        self._settle = settle
        self._topology = topology

    def replay(self, letters: Sequence[DeadLetter]) -> ReplayReport:
        report = ReplayReport(plan_replay(letters, self._topology))
        published: list[tuple[str, DeadLetter, str]] = []
        for topic, batch in report.plan.to_send.items():
            messages = [(letter.data, dl.original_attributes(letter.attributes)) for letter in batch]
            ids = self._publisher.publish_many(topic, messages)
            published += [(topic, letter, id_) for letter, id_ in zip(batch, ids, strict=True)]
        failed = set(self._settle()) if self._settle else set()
        replayed_at = self._clock.now()
        rows = []
        for topic, letter, replay_id in published:
            if letter.key in failed:
                report.failed_again.append(letter)
                continue
            report.sent.append(letter)
            rows.append(
                {
                    "subscription": letter.subscription,
                    "message_id": letter.message_id,
                    "topic": topic,
                    "replay_message_id": replay_id,
                    "replayed_at": replayed_at,
                }
            )
        self.warehouse.merge_rows("dead_letter_replays", rows, update=False)
        return report
