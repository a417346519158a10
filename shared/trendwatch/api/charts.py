"""Charts as inline SVG, drawn on the server: the dashboard needs no script and no fetch.

Every mark carries a ``<title>`` so hovering shows its exact value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from html import escape

from markupsafe import Markup

#: Colour-blind-safe palette (Okabe-Ito), in the order series get them.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
SENTIMENT_COLOURS = {"positive": "#009e73", "neutral": "#b0b0b0", "negative": "#d55e00"}


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _svg(width: int, height: int, body: str, label: str, css_class: str) -> Markup:
    return Markup(
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def sparkline(values: Sequence[float], *, label: str, width: int = 160, height: int = 32) -> Markup:
    """A line of ``values`` scaled to the box, the last point marked."""
    if not values:
        return _svg(width, height, "", label, "sparkline")
    top = max(values) or 1.0
    step = width / max(len(values) - 1, 1)
    points = [(i * step, height - 2 - (v / top) * (height - 4)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    body = (
        f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="1.5"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="{PALETTE[5]}"/>'
        f"<title>{escape(label)}: peak {max(values):g}</title>"
    )
    return _svg(width, height, body, label, "sparkline")


def stacked_bars(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[float]],
    *,
    title: str,
    colours: Mapping[str, str] | None = None,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """One bar per label, each the stack of every series' value there, with a y-axis maximum
    and first/last labels on the x-axis."""
    pad_left, pad_bottom, pad_top = 40, 20, 8
    plot_w, plot_h = width - pad_left, height - pad_bottom - pad_top
    totals = [sum(series[i] for series in stacks.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1.0
    bar_w = plot_w / max(len(labels), 1)
    parts = [
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width}" y2="{pad_top + plot_h}" class="axis"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 10}" class="tick" text-anchor="end">{top:g}</text>',
        f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" class="tick" text-anchor="end">0</text>',
    ]
    for i, label in enumerate(labels):
        base = float(pad_top + plot_h)
        for index, (name, series) in enumerate(stacks.items()):
            value = series[i]
            if not value:
                continue
            h = value / top * plot_h
            base -= h
            fill = (colours or {}).get(name, colour(index))
            parts.append(
                f'<rect x="{pad_left + i * bar_w + 0.5:.1f}" y="{base:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                f'height="{h:.1f}" fill="{fill}"><title>{escape(label)} {escape(name)}: {value:g}</title></rect>'
            )
    if labels:
        parts.append(f'<text x="{pad_left}" y="{height - 4}" class="tick">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{width}" y="{height - 4}" class="tick" text-anchor="end">{escape(labels[-1])}</text>'
        )
    return _svg(width, height, "".join(parts), title, "chart")


def line_chart(
    labels: Sequence[str],
    lines: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    low: float | None = None,
    high: float | None = None,
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Lines over shared x labels (gaps where a value is ``None``), y from ``low`` to ``high``
    (default: the values' range)."""
    pad_left, pad_bottom, pad_top = 40, 20, 8
    plot_w, plot_h = width - pad_left, height - pad_bottom - pad_top
    values = [v for line in lines.values() for v in line if v is not None]
    y_low = low if low is not None else min(values, default=0.0)
    y_high = high if high is not None else max(values, default=1.0)
    span = (y_high - y_low) or 1.0
    step = plot_w / max(len(labels) - 1, 1)

    def y(value: float) -> float:
        return pad_top + plot_h - (value - y_low) / span * plot_h

    parts = [
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width}" y2="{pad_top + plot_h}" class="axis"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 10}" class="tick" text-anchor="end">{y_high:.3g}</text>',
        f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" class="tick" text-anchor="end">{y_low:.3g}</text>',
    ]
    if y_low < 0 < y_high:
        parts.append(f'<line x1="{pad_left}" y1="{y(0):.1f}" x2="{width}" y2="{y(0):.1f}" class="zero"/>')
    for index, (name, line) in enumerate(lines.items()):
        segments: list[list[str]] = [[]]
        for i, value in enumerate(line):
            if value is None:
                segments.append([])
                continue
            x = pad_left + i * step
            segments[-1].append(f"{x:.1f},{y(value):.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="2.5" fill="{colour(index)}">'
                f"<title>{escape(labels[i])} {escape(name)}: {value:.3g}</title></circle>"
            )
        parts.extend(
            f'<polyline points="{" ".join(s)}" fill="none" stroke="{colour(index)}" stroke-width="2"/>'
            for s in segments
            if len(s) > 1
        )
    if labels:
        parts.append(f'<text x="{pad_left}" y="{height - 4}" class="tick">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{width}" y="{height - 4}" class="tick" text-anchor="end">{escape(labels[-1])}</text>'
        )
    return _svg(width, height, "".join(parts), title, "chart")


def hbars(rows: Sequence[tuple[str, float]], *, title: str, width: int = 360, row_height: int = 22) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    top = max((v for _, v in rows), default=0) or 1.0
    label_w = width * 0.45
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * row_height
        bar = max(value / top * (width - label_w - 50), 1)
        parts.append(
            f'<text x="{label_w - 6:.0f}" y="{y + 15}" class="label" text-anchor="end">{escape(label[:32])}</text>'
            f'<rect x="{label_w:.0f}" y="{y + 4}" width="{bar:.1f}" height="{row_height - 8}" fill="{colour(0)}">'
            f"<title>{escape(label)}: {value:.4g}</title></rect>"
            f'<text x="{label_w + bar + 4:.1f}" y="{y + 15}" class="tick">{value:.3g}</text>'
        )
    return _svg(width, max(len(rows), 1) * row_height, "".join(parts), title, "hbars")


def forecast_chart(
    labels: Sequence[str],
    *,
    history: Sequence[float | None],
    band: Sequence[tuple[float, float] | None],
    social: Sequence[float | None],
    baseline: Sequence[float | None],
    voices: Sequence[int],
    title: str,
    width: int = 720,
    height: int = 240,
) -> Markup:
    """Demand on one day axis: units sold (history), the social model's p10-p90 band and p50,
    the baseline's p50 (dashed), and the people talking about the product as bars at the
    bottom on their own scale (right axis); a vertical line where the forecast starts."""
    pad_left, pad_right, pad_bottom, pad_top = 40, 40, 20, 8
    plot_w, plot_h = width - pad_left - pad_right, height - pad_bottom - pad_top
    values = [v for v in (*history, *social, *baseline) if v is not None]
    values += [hi for b in band if b is not None for hi in b]
    top = max(values, default=0.0) or 1.0
    voice_top = max(voices, default=0) or 1
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return pad_left + i * step

    def y(value: float) -> float:
        return pad_top + plot_h - value / top * plot_h

    parts = [
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{pad_left + plot_w}" y2="{pad_top + plot_h}" class="axis"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 10}" class="tick" text-anchor="end">{top:.3g}</text>',
        f'<text x="{pad_left - 4}" y="{pad_top + plot_h}" class="tick" text-anchor="end">0</text>',
        f'<text x="{width - 2}" y="{pad_top + 10}" class="tick" text-anchor="end">{voice_top} voices</text>',
    ]
    bar_w = max(step * 0.6, 1.0)
    for i, n in enumerate(voices):
        if n:
            bar_h = n / voice_top * plot_h * 0.35
            parts.append(
                f'<rect x="{x(i) - bar_w / 2:.1f}" y="{pad_top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                f'height="{bar_h:.1f}" fill="{PALETTE[2]}" opacity="0.35"><title>{escape(labels[i])}: {n} voices'
                "</title></rect>"
            )
    shown = [(i, b) for i, b in enumerate(band) if b is not None]
    if shown:
        upper = " ".join(f"{x(i):.1f},{y(hi):.1f}" for i, (_, hi) in shown)
        lower = " ".join(f"{x(i):.1f},{y(lo):.1f}" for i, (lo, _) in reversed(shown))
        parts.append(
            f'<polygon points="{upper} {lower}" fill="{PALETTE[1]}" opacity="0.25"><title>p10-p90</title></polygon>'
        )
        start = shown[0][0]
        parts.append(
            f'<line x1="{x(start):.1f}" y1="{pad_top}" x2="{x(start):.1f}" y2="{pad_top + plot_h}" class="zero"/>'
        )
    for name, line, colour_, dash in (
        ("sold", history, PALETTE[0], ""),
        ("social p50", social, PALETTE[5], ""),
        ("baseline p50", baseline, PALETTE[7], ' stroke-dasharray="5 4"'),
    ):
        points = [(i, v) for i, v in enumerate(line) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour_}" stroke-width="2"{dash}>'
                f"<title>{escape(name)}</title></polyline>"
            )
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2" fill="{colour_}">'
            f"<title>{escape(labels[i])} {escape(name)}: {v:.3g}</title></circle>"
            for i, v in points
        )
    if labels:
        parts.append(f'<text x="{pad_left}" y="{height - 4}" class="tick">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{pad_left + plot_w}" y="{height - 4}" class="tick" text-anchor="end">{escape(labels[-1])}</text>'
        )
    return _svg(width, height, "".join(parts), title, "chart")


def time_lines(
    lines: Mapping[str, Sequence[tuple[datetime, float]]],
    *,
    title: str,
    markers: Sequence[tuple[datetime, str]] = (),
    reference: tuple[float, str] | None = None,
    low: float | None = None,
    high: float | None = None,
    width: int = 520,
    height: int = 200,
) -> Markup:
    """Lines on a real time axis (points placed by their time, dates as ticks), one per name;
    ``markers`` are dashed vertical lines (a release: the first day of a version) and
    ``reference`` a dashed horizontal one (a threshold), each labelled."""
    pad_left, pad_bottom, pad_top, pad_right = 40, 20, 14, 8
    plot_w, plot_h = width - pad_left - pad_right, height - pad_bottom - pad_top
    times = [t for points in lines.values() for t, _ in points] + [t for t, _ in markers]
    values = [v for points in lines.values() for _, v in points] + ([reference[0]] if reference else [])
    if not times:
        return _svg(width, height, "", title, "chart")
    start, end = min(times), max(times)
    span_s = (end - start).total_seconds() or 1.0
    y_low = low if low is not None else min(values, default=0.0)
    y_high = high if high is not None else max(values, default=1.0)
    y_span = (y_high - y_low) or 1.0

    def x(moment: datetime) -> float:
        offset = (moment - start).total_seconds() / span_s if end > start else 0.5
        return pad_left + offset * plot_w

    def y(value: float) -> float:
        return pad_top + plot_h - (min(max(value, y_low), y_high) - y_low) / y_span * plot_h

    bottom = pad_top + plot_h
    parts = [
        f'<line x1="{pad_left}" y1="{bottom}" x2="{pad_left + plot_w}" y2="{bottom}" class="axis"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 4}" class="tick" text-anchor="end">{y_high:.3g}</text>',
        f'<text x="{pad_left - 4}" y="{bottom}" class="tick" text-anchor="end">{y_low:.3g}</text>',
    ]
    ticks = [start, end] if end > start else [start]
    if end - start >= timedelta(days=2):
        ticks.insert(1, start + (end - start) / 2)
    for i, moment in enumerate(ticks):
        anchor = "start" if i == 0 else "end" if i == len(ticks) - 1 and len(ticks) > 1 else "middle"
        parts.append(
            f'<text x="{x(moment):.1f}" y="{height - 4}" class="tick date" text-anchor="{anchor}">'
            f"{moment:%Y-%m-%d}</text>"
        )
    if reference is not None:
        level, name = reference
        parts.append(
            f'<line x1="{pad_left}" y1="{y(level):.1f}" x2="{pad_left + plot_w}" y2="{y(level):.1f}" '
            f'class="threshold" stroke="{PALETTE[5]}" stroke-dasharray="6 3"><title>{escape(name)}: {level:g}</title></line>'
        )
    for moment, name in markers:
        parts.append(
            f'<line x1="{x(moment):.1f}" y1="{pad_top}" x2="{x(moment):.1f}" y2="{bottom}" class="release" '
            f'stroke="#9ca3af" stroke-dasharray="2 3"><title>{escape(name)} from {moment:%Y-%m-%d}</title></line>'
            f'<text x="{x(moment) + 2:.1f}" y="{pad_top - 3}" class="tick release-label">{escape(name[:24])}</text>'
        )
    for index, (name, points) in enumerate(lines.items()):
        ordered = sorted(points)
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in ordered)
        parts.append(
            f'<polyline class="series" data-series="{escape(name)}" points="{path}" fill="none" '
            f'stroke="{colour(index)}" stroke-width="2"><title>{escape(name)}</title></polyline>'
        )
        parts.extend(
            f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour(index)}">'
            f"<title>{t:%Y-%m-%d} {escape(name)}: {v:.3g}</title></circle>"
            for t, v in ordered
        )
    return _svg(width, height, "".join(parts), title, "chart")
