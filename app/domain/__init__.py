"""Canonical records, field vocabulary and normalisers (phone, e-mail, VIN, ZIP, names)."""
