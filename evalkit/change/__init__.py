"""The change engine."""
