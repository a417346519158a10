"""The data scientists' workbench: experiment tracking and the model registry (MLflow).

- :mod:`.store`: where runs and registered models live (a SQLite file under the state folder
  by default, nothing to start; ``TRENDWATCH_TRACKING_URI`` names a tracking server);
- :mod:`.runs`: one call logs a run's parameters, data hashes, metrics and artefacts;
- :mod:`.registry`: versions, aliases (``champion``, ``challenger``) and the listing;
- :mod:`.promotion`: a challenger replaces the champion only if it beats it on held-out sets;
- :mod:`.shipped`: the models the project registers (the packaged sentiment models, the
  forecasting models), each version's run refreshed when it is scored again;
- :mod:`.near_duplicates`: the near-duplicate thresholds' evaluation as a run;
- :mod:`.pins`: the model versions an environment names, checked against what a service loaded.

Only the workbench (the CLI, the benchmarks, the demo) imports MLflow: services read the
version their environment pins from their settings (:mod:`.pins` does not import MLflow), so
no function image carries it.
"""
