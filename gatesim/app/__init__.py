"""``gatesim app``: a local web application over the library and its run directories.

It runs scenarios in worker processes (gatesim.app.worker) that write the same run
directory ``gatesim run`` writes, reads run directories to list and compare them, and
serves files from its runs folder only (gatesim.app.safety).
"""

__all__: list[str] = []
