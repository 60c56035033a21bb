"""Marketing segments from DMS data (equity, lease maturity, service retention, declined
work, warranty/CPO ending, birthday month, first service due, custom rules), consent
first, and their lists at the marketing platform. See ``service`` and ``sync``."""
