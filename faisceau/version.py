"""faisceau's version, in one place, and the `faisceau --version` report that a bug report needs.

pyproject.toml reads `__version__` from here (`[tool.setuptools.dynamic]`) by parsing this file, not
importing it, so it must stay a plain string literal. `faisceau/__init__.py` re-exports it.
Everything else here is imported lazily: `import faisceau` must not pull in click or spaCy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__version__ = "0.2.0"

F = TypeVar("F", bound=Callable[..., Any])

# the Python packages whose versions change what faisceau finds or shows: parsers, the analysis,
# the index and the web stack (the full list is `pip freeze`; these are the ones a bug report needs)
DEPENDENCIES = ("spacy", "tantivy", "pypdfium2", "pikepdf", "python-magic", "extract-msg", "libpff-python",
                "lxml", "selectolax", "Pillow", "followthemoney", "networkx", "datasketch", "fastapi",
                "starlette", "uvicorn", "jinja2", "click")


def installed_as() -> str:
    """How this copy was installed: from a wheel or an sdist, editable, or not installed at all.

    pip records an editable install (and a local folder) in the distribution's `direct_url.json`
    (PEP 610); a plain `pip install faisceau` or a wheel file leaves none or an archive URL.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("faisceau")
    except PackageNotFoundError:
        return "not installed: run from a source tree"
    raw = dist.read_text("direct_url.json")
    if not raw:
        return "installed"
    import json

    info = json.loads(raw)
    if (info.get("dir_info") or {}).get("editable"):
        return "editable install"
    if "archive_info" in info:
        return "installed from an archive"
    return "installed from a folder"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _tool_versions() -> list[tuple[str, str]]:
    """Every external tool of `faisceau doctor`, asked for its version at once, not one after the other.

    Each answers in 0.01–1 s (LibreOffice is the slowest); in threads the report takes the slowest one.
    """
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    from . import doctor
    from .settings import load

    settings = load()

    def ask(tool: doctor.Tool) -> tuple[str, str]:
        name = getattr(settings, tool.setting)
        path = shutil.which(name)
        if path is None:
            return tool.setting, f"not found ({name})"
        return tool.setting, doctor._version(path, tool) or "found, version unknown"

    with ThreadPoolExecutor(max_workers=len(doctor.TOOLS)) as pool:
        return list(pool.map(ask, doctor.TOOLS))


def _libmagic() -> str:
    try:
        import magic

        return str(magic.version()) if hasattr(magic, "version") else "found, version unknown"
    except (ImportError, OSError) as e:
        return f"not usable: {type(e).__name__}"


def report() -> str:
    """faisceau's version and how it was installed, Python, the main packages, the models and the tools.

    No path is printed: the report is meant to be pasted into a public bug report.
    """
    import platform

    from .analysis.models import versions as model_versions

    sections: list[tuple[str, list[tuple[str, str]]]] = [
        ("packages", [(name, _package_version(name)) for name in DEPENDENCIES] + [("libmagic", _libmagic())]),
        ("models", [(name, v or "not installed") for name, v in model_versions().items()]),
        ("tools", _tool_versions()),
    ]
    width = max(len(name) for _, rows in sections for name, _ in rows)
    lines = [f"faisceau {__version__} ({installed_as()})",
             f"Python {platform.python_version()} ({platform.python_implementation()}, {platform.system()}"
             f" {platform.machine()})"]
    for title, rows in sections:
        lines.append(f"{title}:")
        lines += [f"  {name.ljust(width)}  {value}" for name, value in rows]
    return "\n".join(lines)


def version_option() -> Callable[[F], F]:
    """`--version` for the `faisceau` group: prints `report()` and exits."""
    import click

    def show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if not value or ctx.resilient_parsing:
            return
        click.echo(report())
        ctx.exit()

    return click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show,
                        help="Show the version of faisceau, Python, the main packages, the models and the"
                             " external tools, and exit.")
