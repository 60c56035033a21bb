"""One module per external system kind; the registry maps kind names to classes."""
