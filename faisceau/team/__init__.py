"""Server mode: several projects, accounts with per-project roles, and a verifiable audit trail.

    faisceau server init DIR; faisceau server add-project DIR PROJECT
    faisceau users add NAME --server DIR; faisceau users grant NAME PROJECT reader --server DIR
    faisceau serve --server DIR

`serverdir` holds the server folder and what can be done to it (CLI and web alike), `rules` the
declared table of who may call which route, `access` the middleware that enforces it on every
request, `webapp` the ASGI app that mounts each project's workbench under /p/<name>/.
"""
