"""Reports: self-contained HTML pages with charts (see gatesim.report.cli)."""
