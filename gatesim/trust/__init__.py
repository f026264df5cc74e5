"""Trust: targets, priors, history matching (``calibrate --fit``), ensembles, ``assess``.

Modules: ``targets`` (published congestion observations and how the model
measures each), ``priors`` (plausible ranges of the baseline's assumptions),
``measure`` (the registered measurement rules: projections of the event log),
``fit`` (waves of history matching on the sweep runner), ``ensemble`` (the
plausible ensemble file), ``page`` (the calibration page), ``assess``
(proposals over the ensemble with common random numbers).
"""
