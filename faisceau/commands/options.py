"""What every command shares: the project option, JSON/CSV output options, error handling."""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..exc import FaisceauError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


def project_option(f: F) -> F:
    """`--project DIR` (or FAISCEAU_PROJECT), required."""
    return click.option("--project", "project", type=click.Path(path_type=Path), envvar="FAISCEAU_PROJECT",
                        required=True, help="Project folder (or FAISCEAU_PROJECT).")(f)


def json_option(f: F) -> F:
    """`--json`: JSON Lines on stdout (passed as `as_json`)."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")(f)


def output_options(csv_help: str = "Print CSV.") -> Callable[[F], F]:
    """`--json` and `--csv` (passed as `as_json`, `as_csv`), for commands whose rows a spreadsheet takes."""
    def decorate(f: F) -> F:
        return json_option(click.option("--csv", "as_csv", is_flag=True, help=csv_help)(f))

    return decorate


def emit(obj: Any) -> None:
    """One JSON object on one line (UTF-8)."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def handle_errors(f: F) -> F:
    """One clear line on stderr, exit 2 for usage errors and 1 for others; traceback with --debug."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except UsageError as e:
            click.echo(f"faisceau: {e}", err=True)
            sys.exit(2)
        except FaisceauError as e:
            if os.environ.get("FAISCEAU_DEBUG"):
                traceback.print_exc()
            click.echo(f"faisceau: {e}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
