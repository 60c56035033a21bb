"""A frozen copy of ``app/segments`` (builtin, data, evaluate, fields, valuation) as it
was at d33f841, before segment evaluation was made faster: the oracle that
``test_same_members.py`` compares the fast evaluation with, frame for frame. Do not
change it to follow the app; it is what "unchanged results" means."""
