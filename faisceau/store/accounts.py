"""Owner of the server's accounts: users, projects, memberships, sessions, API tokens, login attempts.

Secrets are never stored: a session or token is kept as the SHA-256 of its random value (the value
itself only ever lives in the user's cookie or script), a password as its argon2id hash. Times that
expire are Unix seconds (compared as numbers); times shown to people are ISO 8601 strings.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .serverdb import ServerStore

SERVER_DDL: dict[int, str] = {
    1: """
    CREATE TABLE users (
        name         TEXT PRIMARY KEY,
        password     TEXT NOT NULL,          -- argon2id hash (PHC string)
        server_role  TEXT NOT NULL DEFAULT 'user',   -- 'user' or 'admin' (admin of every project)
        must_change  INTEGER NOT NULL DEFAULT 1,     -- a one-time password until changed
        created      TEXT NOT NULL,
        disabled     INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE projects (
        name   TEXT PRIMARY KEY,
        path   TEXT NOT NULL UNIQUE,
        added  TEXT NOT NULL
    );
    CREATE TABLE memberships (
        user     TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        project  TEXT NOT NULL REFERENCES projects(name) ON DELETE CASCADE,
        role     TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
        granted  TEXT NOT NULL,
        PRIMARY KEY (user, project)
    );
    CREATE TABLE sessions (
        token_hash  TEXT PRIMARY KEY,
        user        TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        csrf        TEXT NOT NULL,
        created     REAL NOT NULL,
        last_seen   REAL NOT NULL,
        expires     REAL NOT NULL             -- the absolute end, whatever the activity
    );
    CREATE INDEX sessions_user ON sessions(user);
    CREATE TABLE tokens (
        id          INTEGER PRIMARY KEY,
        token_hash  TEXT NOT NULL UNIQUE,
        user        TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        created     TEXT NOT NULL,
        expires     REAL NOT NULL
    );
    CREATE TABLE login_attempts (
        id       INTEGER PRIMARY KEY,
        account  TEXT NOT NULL,
        address  TEXT NOT NULL,
        time     REAL NOT NULL,
        ok       INTEGER NOT NULL
    );
    CREATE INDEX login_attempts_account ON login_attempts(account, time);
    CREATE INDEX login_attempts_address ON login_attempts(address, time);
    """,
    2: """
    -- optional second factor of a local account: the TOTP secret (base32; it must be readable to
    -- check a code) and the last time step accepted (a code is never accepted twice)
    ALTER TABLE users ADD COLUMN totp_secret TEXT;
    ALTER TABLE users ADD COLUMN totp_last INTEGER NOT NULL DEFAULT 0;
    """,
    3: """
    -- OpenID Connect logins under way: what the callback must find again (state, nonce, PKCE verifier)
    CREATE TABLE oidc_pending (
        state     TEXT PRIMARY KEY,
        nonce     TEXT NOT NULL,
        verifier  TEXT NOT NULL,
        next      TEXT NOT NULL,
        created   REAL NOT NULL
    );
    """,
}


def _dict(row: Any) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def _first(cur: sqlite3.Cursor) -> Any:
    """The first row, the statement run to its end: a statement left mid-way keeps its connection's
    read snapshot (and, for a write, its transaction) open until the cursor goes, and the connection
    would not see what other threads commit meanwhile (a session just made, a role just changed)."""
    rows = cur.fetchall()
    return rows[0] if rows else None


# -- users -------------------------------------------------------------------------------------

def add_user(st: ServerStore, name: str, password_hash: str, server_role: str, created: str,
             must_change: bool = True) -> None:
    """A new account (by default one whose password must be changed at first login)."""
    st.db.execute("INSERT INTO users (name, password, server_role, must_change, created) VALUES (?,?,?,?,?)",
                  (name, password_hash, server_role, int(must_change), created))


def user(st: ServerStore, name: str) -> dict[str, Any] | None:
    """An account by name."""
    return _dict(_first(st.db.execute("SELECT * FROM users WHERE name = ?", (name,))))


def users(st: ServerStore) -> list[dict[str, Any]]:
    """Every account (without its hash) with its memberships as {project: role}."""
    out = []
    for r in st.db.execute("SELECT name, server_role, must_change, created, disabled, totp_secret IS NOT NULL AS totp"
                           " FROM users ORDER BY name"):
        d = dict(r)
        d["projects"] = memberships_of(st, r["name"])
        out.append(d)
    return out


def set_password(st: ServerStore, name: str, password_hash: str, must_change: bool) -> bool:
    """Replace an account's password hash; False when there is no such account."""
    return st.db.execute("UPDATE users SET password = ?, must_change = ? WHERE name = ?",
                         (password_hash, int(must_change), name)).rowcount > 0


def set_totp(st: ServerStore, name: str, secret: str | None) -> bool:
    """Turn the second factor on (a secret) or off (None); False when there is no such account."""
    return st.db.execute("UPDATE users SET totp_secret = ?, totp_last = 0 WHERE name = ?", (secret, name)).rowcount > 0


def use_totp_step(st: ServerStore, name: str, step: int) -> bool:
    """Accept a code's time step once: False when this step (or a later one) was used already."""
    return st.db.execute("UPDATE users SET totp_last = ? WHERE name = ? AND totp_last < ?",
                         (step, name, step)).rowcount > 0


# -- projects and memberships ------------------------------------------------------------------

def add_project(st: ServerStore, name: str, path: str, added: str) -> None:
    """Serve a project under `name` (its folder, as given)."""
    st.db.execute("INSERT INTO projects (name, path, added) VALUES (?,?,?)", (name, path, added))


def projects(st: ServerStore) -> list[dict[str, Any]]:
    """Every project the server serves."""
    return [dict(r) for r in st.db.execute("SELECT name, path, added FROM projects ORDER BY name")]


def grant(st: ServerStore, name: str, project: str, role: str, granted: str) -> None:
    """Give a user a role on a project (replacing the one they had)."""
    st.db.execute("INSERT INTO memberships (user, project, role, granted) VALUES (?,?,?,?)"
                  " ON CONFLICT (user, project) DO UPDATE SET role = excluded.role, granted = excluded.granted",
                  (name, project, role, granted))


def revoke(st: ServerStore, name: str, project: str) -> bool:
    """Remove a user from a project; False when they were not a member."""
    return st.db.execute("DELETE FROM memberships WHERE user = ? AND project = ?", (name, project)).rowcount > 0


def role_of(st: ServerStore, name: str, project: str) -> str | None:
    """A user's role on a project, read at each request (a change takes effect at once)."""
    row = _first(st.db.execute("SELECT role FROM memberships WHERE user = ? AND project = ?", (name, project)))
    return row[0] if row else None


def members_of(st: ServerStore, project: str) -> list[dict[str, str]]:
    """The members of a project with their roles, by name."""
    return [{"name": r[0], "role": r[1]} for r in st.db.execute(
        "SELECT user, role FROM memberships WHERE project = ? ORDER BY user", (project,))]


def memberships_of(st: ServerStore, name: str) -> dict[str, str]:
    """{project: role} of a user."""
    return {r[0]: r[1] for r in st.db.execute(
        "SELECT project, role FROM memberships WHERE user = ? ORDER BY project", (name,))}


# -- sessions ----------------------------------------------------------------------------------

def add_session(st: ServerStore, token_hash: str, name: str, csrf: str, created: float, expires: float) -> None:
    """A new session (its token is stored hashed)."""
    st.db.execute("INSERT INTO sessions (token_hash, user, csrf, created, last_seen, expires) VALUES (?,?,?,?,?,?)",
                  (token_hash, name, csrf, created, created, expires))


def session(st: ServerStore, token_hash: str) -> dict[str, Any] | None:
    """A session with its user's account state."""
    return _dict(_first(st.db.execute(
        "SELECT s.*, u.must_change, u.server_role, u.disabled FROM sessions s JOIN users u ON u.name = s.user"
        " WHERE s.token_hash = ?", (token_hash,))))


def sessions_of(st: ServerStore, name: str) -> list[dict[str, Any]]:
    """A user's sessions: when made, last seen, when they end (never the hash)."""
    return [dict(r) for r in st.db.execute(
        "SELECT created, last_seen, expires FROM sessions WHERE user = ? ORDER BY created", (name,))]


def touch_session(st: ServerStore, token_hash: str, seen: float) -> None:
    """Record activity (the idle expiry counts from here)."""
    st.db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (seen, token_hash))


def delete_session(st: ServerStore, token_hash: str) -> None:
    """End one session (logout, expiry)."""
    st.db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))


def delete_sessions_of(st: ServerStore, name: str) -> int:
    """End every session of a user (password or role change); returns how many."""
    return st.db.execute("DELETE FROM sessions WHERE user = ?", (name,)).rowcount


# -- API tokens --------------------------------------------------------------------------------

def add_token(st: ServerStore, token_hash: str, name: str, label: str, created: str, expires: float) -> int:
    """A personal API token (stored hashed); returns its id."""
    cur = st.db.execute("INSERT INTO tokens (token_hash, user, name, created, expires) VALUES (?,?,?,?,?)",
                        (token_hash, name, label, created, expires))
    return int(cur.lastrowid or 0)


def token(st: ServerStore, token_hash: str) -> dict[str, Any] | None:
    """A token with its user's account state."""
    return _dict(_first(st.db.execute(
        "SELECT t.*, u.must_change, u.server_role, u.disabled FROM tokens t JOIN users u ON u.name = t.user"
        " WHERE t.token_hash = ?", (token_hash,))))


def tokens_of(st: ServerStore, name: str) -> list[dict[str, Any]]:
    """A user's tokens (never their hash)."""
    return [dict(r) for r in st.db.execute(
        "SELECT id, name, created, expires FROM tokens WHERE user = ? ORDER BY id", (name,))]


def revoke_token(st: ServerStore, name: str, token_id: int) -> bool:
    """Delete one of a user's tokens; False when they have none with this id."""
    return st.db.execute("DELETE FROM tokens WHERE user = ? AND id = ?", (name, token_id)).rowcount > 0


# -- OpenID Connect ----------------------------------------------------------------------------

def add_oidc_pending(st: ServerStore, state: str, nonce: str, verifier: str, next_path: str, created: float) -> None:
    """Remember a login sent to the identity provider (older ones than an hour are dropped)."""
    st.db.execute("DELETE FROM oidc_pending WHERE created < ?", (created - 3600,))
    st.db.execute("INSERT INTO oidc_pending (state, nonce, verifier, next, created) VALUES (?,?,?,?,?)",
                  (state, nonce, verifier, next_path, created))


def take_oidc_pending(st: ServerStore, state: str) -> dict[str, Any] | None:
    """The login a callback's `state` names, removed (each state is used once), or None."""
    return _dict(_first(st.db.execute("DELETE FROM oidc_pending WHERE state = ? RETURNING *", (state,))))


# -- login attempts ----------------------------------------------------------------------------

def record_attempt(st: ServerStore, account: str, address: str, time: float, ok: bool) -> None:
    """A login attempt, for the throttle."""
    st.db.execute("INSERT INTO login_attempts (account, address, time, ok) VALUES (?,?,?,?)",
                  (account, address, time, int(ok)))


def failures(st: ServerStore, column: str, value: str, since: float) -> tuple[int, float]:
    """Failed attempts on an account (`column="account"`: since its last success too) or from an
    address (every failure: logging into one's own account must not reset an address's count) since
    `since`: (count, time of the latest one or 0)."""
    if column not in ("account", "address"):
        raise ValueError(column)
    last_ok = 0.0
    if column == "account":
        last_ok = _first(st.db.execute("SELECT max(time) FROM login_attempts WHERE account = ? AND ok = 1",
                                       (value,)))[0] or 0.0
    row = _first(st.db.execute(f"SELECT count(*), max(time) FROM login_attempts WHERE {column} = ? AND ok = 0"  # noqa: S608
                               " AND time > ?", (value, max(since, last_ok))))
    return int(row[0]), float(row[1] or 0.0)
