"""Orchestration used by both the UI and the command line."""
