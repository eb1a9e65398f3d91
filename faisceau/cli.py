"""The `faisceau` command line: one verb per capability."""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from .exc import FaisceauError, UsageError
from .version import version_option

F = TypeVar("F", bound=Callable[..., Any])


def project_option(f: F) -> F:
    return click.option("--project", "project", type=click.Path(path_type=Path), envvar="FAISCEAU_PROJECT",
                        required=True, help="Project folder (or FAISCEAU_PROJECT).")(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON Lines.")(f)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@version_option()
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
def main(debug: bool) -> None:
    """faisceau — an investigation workbench for leaked or seized document corpora."""
    if debug:
        os.environ["FAISCEAU_DEBUG"] = "1"


def _register() -> None:
    from .commands import analysis, documents, export, ingest, mail, misc, ocr, search, serve

    for mod in (ingest, documents, search, misc, mail, analysis, serve, ocr, export):
        for cmd in mod.COMMANDS:
            main.add_command(cmd)


_register()
