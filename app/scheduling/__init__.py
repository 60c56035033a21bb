"""Scheduling: when flows run (APScheduler glue), never two runs of a flow at once (run
locks), manual re-sync for managers, and alerts that reach a person."""
