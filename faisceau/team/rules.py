"""Who may call which route: the declared rule table of server mode.

Every route of a project's workbench (faisceau/web) and of the server app itself has one rule per
method: the least role it needs and, for what the audit trail records, the action's name. Server
mode refuses to start when the app has a route without a rule (fail closed), and the authorisation
matrix test walks the same table against the app's own routes.

Roles, lowest first: *public* (anyone, logged in or not), *authenticated* (any logged-in user, no
project involved), then per project *reader* (search, read, CSV export) < *editor* (+ tag, note,
cite, star, curate) < *admin* (+ ingest, members, audit).
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLIC, AUTHENTICATED, READER, EDITOR, ADMIN = "public", "authenticated", "reader", "editor", "admin"
PROJECT_ROLES = (READER, EDITOR, ADMIN)


def allows(role: str | None, needed: str) -> bool:
    """Whether a project role is enough for a rule needing `needed` (a project role)."""
    return role is not None and PROJECT_ROLES.index(role) >= PROJECT_ROLES.index(needed)


@dataclass(frozen=True)
class Rule:
    """The least role a route needs, the audit action it records (None: not recorded), and whether
    its CSRF token comes in the form (`csrf_form`: the handler checks it) instead of a header."""

    role: str
    action: str | None = None
    csrf_form: bool = False


R, E, A = Rule(READER), Rule(EDITOR), Rule(ADMIN)

# (method, path template) of a project's workbench, as mounted under /p/<name>
PROJECT: dict[tuple[str, str], Rule] = {
    # pages
    ("GET", "/"): R,
    ("GET", "/favicon.ico"): R,
    ("GET", "/lang/{code}"): R,
    ("GET", "/search"): Rule(READER, "search"),
    ("GET", "/documents/{doc_id}"): Rule(READER, "view"),
    ("GET", "/entities"): R,
    ("GET", "/entities/{ident}"): R,
    ("GET", "/timeline"): R,
    ("GET", "/graph"): R,
    ("GET", "/people"): R,
    ("GET", "/people/{ident:path}"): R,
    ("GET", "/status"): R,
    ("GET", "/static"): R,            # the workbench's own CSS and scripts
    ("GET", "/openapi.json"): R,
    # search and exports of what a reader can see
    ("GET", "/api/search"): Rule(READER, "search"),
    ("GET", "/api/search.csv"): Rule(READER, "export-csv"),
    ("POST", "/api/search/tag"): Rule(EDITOR, "tag-search"),
    ("GET", "/api/saved-searches"): R,
    ("POST", "/api/saved-searches"): Rule(EDITOR, "saved-search-add"),
    ("DELETE", "/api/saved-searches/{name}"): Rule(EDITOR, "saved-search-delete"),
    # documents
    ("GET", "/api/documents/{doc_id}"): Rule(READER, "view"),
    ("GET", "/api/documents/{doc_id}/original"): Rule(READER, "download"),
    ("GET", "/api/documents/{doc_id}/html"): R,        # inside the document page (already a "view")
    ("GET", "/api/documents/{doc_id}/pages/{number}.png"): R,
    ("GET", "/api/documents/{doc_id}/thread"): R,
    ("GET", "/api/documents/{doc_id}/analysis"): R,
    ("GET", "/api/documents/{doc_id}/citations"): R,
    ("POST", "/api/documents/{doc_id}/tags"): Rule(EDITOR, "tag"),
    ("DELETE", "/api/documents/{doc_id}/tags/{tag}"): Rule(EDITOR, "untag"),
    ("PUT", "/api/documents/{doc_id}/star"): Rule(EDITOR, "star"),
    ("POST", "/api/documents/{doc_id}/notes"): Rule(EDITOR, "note"),
    ("POST", "/api/documents/{doc_id}/citations"): Rule(EDITOR, "cite"),
    ("DELETE", "/api/documents/{doc_id}/citations/{citation}"): Rule(EDITOR, "uncite"),
    ("GET", "/api/tags"): R,
    # analysis and curation
    ("GET", "/api/entities"): R,
    ("GET", "/api/entities/evidence"): R,
    ("GET", "/api/entities/decisions"): R,
    ("GET", "/api/entities/{ident}"): R,
    ("POST", "/api/entities/decisions"): Rule(EDITOR, "curate"),
    ("POST", "/api/entities/decisions/apply"): Rule(EDITOR, "curate-apply"),
    ("POST", "/api/entities/decisions/{decision}/undo"): Rule(EDITOR, "curate-undo"),
    ("GET", "/api/timeline"): R,
    ("GET", "/api/graph"): R,
    ("GET", "/api/graph/messages"): R,
    ("GET", "/api/graph/export.{fmt}"): Rule(READER, "export-graph"),
    # redaction review (faisceau/web/redaction.py): reading what is proposed is reading the document;
    # deciding what a publication hides is an editor's, like curation
    ("GET", "/redact/{doc_id}"): Rule(READER, "view"),
    ("GET", "/redact/{doc_id}/pages/{number}.png"): R,
    ("GET", "/api/redact/{doc_id}"): R,
    ("POST", "/api/redact/{doc_id}/decide"): Rule(EDITOR, "redact-decide"),
    ("POST", "/api/redact/{doc_id}/boxes"): Rule(EDITOR, "redact-box"),
    ("POST", "/api/redact/{doc_id}/spans"): Rule(EDITOR, "redact-span"),
    # the ingest
    ("GET", "/api/status"): R,
    ("POST", "/api/status/retry"): Rule(ADMIN, "ingest-retry"),
    ("GET", "/api/health"): R,
}

# (method, path template) of the server app (faisceau/team/webapp.py)
SERVER: dict[tuple[str, str], Rule] = {
    ("GET", "/login"): Rule(PUBLIC),
    ("POST", "/login"): Rule(PUBLIC, csrf_form=True),       # no session yet: the Origin check guards it
    ("GET", "/login/oidc"): Rule(PUBLIC),                    # off to the identity provider
    ("GET", "/login/oidc/callback"): Rule(PUBLIC),           # back from it (state, nonce, PKCE checked)
    ("POST", "/logout"): Rule(AUTHENTICATED, csrf_form=True),
    ("GET", "/"): Rule(AUTHENTICATED),
    ("GET", "/account/password"): Rule(AUTHENTICATED),
    ("POST", "/account/password"): Rule(AUTHENTICATED, csrf_form=True),
    ("GET", "/favicon.ico"): Rule(PUBLIC),
    ("GET", "/static"): Rule(PUBLIC),                         # CSS of the login page
    ("GET", "/p/{project}/audit"): Rule(ADMIN, "audit-read"),
    ("GET", "/p/{project}/api/audit"): Rule(ADMIN, "audit-read"),
    ("GET", "/p/{project}/members"): Rule(ADMIN),
    ("POST", "/p/{project}/members"): Rule(ADMIN, csrf_form=True),   # grants and revocations audit themselves
}
