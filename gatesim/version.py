"""The package version (one place: the package and every file it writes carry it)."""

__all__ = ["__version__"]

__version__ = "0.3.0"
