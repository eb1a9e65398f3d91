"""The house's shape, checked: imports point down the layers, no import cycles, one owner per table.

The layer order lives here, once (docs/contracts.md, "Where things live", explains it). A module may
import from its own layer and the layers below; a name-declared target ("module:function" in a stage
declaration) is how a lower layer reaches an upper one, never an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "faisceau"

# lowest first; a module belongs to the first entry its dotted name starts with
LAYERS: tuple[tuple[str, ...], ...] = (
    ("faisceau.exc", "faisceau.model", "faisceau.reasons", "faisceau.settings"),
    ("faisceau.store",),
    ("faisceau.extract", "faisceau.ocr"),
    ("faisceau.pipeline",),
    ("faisceau.analysis", "faisceau.mail", "faisceau.index", "faisceau.tags", "faisceau.citing"),
    ("faisceau.services",),
    ("faisceau.export", "faisceau.redact", "faisceau.web", "faisceau.team", "faisceau.commands", "faisceau.cli", "faisceau.doctor", "faisceau.version", "faisceau.fixtures",
     "faisceau.__main__"),
)

# the only code that may touch the SQLite connection: the store package (its table owners)
OWNERS = "faisceau.store"


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    out = {}
    for f in root.rglob("*.py"):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id.lstrip("_") == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package modules a module imports, anywhere in it (in functions too)."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    tree = ast.parse(path.read_text("utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue  # `if TYPE_CHECKING:` imports are for the type checker: nothing runs them
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = (".".join(base[: len(base) - (node.level - 1)] + ([node.module] if node.module else []))
                   if node.level else (node.module or ""))
            # `from pkg import sub` imports the submodule; `from pkg import name` the package itself
            subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in known]
            targets = subs + ([mod] if len(subs) < len(node.names) else [])
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and not (known[t].name == "__init__.py" and name.startswith(t + ".")):
                found.add(t)
    return found


def layer(name: str) -> int | None:
    for i, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return i
    return None


def upward_imports(known: dict[str, Path]) -> list[str]:
    """`a -> b` for every import of a module from a layer above its own."""
    bad = []
    for name, path in sorted(known.items()):
        mine = layer(name)
        for target in sorted(imports(name, path, known)):
            theirs = layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                bad.append(f"{name} (layer {mine}) imports {target} (layer {theirs})")
    return bad


def cycles(known: dict[str, Path]) -> list[str]:
    """`a <-> b` for every pair of modules that reach each other through imports."""
    graph = {name: imports(name, path, known) for name, path in known.items()}

    def reaches(a: str, b: str) -> bool:
        stack, seen = [a], set()
        while stack:
            x = stack.pop()
            if x == b:
                return True
            if x not in seen:
                seen.add(x)
                stack.extend(graph[x])
        return False

    return [f"{a} <-> {b}" for a in sorted(graph) for b in sorted(graph[a]) if a < b and reaches(b, a)]


def connection_users(known: dict[str, Path]) -> list[str]:
    """Code outside the table owners that touches the database connection or SQLite itself."""
    bad = []
    for name, path in sorted(known.items()):
        if name == OWNERS or name.startswith(OWNERS + "."):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("db", "_db", "execute", "executemany",
                                                                   "executescript"):
                bad.append(f"{name}:{node.lineno} uses .{node.attr}")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if "sqlite3" in names:
                    bad.append(f"{name}:{node.lineno} imports sqlite3")
    return bad


def test_every_module_has_a_layer() -> None:
    known = modules()
    assert [n for n in known if n != "faisceau" and layer(n) is None] == []


def test_no_module_imports_from_a_layer_above() -> None:
    assert upward_imports(modules()) == []


def test_no_import_cycles() -> None:
    assert cycles(modules()) == []


def test_only_the_table_owners_touch_the_database() -> None:
    assert connection_users(modules()) == []


def test_the_checks_see_a_planted_violation(tmp_path: Path) -> None:
    # the checks themselves, on a small package written here: each planted fault is found
    pkg = tmp_path / "faisceau"
    for sub in ("store", "pipeline", "web"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "store" / "owner.py").write_text("def rows(store):\n    return store.db.execute('SELECT 1')\n")
    (pkg / "pipeline" / "run.py").write_text("from ..web import page\n")
    (pkg / "web" / "page.py").write_text("from ..pipeline import run\n\ndef f(store):\n    return store.db\n")
    known = modules(pkg)
    assert upward_imports(known) == ["faisceau.pipeline.run (layer 3) imports faisceau.web.page (layer 6)"]
    assert cycles(known) == ["faisceau.pipeline.run <-> faisceau.web.page"]
    assert connection_users(known) == ["faisceau.web.page:4 uses .db"]
