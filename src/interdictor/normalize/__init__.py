"""Text normalization that defeats evasion and keeps a map back to original offsets."""

from interdictor.normalize.text import NormalizedText, normalize, normalize_views

__all__ = ["NormalizedText", "normalize", "normalize_views"]
