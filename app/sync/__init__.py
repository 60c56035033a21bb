"""The sync engine: run a flow from source to destination — incremental, idempotent,
resumable, and nothing lost (see ``engine`` for the steps of a run)."""
