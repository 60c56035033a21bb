"""Qt table models over plain dataclasses from the services."""
