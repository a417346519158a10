"""Labels from analysts: ``POST /api/v1/labels`` and the dashboard's label forms (Models page).

The one write the analysts' application makes. Every role may label (labels are about the
models, not about people); each label records who made it (the viewer's e-mail address).
Where labels go is :class:`~trendwatch.app.labels.LabelSink`'s business: the ``labels`` table
in the cloud, the lake's ``labels/`` folder locally (see :mod:`trendwatch.app.labels`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from trendwatch.api.access import viewer
from trendwatch.api.models import ErrorBody, LabelRequest, StoredLabel
from trendwatch.app.labels import (
    LabelSink,
    LakeLabels,
    UnknownItem,
    WarehouseLabels,
    sentiment_label,
    topic_label,
)
from trendwatch.ports import BlobStore, Warehouse


class Labeller:
    """Turns a judgement into a ``labels`` row (reading the judged tweet or topic) and stores it."""

    def __init__(
        self,
        warehouse: Warehouse,
        sink: LabelSink,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._warehouse = warehouse
        self._sink = sink
        self._clock = clock

    def label(self, request: LabelRequest, labelled_by: str) -> StoredLabel:
        """Raises :class:`UnknownItem` or ``ValueError`` (a judgement that contradicts itself)."""
        at = self._clock()
        if request.kind == "sentiment":
            if request.tweet_id is None:
                raise ValueError("a sentiment label needs tweet_id")
            row = sentiment_label(
                self._warehouse,
                request.tweet_id,
                correct=request.correct,
                label=request.label,
                labelled_by=labelled_by,
                at=at,
            )
        else:
            if request.topic_id is None:
                raise ValueError("a topic label needs topic_id")
            row = topic_label(
                self._warehouse, request.topic_id, relevant=request.correct, labelled_by=labelled_by, at=at
            )
        self._sink.record(row)
        return StoredLabel.model_validate(row)


def labeller_for(backend: str, warehouse: Warehouse, lake: BlobStore) -> Labeller:
    """The cloud API writes ``labels`` itself; a local server, which holds the warehouse file
    read-only, leaves labels in the lake for the next monitor run."""
    sink: LabelSink = WarehouseLabels(warehouse) if backend == "gcp" else LakeLabels(lake)
    return Labeller(warehouse, sink)


router = APIRouter()
REFUSED: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A judgement that contradicts itself"},
    404: {"model": ErrorBody, "description": "No such tweet or topic"},
    503: {"model": ErrorBody, "description": "This server does not take labels"},
}


def _store(request: Request, judgement: LabelRequest) -> StoredLabel:
    labeller: Labeller | None = getattr(request.app.state, "labeller", None)
    if labeller is None:
        raise HTTPException(503, "this server does not take labels")
    try:
        return labeller.label(judgement, viewer(request).email)
    except UnknownItem as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


@router.post(
    "/api/v1/labels", response_model=StoredLabel, status_code=201, responses=REFUSED, tags=["models"]
)
def post_label(request: Request, judgement: LabelRequest) -> StoredLabel:
    """Label a tweet's sentiment (right, or wrong and the right label) or a topic's relevance;
    live accuracy per model version follows in the daily model-monitor job."""
    return _store(request, judgement)


@router.post("/labels", include_in_schema=False)
async def label_form(request: Request) -> RedirectResponse:
    """The dashboard's label buttons (an url-encoded form: ``kind``, ``tweet_id`` or
    ``topic_id``, ``correct``, ``label``): store, then back to the Models page's label section.

    A form can be posted from any web page the signed-in analyst visits (the browser sends their
    credentials along), so one another site sent (``Sec-Fetch-Site`` says so) is refused."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise HTTPException(403, "labels are taken from the dashboard's own pages only")
    fields = {k: v[-1] for k, v in parse_qs((await request.body()).decode(errors="replace")).items()}
    try:
        judgement = LabelRequest.model_validate(
            {
                "kind": fields.get("kind"),
                "tweet_id": fields.get("tweet_id"),
                "topic_id": fields.get("topic_id"),
                "correct": fields.get("correct"),
                "label": fields.get("label") or None,
            }
        )
    except ValidationError as exc:
        raise HTTPException(400, f"not a label: {exc.errors()[0]['msg']}") from None
    await run_in_threadpool(_store, request, judgement)
    return RedirectResponse("/models?labelled=1#labels", status_code=303)
