"""Extractors of the documents family."""
