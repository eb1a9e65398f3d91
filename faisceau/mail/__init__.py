"""E-mail intelligence: threads, same-message copies, near-duplicates, correspondents, graph.

The algorithms (`threading`, `quotes`, `copies`, `neardup`, `correspondents`, `graph`) work on
plain records and are tested without a store; `stage` reads e-mail documents from the store,
keeps each algorithm's state in its own tables and runs as the corpus stages of an ingest.
"""
