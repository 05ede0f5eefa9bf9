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
    if head in ("errors", "_display", "_svg", "_version", "_lazy"):
        return "base"
    if head in ("cli", "_commands", "__main__"):
        return "cli"
    if head == "_workspace_errors":
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


@pytest.mark.parametrize("heavy", ["torch", "sentence_transformers", "ipywidgets", "anywidget"])
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
