"""Saving fitted estimators to a pickle-free file format, and reading them back."""

from skvae._persistence._format import load, save

__all__ = ["load", "save"]
