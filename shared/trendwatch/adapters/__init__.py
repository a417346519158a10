"""Implementations of the ports: local defaults and Google Cloud."""
