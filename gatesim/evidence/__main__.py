"""``python -m gatesim.evidence PERIOD``: print the scenario file that replays a historical period."""

from gatesim.evidence.history import main

__all__: list[str] = []

raise SystemExit(main())
