"""Analysts' access over HTTP: a read-only JSON API and a web dashboard (``trendwatch serve``).

Layers: :mod:`~trendwatch.api.queries` (the SQL), :mod:`~trendwatch.api.read` (every answer),
:mod:`~trendwatch.api.routes` (JSON API), :mod:`~trendwatch.api.dashboard` (HTML pages with
:mod:`~trendwatch.api.charts`), :mod:`~trendwatch.api.app` (the application).
"""
