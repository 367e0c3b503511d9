"""The shape of the code, checked: the rules core is pure, no module reaches into another's private
names or imports inside a function to dodge a cycle, production code never imports the local
stack, and no module grows past 400 lines (one concern per module)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
MAX_LINES = 400


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_the_core_imports_no_boto3_and_reads_no_clock_or_environment():
    modules = [module_name(p) for p in sources("shared/rules")]
    assert "shared.rules.features.renewal" in modules and "shared.rules.scoring.score" in modules  # rglob
    code = (f"import importlib, sys; [importlib.import_module(m) for m in {modules!r}]; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'aws_lambda_powertools')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    for path in sources("shared/rules"):
        source = path.read_text(encoding="utf-8")
        for forbidden in ("os.environ", "date.today(", "datetime.now(", "time.time("):
            assert forbidden not in source, f"{path.relative_to(ROOT)} uses {forbidden}"


def private_imports(path: Path) -> list[str]:
    """`from m import _name`, and `m._name` where m is a name this module imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if private(alias.name):
                    found.append(f"from {node.module or '.'} import {alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(private(part) for part in alias.name.split(".")):
                    found.append(f"import {alias.name}")
                imported.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name) \
                and node.value.id in imported:
            found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
    return found


def test_no_module_imports_a_private_name_of_another():
    """A private name is free to change with its module: every module (production code, the local
    stack, the benchmarks and every test) reaches only public names."""
    found = {str(p.relative_to(ROOT)): bad for p in sources("shared", "functions", "devstack", "bench", "scripts", "tests")
             if (bad := private_imports(p))}
    assert found == {}


def test_no_function_level_import_in_the_core_and_its_tests():
    """An import inside a function hides a dependency (usually a cycle): the core's modules import
    at the top, in one direction (program, errors, document, change -> scoring -> features -> tables)."""
    found = []
    for path in sources("shared/rules", "tests/unit"):
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(fn)
                          if isinstance(n, ast.Import | ast.ImportFrom)]
    assert found == []


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_production_code_never_imports_the_local_stack():
    found = {str(p.relative_to(ROOT)): sorted(m for m in imports_of(p) if m.split(".")[0] == "devstack")
             for p in sources("shared", "functions")}
    assert {k: v for k, v in found.items() if v} == {}


def test_no_module_over_400_lines():
    lengths = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
               for p in sources("shared", "functions", "devstack")}
    assert {k: n for k, n in lengths.items() if n > MAX_LINES} == {}
    assert "shared/rules/engine.py" in lengths  # the walk sees the core
