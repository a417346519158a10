"""trendwatch: spot product and lifestyle trends on social media early.

The package is the library every service shares: ``domain`` (pure logic),
``contracts`` (event schemas and the one topology), ``ports`` (protocols),
``adapters`` (local and Google Cloud implementations), ``app`` (one
application module per service) and ``runtime`` (the local runtime).
"""

__version__ = "0.1.0"
