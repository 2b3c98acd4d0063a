"""Curated lexicon of drug names, slang, emoji codes and sale/recruitment cues."""

from interdictor.detect.lexicon.matcher import Entry, Lexicon, LexiconDetector, default_lexicon
from interdictor.detect.lexicon.patterns import PatternDetector

__all__ = ["Entry", "Lexicon", "LexiconDetector", "PatternDetector", "default_lexicon"]
