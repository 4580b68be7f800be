"""The package's import graph has no cycle between its parts (imports inside functions included).

A part is a subpackage (`models`, `export`, ...) or a module at the top (`config`, `outputs`,
...). The top `__init__` and `__main__` modules are entry points that gather the parts, and
are left out.
"""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "tf_longformer"
ENTRY_POINTS = {PACKAGE / "__init__.py", PACKAGE / "__main__.py"}


def _part(module: str) -> str | None:
    """`tf_longformer.models.pretrained` -> `models`; `tf_longformer.config` -> `config`."""
    names = module.split(".")
    if names[0] != "tf_longformer" or len(names) < 2:
        return None
    return names[1]


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        # `from tf_longformer import export` imports the part `export`.
        return [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def import_graph() -> dict[str, dict[str, list[str]]]:
    """{part: {imported part: ["file:line", ...]}}."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in ENTRY_POINTS:
            continue
        relative = path.relative_to(PACKAGE.parent)
        part = _part(".".join(relative.with_suffix("").parts))
        edges = graph.setdefault(part, {})
        for node in ast.walk(ast.parse(path.read_text())):
            for module in _imported_modules(node):
                target = _part(module)
                is_part = (PACKAGE / target).is_dir() or (PACKAGE / f"{target}.py").is_file() if target else False
                if is_part and target != part:
                    edges.setdefault(target, []).append(f"{relative}:{node.lineno}")
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(part: str) -> list[str] | None:
        state[part] = "open"
        stack.append(part)
        for target in sorted(graph.get(part, {})):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[part] = "done"
        return None

    for part in sorted(graph):
        if part not in state and (cycle := visit(part)):
            return cycle
    return None


def test_the_parts_of_the_package_import_each_other_without_a_cycle():
    graph = import_graph()
    cycle = find_cycle(graph)
    if cycle:
        steps = [f"{a} -> {b} ({', '.join(graph[a][b][:3])})" for a, b in zip(cycle, cycle[1:])]
        raise AssertionError("import cycle between the package's parts:\n" + "\n".join(steps))


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a graph with a cycle through three parts is reported."""
    graph = {"a": {"b": ["a.py:1"]}, "b": {"c": ["b.py:1"]}, "c": {"a": ["c.py:9"]}, "d": {"a": ["d.py:1"]}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}}) is None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "export" in graph["models"] and "checkpoints" in graph["models"]
    assert "training" in graph["demo"]  # the demo imports its parts inside functions
