"""The house rules that keep the layers apart, read from the source with `ast`.

Imports flow one way: core < io < matching < chains < programmes < trust < cli < web. A
module may import its own layer and lower ones, never a higher one; the domain never
imports Flask or the web. And no permission rule is written in web/: views and templates
ask trust/ (`viewer.may(action)`, `require(action)`, `can_request`, `editing.may_edit`, ...)
instead of comparing roles themselves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from matchmaker.trust.accounts import ROLES
from matchmaker.trust.permissions import ACTIONS

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "io", "matching", "chains", "programmes", "trust", "cli", "web"]
RANK = {name: i for i, name in enumerate(LAYERS)}
# The audit log depends only on the core, so a programme's history may write to it
# without the programmes layer reaching up into trust's rules.
ALLOWED_UP = {("programmes", "matchmaker.trust.audit")}
# Command-line twins that register on the `matchmaker` group (matchmaker/cli_*.py) belong
# to the cli layer: they import matchmaker.cli, and nothing below the cli imports them.
WEB_ONLY = ("flask", "werkzeug", "jinja2", "markupsafe", "pyvis", "waitress", "web")


def layer(module: str) -> str | None:
    """The layer of a module of this project, or None for a third-party one."""
    parts = module.split(".")
    if parts[0] == "web":
        return "web"
    if parts[0] != "matchmaker":
        return None
    if len(parts) > 1 and (parts[1] == "cli" or parts[1].startswith("cli_")):
        return "cli"
    if len(parts) == 1:
        return "core"
    if parts[1] in RANK and parts[1] not in ("core", "web"):
        return parts[1]
    return "core"  # the flat modules: model, store, settings, materials, ...


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path: Path, module: str) -> list[tuple[int, str]]:
    """Every module a file imports (top level or inside functions), relative ones resolved;
    `from matchmaker.trust import audit` counts as importing matchmaker.trust.audit."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if is_module(sub) else target))
    return found


def sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts)


def layer_violations(path: Path, module: str | None = None) -> list[str]:
    module = module or module_name(path)
    own = layer(module)
    problems = []
    for line, target in imports(path, module):
        if own != "web" and target.split(".")[0] in WEB_ONLY:
            problems.append(f"{module}:{line} the domain imports {target}")
            continue
        theirs = layer(target)
        if theirs is None or RANK[theirs] <= RANK[own] or (own, target) in ALLOWED_UP:
            continue
        problems.append(f"{module}:{line} {own} imports {target} ({theirs}, a higher layer)")
    return problems


def test_cli_modules_are_imported_only_by_the_cli():
    for path in sources("matchmaker"):
        module = module_name(path)
        if layer(module) != "cli":
            assert not {t for _, t in imports(path, module) if layer(t) == "cli"}, module


def test_layer_of_each_package():
    assert layer("matchmaker.store") == "core" and layer("matchmaker") == "core"
    assert layer("matchmaker.io.importer") == "io" and layer("matchmaker.trust.audit") == "trust"
    assert layer("matchmaker.cli") == "cli" and layer("matchmaker.cli_cases") == "cli" and layer("web.services") == "web" and layer("numpy") is None


def test_no_lower_layer_imports_a_higher_one():
    problems = [p for path in sources("matchmaker", "web") for p in layer_violations(path)]
    assert problems == []


def test_the_layer_check_catches_an_upward_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from matchmaker.trust.access import World\nfrom ..chains import graph\nimport flask\n"
                     "from matchmaker.trust import audit\nfrom ..model import Stream\n", encoding="utf-8")
    found = layer_violations(probe, "matchmaker.io.probe")
    assert len(found) == 4, found
    assert "matchmaker.trust.audit" in found[3]   # allowed for programmes only
    assert layer_violations(probe, "matchmaker.programmes.probe")[2:] == []
    assert "io imports matchmaker.trust.access" in found[0] and "matchmaker.chains" in found[1]
    assert "the domain imports flask" in found[2]


# -- no permission rule in web/ --------------------------------------------------------------

ROLE_NAMES = set(ROLES) | {"anonymous"}
RULE_NAMES = {"STAFF", "ROLES", "is_staff"}  # the accounts' role lists and the staff test
# (a case member's role, such as 'lead', is data, not an account role: not matched)
TEMPLATE_RULE = re.compile(r"""\.role\s*(==|!=)\s*['"](admin|facilitator|firm|anonymous)['"]"""
                           r"|viewer\.role\s+(not\s+)?in\b|\bis_staff\b|\bSTAFF\b")


def _rule_name(node: ast.AST) -> str | None:
    """STAFF, ROLES (as imported from the accounts) or is_staff, wherever they appear."""
    if isinstance(node, ast.Name) and node.id in RULE_NAMES:
        return node.id
    if isinstance(node, ast.Attribute) and node.attr == "is_staff":
        return node.attr
    if isinstance(node, ast.alias) and node.name in RULE_NAMES:
        return node.name
    return None


def rule_violations(path: Path) -> list[str]:
    """Role comparisons, role lists and staff tests written in a web module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Constant) and s.value in ROLE_NAMES for s in sides):
                problems.append(f"{where}:{node.lineno} compares roles")
        elif _rule_name(node):
            problems.append(f"{where}:{getattr(node, 'lineno', '?')} uses {_rule_name(node)}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require":
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if len(node.args) != 1 or len(args) != 1 or args[0] not in ACTIONS:
                problems.append(f"{where}:{node.lineno} require() takes one action of trust.permissions.ACTIONS")
    return problems


def test_no_permission_rule_is_written_in_web():
    problems = [p for path in sources("web") for p in rule_violations(path)]
    for template in sorted((ROOT / "web" / "templates").rglob("*.html")):
        for n, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
            if TEMPLATE_RULE.search(line):
                problems.append(f"{template.relative_to(ROOT)}:{n} decides by role: {line.strip()[:80]}")
    assert problems == [], ("ask trust/ instead: viewer.may(action) or require(action) with an action of "
                            "matchmaker/trust/permissions.ACTIONS (add one there), viewer.signed_in, or a rule "
                            "function such as editing.may_edit or introductions.can_request")


@pytest.mark.parametrize("code", [
    'if viewer().role == "firm":\n    pass\n',
    'ok = v.role in STAFF\n',
    'if v.is_staff:\n    pass\n',
    '@require("admin", "facilitator")\ndef page():\n    pass\n',
    'from matchmaker.trust.accounts import STAFF\n',
    'if user.role != "anonymous":\n    pass\n',
])
def test_the_rule_check_catches_a_role_test(tmp_path, code):
    probe = tmp_path / "probe.py"
    probe.write_text(code, encoding="utf-8")
    assert rule_violations(probe), code


@pytest.mark.parametrize("code", [
    'leads = [m for m in members if m.role == "lead"]\n',
    'form = {"roles": C.ROLES}\n',
    'if viewer().may("chains"):\n    pass\n',
])
def test_the_rule_check_lets_data_and_trust_calls_pass(tmp_path, code):
    probe = tmp_path / "probe.py"
    probe.write_text(code, encoding="utf-8")
    assert rule_violations(probe) == [], code


def test_every_route_guard_names_a_known_action():
    used = {a.value for path in sources("web") for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require"
            for a in node.args if isinstance(a, ast.Constant)}
    assert used and used <= set(ACTIONS)
