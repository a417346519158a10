"""Put this folder on ``PYTHONPATH`` (with the repository root) and every service process that
functions-framework starts imports only what its service declares (see ``tests.fakes.service_extras``)."""

import os
import sys
from pathlib import Path

from tests.fakes.service_extras import REPORT_ENV, install_guard, service_of_command

_service = service_of_command(sys.orig_argv)
if _service:
    _report = os.environ.get(REPORT_ENV)
    install_guard(_service, Path(_report) if _report else None)
