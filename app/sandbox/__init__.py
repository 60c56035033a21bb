"""The demo dealership: a seeded data generator and simulated DMS, CRM, website and
marketing servers on 127.0.0.1. Ships with the app for demos, training and tests."""
