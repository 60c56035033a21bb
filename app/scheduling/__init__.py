"""Scheduling: when flows run (APScheduler glue), never two runs of a flow at once (run
locks), and manual re-sync for managers."""
