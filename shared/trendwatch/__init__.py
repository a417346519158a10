"""trendwatch: spot product and lifestyle trends on social media early.

The package is the library every service shares: ``domain`` (pure logic),
``contracts`` (event schemas and the one topology), ``ports`` (protocols),
``adapters`` (local and Google Cloud implementations), ``app`` (one
application module per service) and ``runtime`` (the local runtime).
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from trendwatch.notebook import Analytics, open_warehouse

__all__ = ["Analytics", "open_warehouse"]


def __getattr__(name: str) -> object:
    """Notebook access (:mod:`trendwatch.notebook`), imported on first use: pandas and the
    warehouse clients stay out of every service's start-up."""
    if name in __all__:
        from trendwatch import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'trendwatch' has no attribute {name!r}")
