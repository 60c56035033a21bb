"""Vectorised text toolkit shared by mapping and matching: columns of strings as packed
code points (``packed``, ``tokens``, ``scan``), distinct-value passes and factorising
(``distinct``, ``factors``), and the e-mail / phone / ZIP / date kernels, each exact to
its per-value function in ``app.domain.fastpaths`` / ``app.domain.normalise`` (or
``datetime.strptime``): a kernel answers the everyday shapes all at once and leaves
every other value to that function."""
