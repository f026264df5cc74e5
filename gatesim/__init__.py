"""gatesim: event-sourced simulation of freight through Lạng Sơn border gates."""

__version__ = "0.1.0"
