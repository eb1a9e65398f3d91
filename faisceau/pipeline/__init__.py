"""Declared stages, the item worker, and the local process pool that runs them."""
