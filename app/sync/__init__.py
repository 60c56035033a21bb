"""The sync engine: run a flow from source to destination — incremental, idempotent,
resumable, and nothing lost (DESIGN.md §4)."""
