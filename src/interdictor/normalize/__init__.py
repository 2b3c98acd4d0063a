"""Text normalization that defeats evasion and keeps a map back to original offsets."""

from interdictor.normalize.text import NormalizedText, normalize, normalize_views, readings, skeleton

__all__ = ["NormalizedText", "normalize", "normalize_views", "readings", "skeleton"]
