"""Google Cloud adapters behind the same ports."""
