"""Extractors of the packages family."""
