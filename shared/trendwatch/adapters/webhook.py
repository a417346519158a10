"""Slack-compatible webhook delivery of trend alerts and restock recommendations
(``{"text": ..., "blocks": [...]}``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from trendwatch.contracts.events import RestockRecommendation, TrendAlert


def slack_payload(alert: TrendAlert) -> dict[str, Any]:
    """A message any Slack-compatible incoming webhook accepts: plain text plus blocks."""
    why: Mapping[str, Any] = alert.explanation
    update = f" (update {alert.version})" if alert.version > 1 else ""
    text = (
        f"Emerging topic: {alert.label}{update} — {alert.volume} tweets, score {alert.score:g}, "
        f"first detected {alert.first_detected_at:%Y-%m-%d %H:%M} UTC"
    )
    details = [
        f"*Terms:* {', '.join(alert.terms)}",
        f"*Voices:* {why.get('observed')} vs {why.get('expected_at_first_alert')} expected "
        f"({why.get('window', {}).get('minutes')}-minute window)",
        f"*Languages:* {', '.join(alert.languages) or 'n/a'} · *sentiment:* {why.get('sentiment')}",
        f"*Retweets:* {why.get('retweet_share')} · *suspected bots:* {why.get('suspected_bot_share')}",
    ]
    samples = [f"> {t}" for t in why.get("sample_tweets", [])]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Emerging: {alert.label}{update}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(details)}},
    ]
    if samples:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(samples)}})
    return {"text": text, "blocks": blocks}


def restock_payload(recommendation: RestockRecommendation) -> dict[str, Any]:
    """A restock recommendation as a Slack-compatible message: what, where, how many, why."""
    r = recommendation
    stockout = f", stock-out {r.stockout_date:%Y-%m-%d}" if r.stockout_date else ""
    text = (
        f"Restock ({r.urgency}): {r.recommended_quantity} x {r.sku} at {r.location_id}{stockout} — {r.reason}"
    )
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class SlackWebhook:
    """Posts each alert to one URL; a non-2xx answer raises, so the caller can retry."""

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self._url = url
        self._timeout = timeout_s

    def send(self, alert: TrendAlert) -> None:
        self._post(slack_payload(alert))

    def send_restock(self, recommendation: RestockRecommendation) -> None:
        self._post(restock_payload(recommendation))

    def _post(self, payload: Mapping[str, Any]) -> None:
        response = httpx.post(self._url, json=payload, timeout=self._timeout)
        response.raise_for_status()
