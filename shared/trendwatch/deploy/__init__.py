"""Deployment artefacts generated from the one topology and the warehouse schema."""
