"""The house rules a newcomer can rely on: reports/ in layers that import only downward and never in a circle,
collectors and the dashboard apart, small modules and short functions."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

# Bottom to top: a module may import its own layer and the ones below it, never one above.
LAYERS = ["model", "store", "ingest", "fetch", "query", "publish"]
PACKAGES = ["reports", "collectors", "dashboard", "tatlas"]
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str) -> set[str]:
    """Every module of ours a module imports, at the top or inside a function."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in out if m.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports(path, name) if m in known and m != name} for name, path in known.items()}


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if parts[0] == "reports" and len(parts) > 1 and parts[1] in LAYERS else None


def test_every_reports_module_lives_in_a_layer_with_a_one_line_docstring():
    for name in modules():
        if name.startswith("reports."):
            assert layer(name) is not None, f"{name} is not in one of the layers {LAYERS}"
    for name in LAYERS:
        doc = ast.get_docstring(ast.parse((REPO / "reports" / name / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "\n" not in doc.strip(), f"reports/{name}/__init__.py needs a one-line docstring"


def test_layers_import_only_downward():
    upward = [f"{a} imports {b}" for a, targets in graph().items() for b in targets
              if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)]
    assert upward == []


def test_reports_never_imports_the_collectors_the_dashboard_or_the_cli_and_they_never_import_each_other():
    bad = []
    for a, targets in graph().items():
        for b in targets:
            top_a, top_b = a.split(".")[0], b.split(".")[0]
            if top_a == "reports" and top_b != "reports" or {top_a, top_b} == {"collectors", "dashboard"}:
                bad.append(f"{a} imports {b}")
    assert bad == []


def test_no_import_cycle():
    edges = graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def test_modules_stay_small_and_functions_short():
    long_modules, long_functions = [], []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{name}.{node.name}: {length} lines")
    assert long_modules == [] and long_functions == []
