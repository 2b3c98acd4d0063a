"""Interdictor: find drug-sale and smuggling-recruitment posts, and act on them."""

__version__ = "0.1.0"
