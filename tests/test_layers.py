"""Architecture checks: one-way layers, a light ``import attn_team``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "attn_team"

# layer order (DESIGN.md section 2, with model before io: importers build Backlogs)
LAYERS = ["base", "model", "io", "synthetic", "workspace", "embed", "attention", "insights", "views", "cli"]
HEAVY = {"torch": "embed", "sentence_transformers": "embed", "ipywidgets": "views", "anywidget": "views", "traitlets": "views"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "attn_team":
        return None
    if len(parts) == 1:
        return None  # the package root re-exports lazily
    head = parts[1]
    if head in ("errors", "_display", "_svg", "_svg_flow", "_version", "_lazy", "_heads"):
        return "base"
    if head == "_derived":
        return "model"
    if head in ("_static_embed", "_static_table", "_vector_store"):  # the static embedding model; the vector cache
        return "embed"
    if head in ("cli", "_commands", "__main__"):
        return "cli"
    if head == "_dask":  # the Dask client and embedding on workers (the top-k half is attention._engine)
        return "embed"
    if head in ("_snapshots", "sync", "_workspace_errors", "_workspace_frames"):  # the workspace's snapshot rules, its errors; the Jira sync writes snapshots
        return "workspace"
    return head if head in LAYERS else None


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(module: str, path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:
                    for a in node.names:
                        yield f"{target}.{a.name}", node.lineno
                    continue
            else:
                target = node.module or ""
            yield target, node.lineno


def test_layers_only_import_leftwards():
    problems = []
    for module, path in _modules():
        own = layer_of(module)
        if own is None:
            continue
        for target, line in _imports(module, path):
            dep = layer_of(target)
            if dep is not None and LAYERS.index(dep) > LAYERS.index(own):
                problems.append(f"{path.relative_to(PKG.parent)}:{line} ({own}) imports {target} ({dep})")
            top = target.split(".")[0]
            if top in HEAVY and LAYERS.index(own) < LAYERS.index(HEAVY[top]):
                problems.append(f"{path.relative_to(PKG.parent)}:{line} ({own}) imports {top}, allowed from {HEAVY[top]} on")
    assert not problems, "upward imports:\n" + "\n".join(problems)


def test_layer_checker_catches_an_upward_import(tmp_path):
    # the checker itself must be able to fail
    assert layer_of("attn_team.io._csv") == "io"
    assert LAYERS.index(layer_of("attn_team.views._graph")) > LAYERS.index(layer_of("attn_team.model"))
    fake = tmp_path / "m.py"
    fake.write_text("from ..views import _graph\nimport torch\n")
    found = list(_imports("attn_team.io._fake", fake))
    assert ("attn_team.views", 1) in found and ("torch", 2) in found
    assert layer_of(found[0][0]) == "views"


@pytest.mark.parametrize("heavy", ["torch", "sentence_transformers", "ipywidgets", "anywidget", "dask", "distributed",
                                   "usearch", "model2vec", "numba"])
def test_import_attn_team_stays_light(heavy):
    code = f"import attn_team, attn_team.io, attn_team.model, sys; b = attn_team.Backlog(); print({heavy!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_public_names_resolve():
    import attn_team

    for name in ("Backlog", "JiraFormatError", "read_tables"):
        assert getattr(attn_team, name) is not None
    with pytest.raises(AttributeError, match="no attribute"):
        attn_team.not_a_name  # noqa: B018


# -- rooms with one job, and no reaching into another package's private state -------------------

MAX_LINES = 700
# insights and views read a fitted result; none of them trains a model. The one exception is the
# evaluation, whose job is to fit on the links it did not hide and measure the rest.
FIT_ALLOWED = {"attn_team.insights._evaluate"}


def _package(module: str) -> str:
    """A sub-package (``attention``, ``io``, ...); the top-level modules of one layer count as one package,
    and so does the whole workspace layer (``workspace.py``, ``_snapshots.py`` and the ``sync`` package that
    writes its snapshots)."""
    parts = module.split(".")
    if layer_of(module) == "workspace" or (len(parts) == 2 and not (PKG / parts[1]).is_dir()):
        return f"layer:{layer_of(module)}"
    return parts[1] if len(parts) > 1 else parts[0]


def _private_names() -> dict[str, set[str]]:
    """Package -> private names (``_x``, not dunder or sunder) its modules and classes define."""
    out: dict[str, set[str]] = {}
    for module, path in _modules():
        names = out.setdefault(_package(module), set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = None
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = node.name
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                name = node.id
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                name = node.attr
            if name and name.startswith("_") and not name.startswith("__") and not name.endswith("_"):
                names.add(name)
    return out


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(PKG.parent))
    except ValueError:
        return str(path)


def _private_reaches(module: str, path: Path, private: dict[str, set[str]]) -> list[str]:
    own = _package(module)
    others = set().union(*(v for k, v in private.items() if k != own)) - private.get(own, set())
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in others:
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                problems.append(f"{_rel(path)}:{node.lineno} reaches .{node.attr}")
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                if a.name in others and not (PKG / f"{a.name}.py").exists() and not (PKG / a.name).is_dir():
                    problems.append(f"{_rel(path)}:{node.lineno} imports private {a.name}")
    return problems


def test_no_module_reaches_a_private_name_of_another_package():
    private = _private_names()
    problems = [p for module, path in _modules() for p in _private_reaches(module, path, private)]
    assert not problems, "private names used across packages:\n" + "\n".join(problems)


def test_private_reach_checker_can_fail(tmp_path):
    fake = tmp_path / "m.py"
    fake.write_text("from ..attention._model import _satisfies\nx = model._feature_memo\n")
    private = {"attention": {"_satisfies", "_feature_memo"}, "views": set()}
    found = _private_reaches("attn_team.views._fake", fake, private)
    assert len(found) == 2, found


def _fit_calls(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fit":
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("attention._model"):
            lines += [node.lineno for a in node.names if a.name == "attend"]  # the one-call form fits
    return lines


def test_insights_and_views_never_fit():
    problems = []
    for module, path in _modules():
        if layer_of(module) in ("insights", "views") and module not in FIT_ALLOWED:
            problems += [f"{path.relative_to(PKG.parent)}:{n}" for n in _fit_calls(path)]
    assert not problems, "insights/views must read a fitted result, not fit one:\n" + "\n".join(problems)


def test_fit_checker_can_fail(tmp_path):
    fake = tmp_path / "m.py"
    fake.write_text("from ..attention._model import attend\nmodel.fit(backlog)\n")
    assert _fit_calls(fake) == [1, 2]


def test_no_module_over_700_lines():
    long = {str(p.relative_to(PKG.parent)): n for _, p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them into rooms with one job): {long}"
