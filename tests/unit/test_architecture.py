"""The shape of the code: rules about how the modules of ``competence`` depend on each other."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "competence"


def module_name(path: Path) -> str:
    """``src/competence/services/export.py`` -> ``competence.services.export``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_from(node: ast.ImportFrom, importer: Path) -> str:
    """The absolute name of the module a ``from … import`` reads, relative ones resolved."""
    if not node.level:
        return node.module or ""
    package = module_name(importer).split(".")
    if importer.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def test_no_module_imports_a_private_name_from_another_competence_module() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the walk found the package
    private = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = imported_from(node, path)
            if source != "competence" and not source.startswith("competence."):
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                    where = path.relative_to(ROOT)
                    private.append(f"{where}:{node.lineno}: {name} from {source}")
    assert private == [], "make these public and documented, or keep them in one module"
