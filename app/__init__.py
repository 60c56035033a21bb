"""Rooftop Sync: keeps a dealership's DMS in step with its cloud tools."""

__version__ = "0.1.0"
APP_NAME = "Rooftop Sync"
APP_ID = "RooftopSync"
