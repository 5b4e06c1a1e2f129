"""Data flows one way (DESIGN.md §4): the command line and the web app call services; services
use the tables, the formats and the domain; the domain imports nothing outside itself.

Every import statement of every module, top level or inside a function, is checked with ``ast``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "competence"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file, relative imports resolved."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports"
            assert node.module is not None
            yield node.lineno, node.module
            for alias in node.names:  # `from competence.store import models` imports a module
                yield node.lineno, f"{node.module}.{alias.name}"


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# (the modules a rule is about, what they may not import, why)
RULES: list[tuple[str, tuple[str, ...], str]] = [
    ("competence.domain", ("competence", "django"), "the domain is pure"),
    ("competence.formats", ("competence.store", "competence.services", "competence.web", "django"),
     "readers and writers know files, not the database"),
    ("competence.reports", ("competence.store", "competence.services", "competence.web"),
     "reports are fed by plain data, never by the database"),
    ("competence.store", ("competence.services", "competence.web", "competence.cli"),
     "the tables know nothing of their callers"),
    ("competence.services", ("competence.web", "competence.cli"),
     "services are called by the web app and the command line, not the other way"),
    ("competence.cli", ("competence.store", "django"),
     "the command line imports no model and runs no query: it calls services"),
]  # fmt: skip
ALLOWED = {
    # The domain's own modules, and its errors (defined in the domain, re-exported here).
    "competence.domain": ("competence.domain",),
}


@pytest.mark.parametrize(("package", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_imports_flow_one_way(package: str, forbidden: tuple[str, ...], why: str) -> None:
    found = []
    for name, path in modules():
        if not within(name, package):
            continue
        for line, imported in imports(path):
            if any(within(imported, a) for a in ALLOWED.get(package, ())):
                continue
            if any(within(imported, f) for f in forbidden):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert found == [], why


def test_the_rules_cover_every_package() -> None:
    """A new package needs a rule here (or a reason not to)."""
    packages = {name.split(".")[1] for name, _ in modules() if name.count(".") >= 1}
    ruled = {package.split(".")[1] for package, _, _ in RULES}
    free = {"api", "config", "errors", "data", "web"}  # entry points and leaves
    assert packages - ruled - free == set()


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from competence.store.models import Person\n", "utf-8")
    assert (2, "competence.store.models.Person") in set(imports(sample))


def test_no_module_imports_a_private_name_from_another() -> None:
    """A name starting with ``_`` stays in its module: what another module needs is public and
    documented. Tests and benchmarks keep to this too."""
    files = [p for _, p in modules()]
    files += sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    assert len(files) > 100  # the walk found the code
    private = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            if not isinstance(node, ast.ImportFrom) or not within(node.module or "", "competence"):
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                    private.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert private == [], "make these public and documented, or keep them in one module"
