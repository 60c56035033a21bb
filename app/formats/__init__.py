"""Pure codecs for the formats dealerships exchange: ADF 1.0 lead XML (``adf``) and DMS
CSV extracts (``csv_extract``). No network or database here; errors in ``errors``."""
