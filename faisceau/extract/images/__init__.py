"""Extractors of the images family."""
