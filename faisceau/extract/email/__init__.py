"""Extractors of the email family."""
