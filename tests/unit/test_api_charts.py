"""Server-side SVG charts: geometry and labels of what the dashboard draws."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from trendwatch.api import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_sparkline_spans_the_box_and_puts_the_peak_at_the_top() -> None:
    svg = _parse(charts.sparkline([0, 5, 10, 5], label="lamp", width=90, height=32))
    line = svg.find(f"{SVG}polyline")
    assert line is not None
    points = [tuple(map(float, p.split(","))) for p in line.attrib["points"].split()]
    assert [x for x, _ in points] == [0.0, 30.0, 60.0, 90.0]
    assert [y for _, y in points] == [30.0, 16.0, 2.0, 16.0]
    assert svg.attrib["aria-label"] == "lamp"


def test_stacked_bars_stack_each_series_and_scale_to_the_tallest_bar() -> None:
    svg = _parse(charts.stacked_bars(["a", "b"], {"en": [2, 4], "fr": [2, 0]}, title="t", height=120))
    bars = [(r.attrib["y"], r.attrib["height"], r.findtext(f"{SVG}title")) for r in svg.iter(f"{SVG}rect")]
    # plot height 120 - 20 - 8 = 92; the tallest bar (4) fills it
    assert bars == [("54.0", "46.0", "a en: 2"), ("8.0", "46.0", "a fr: 2"), ("8.0", "92.0", "b en: 4")]


def test_line_chart_leaves_a_gap_where_a_value_is_missing() -> None:
    svg = _parse(charts.line_chart(["1", "2", "3", "4", "5"], {"s": [0.5, 1.0, None, 0.0, 0.5]}, title="t"))
    lines = list(svg.iter(f"{SVG}polyline"))
    assert [len(p.attrib["points"].split()) for p in lines] == [2, 2]
    assert len(list(svg.iter(f"{SVG}circle"))) == 4


def test_labels_are_escaped() -> None:
    markup = str(charts.hbars([("<script>", 1.0)], title='a"b'))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert re.search(r'aria-label="a&quot;b"', markup)
