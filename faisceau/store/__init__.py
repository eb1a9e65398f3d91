"""The project's storage: its folder, the SQLite store and its migrations, the blob store, ids.

Each table family has one owner module here, which holds its DDL and is the only code that reads or
writes it; the rest of faisceau calls the owners' functions (see docs/contracts.md, "Where things live").
"""
