"""What every owner writes besides its data: the time, the user, compact JSON.

A module of its own because `db` imports the owners (through `migrations`) and the owners need these.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
import json
from typing import Any

import orjson


def now() -> str:
    """The current time in UTC, ISO 8601 to the millisecond."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# In server mode the authenticating middleware sets the logged-in user for the request (a context
# variable: each request, and the threads it hands work to, see their own); elsewhere it stays unset.
acting_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("faisceau_acting_user", default=None)


def current_user() -> str:
    """The user the action log records: the logged-in user in server mode, else the system user
    ("unknown" when the system cannot say)."""
    acting = acting_user.get()
    if acting is not None:
        return acting
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def dumps(value: Any) -> str:
    """Compact JSON with sorted keys: orjson (the parent writes every result, so its time counts),
    else the standard library for what orjson refuses (lone surrogates, huge integers)."""
    if not value and isinstance(value, (list, dict)):
        return "[]" if isinstance(value, list) else "{}"
    try:
        return orjson.dumps(value, default=str, option=_ORJSON).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
