"""Slack-compatible webhook delivery of trend alerts and restock recommendations
(``{"text": ..., "blocks": [...]}``).

The webhook URL is a credential (whoever holds it posts to the channel): in production it
comes from Secret Manager, which Cloud Run mounts as ``TRENDWATCH_ALERT_WEBHOOK_URL``, and it
never appears in a log or an error: a failed post raises :class:`WebhookFailed` naming only the
status or the kind of network error, and httpx's request log shows ``<alert webhook>`` instead.

Text from the stream (labels, terms, sample tweets) is escaped for Slack's mrkdwn, so that a
tweet cannot mention ``<!channel>``, link elsewhere or break the message's formatting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from trendwatch.contracts.events import RestockRecommendation, TrendAlert

#: What httpx's request log shows instead of the webhook's URL.
REDACTED_URL = "<alert webhook>"


class WebhookFailed(RuntimeError):
    """The webhook did not take a message; the message says why without naming the URL."""


def mrkdwn(text: object) -> str:
    """``text`` as literal characters in Slack's markup (``&``, ``<`` and ``>`` escaped)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(alert: TrendAlert) -> dict[str, Any]:
    """A message any Slack-compatible incoming webhook accepts: plain text plus blocks."""
    why: Mapping[str, Any] = alert.explanation
    update = f" (update {alert.version})" if alert.version > 1 else ""
    label = mrkdwn(alert.label)
    text = (
        f"Emerging topic: {label}{update} — {alert.volume} tweets, score {alert.score:g}, "
        f"first detected {alert.first_detected_at:%Y-%m-%d %H:%M} UTC"
    )
    details = [
        f"*Terms:* {mrkdwn(', '.join(alert.terms))}",
        f"*Voices:* {why.get('observed')} vs {why.get('expected_at_first_alert')} expected "
        f"({why.get('window', {}).get('minutes')}-minute window)",
        f"*Languages:* {mrkdwn(', '.join(alert.languages)) or 'n/a'} · *sentiment:* {why.get('sentiment')}",
        f"*Retweets:* {why.get('retweet_share')} · *suspected bots:* {why.get('suspected_bot_share')}",
    ]
    # Each tweet on one quoted line: a line break in a tweet would end the quote.
    samples = [f"> {' '.join(mrkdwn(t).split())}" for t in why.get("sample_tweets", [])]
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
    text = mrkdwn(
        f"Restock ({r.urgency}): {r.recommended_quantity} x {r.sku} at {r.location_id}{stockout} — {r.reason}"
    )
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class _HideUrl(logging.Filter):
    """Shows ``url`` as :data:`REDACTED_URL` in the records of httpx's request log."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(REDACTED_URL if str(arg) == self.url else arg for arg in record.args)
        return True


def _hide_in_httpx_log(url: str) -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, _HideUrl) and f.url == url for f in httpx_log.filters):
        httpx_log.addFilter(_HideUrl(url))


class SlackWebhook:
    """Posts each alert to one URL; a failure raises :class:`WebhookFailed`, so the caller can retry."""

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self._url = url
        self._timeout = timeout_s
        _hide_in_httpx_log(url)

    def __repr__(self) -> str:
        return f"SlackWebhook({REDACTED_URL})"

    def send(self, alert: TrendAlert) -> None:
        self._post(slack_payload(alert))

    def send_restock(self, recommendation: RestockRecommendation) -> None:
        self._post(restock_payload(recommendation))

    def _post(self, payload: Mapping[str, Any]) -> None:
        try:
            response = httpx.post(self._url, json=payload, timeout=self._timeout)
        except httpx.HTTPError as exc:  # its text may name the URL
            raise WebhookFailed(f"the webhook could not be reached ({type(exc).__name__})") from None
        if not response.is_success:
            raise WebhookFailed(f"the webhook answered {response.status_code} {response.reason_phrase}")
