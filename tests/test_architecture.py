"""The house: one installed namespace, and import rules between the packages that hold.

Every module of the installed ``szplan`` packages is parsed (ast) and each import is resolved to
an absolute module name; the rules below are those of the README's architecture section.
"""
from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

NS = "szplan"
PACKAGES = ("fleetsim", "network", "demand", "dashboard", "data")
OLD_NAMES = {"fleetsim", "network", "demand", "dashboard", "shenzhen_data"}
SOLVER_AND_ENGINE = {"simpy", "ortools"}
# What the dashboard may read from the model's side: errors, messages and the results pieces.
DASHBOARD_MAY_USE = {f"{NS}.fleetsim", f"{NS}.fleetsim.errors", f"{NS}.fleetsim.runs",
                     f"{NS}.fleetsim.runs.results", f"{NS}.fleetsim.runs.schemas", f"{NS}.fleetsim.runs.scenario",
                     f"{NS}.fleetsim.runs.yaml_loader", f"{NS}.fleetsim.runs.export"}
# ... and the one narrow interface through which it launches a run, from one module, inside a function.
DASHBOARD_LAUNCH = ("dashboard/launch.py", f"{NS}.fleetsim.runs.run")


def _root(package: str) -> Path:
    spec = importlib.util.find_spec(f"{NS}.{package}")
    assert spec is not None and spec.submodule_search_locations, f"{NS}.{package} is not installed"
    return Path(next(iter(spec.submodule_search_locations)))


def _modules():
    """(package folder, path inside it, module name, package name) of every installed module."""
    for package in PACKAGES:
        root = _root(package)
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root)
            parts = [NS, package, *rel.with_suffix("").parts]
            is_init = parts[-1] == "__init__"
            if is_init:
                parts = parts[:-1]
            name = ".".join(parts)
            yield package, rel, name, (name if is_init else name.rpartition(".")[0])


def _lazy_names() -> dict[str, str]:
    """``package.name`` -> the module that really holds it, for the names a package ``__init__``
    loads on first use (its ``_LAZY`` table): importing such a name imports that module."""
    found = {}
    for package, rel, name, _pkg in _modules():
        if rel.name != "__init__.py":
            continue
        for node in ast.parse((_root(package) / rel).read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_LAZY" for t in node.targets):
                for attr, module in ast.literal_eval(node.value).items():
                    found[f"{name}.{attr}"] = name + module if module.startswith(".") else module
    return found


LAZY = None


def _imports(path: Path, package: str):
    """(imported absolute module, lineno, inside a function) for every import of a file; a name
    a package loads lazily counts as an import of the module that holds it."""
    global LAZY
    if LAZY is None:
        LAZY = _lazy_names()
    tree = ast.parse(path.read_text(), filename=str(path))
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in in_function
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, node.lineno, id(node) in in_function
            for alias in node.names:  # `from pkg import submodule` (or a lazily loaded name)
                yield f"{module}.{alias.name}", node.lineno, id(node) in in_function
                if f"{module}.{alias.name}" in LAZY:
                    yield LAZY[f"{module}.{alias.name}"], node.lineno, id(node) in in_function


def _all_imports():
    found = []
    for package, rel, _name, pkg in _modules():
        path = _root(package) / rel
        for module, line, in_function in _imports(path, pkg):
            found.append((f"{package}/{rel.as_posix()}", line, module, in_function))
    return found


IMPORTS = None


def imports():
    global IMPORTS
    if IMPORTS is None:
        IMPORTS = _all_imports()
    return IMPORTS


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _is_module(name: str) -> bool:
    """True for a module of the project (not an attribute like ``szplan.demand.StockParams``)."""
    global MODULE_NAMES
    if MODULE_NAMES is None:
        MODULE_NAMES = {name for *_rest, name, _pkg in _modules()}
    return name in MODULE_NAMES


MODULE_NAMES = None


def _violations(where: str, banned: tuple[str, ...], allow=lambda f, m, fn: False):
    return [f"{f}:{line}: imports {m}" for f, line, m, fn in imports()
            if f.startswith(where) and _under(m, *banned) and not allow(f, m, fn)]


def test_every_module_is_found_and_parsed():
    names = [name for *_rest, name, _pkg in _modules()]
    for expected in ("szplan.fleetsim.cli", "szplan.fleetsim.sim.engine", "szplan.fleetsim.runs.run",
                     "szplan.fleetsim.sweeps.sweep", "szplan.network.siting.frlm", "szplan.network.plan.phase",
                     "szplan.demand.stock", "szplan.dashboard.reader", "szplan.data"):
        assert expected in names
    assert len(imports()) > 300


def test_an_import_through_a_lazy_package_name_counts_as_its_module(tmp_path):
    # `from szplan.fleetsim import run_scenario` loads szplan.fleetsim.runs.run: the layer rules
    # must see that module, not only the package
    code = tmp_path / "probe.py"
    code.write_text("from szplan.fleetsim import run_scenario\n\ndef f():\n    from ..plan import plan_phase\n")
    found = {(m, fn) for m, _line, fn in _imports(code, f"{NS}.network.siting")}
    assert (f"{NS}.fleetsim.runs.run", False) in found and (f"{NS}.network.plan.phase", True) in found


def test_every_package_family_raises_its_own_errors():
    """A caller catches one base class a family; a bare ValueError or RuntimeError escapes it.
    Pydantic validators are the exception: pydantic wants ValueError and wraps it."""
    from szplan.fleetsim.errors import FleetsimError, ResultsError, ScenarioError
    from szplan.fleetsim.sweeps.sweep_spec import SweepError
    from szplan.network import NetworkError
    from szplan.network.plan.errors import PlanError

    assert all(issubclass(e, FleetsimError) for e in (ScenarioError, ResultsError, SweepError))
    assert issubclass(PlanError, NetworkError)
    bad = []
    for package, rel, _name, _pkg in _modules():
        if package not in ("fleetsim", "network", "demand"):
            continue
        tree = ast.parse((_root(package) / rel).read_text())
        validators = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                      and any("validator" in ast.unparse(d) for d in f.decorator_list) for n in ast.walk(f)}
        bad += [f"{package}/{rel}:{node.lineno}" for node in ast.walk(tree)
                if isinstance(node, ast.Raise) and node.exc is not None and id(node) not in validators
                and ast.unparse(node.exc).startswith(("ValueError(", "RuntimeError(", "Exception("))]
    assert not bad, "\n".join(bad)


def test_no_import_uses_a_bare_top_level_name():
    # demand.py / network.py in a user's folder, or PyPI's `dashboard`, can no longer stand in
    bad = [f"{f}:{line}: imports {m}" for f, line, m, _ in imports() if m.split(".")[0] in OLD_NAMES]
    assert not bad, "\n".join(bad)


def test_stock_and_network_never_import_the_simulation_or_the_dashboard():
    banned = (f"{NS}.fleetsim", f"{NS}.dashboard")
    bad = _violations("demand/", banned) + _violations("network/", banned)
    assert not bad, "\n".join(bad)


def test_stock_and_network_are_independent_of_each_other():
    bad = _violations("demand/", (f"{NS}.network",)) + _violations("network/", (f"{NS}.demand",))
    assert not bad, "\n".join(bad)


def test_classic_siting_models_stand_on_plain_data():
    # the library imports nothing else of the project; the Shenzhen plan sits above it
    bad = [f"{f}:{line}: imports {m}" for f, line, m, _ in imports() if f.startswith("network/siting/")
           and _under(m, NS) and not _under(m, f"{NS}.network.siting")]
    assert not bad, "\n".join(bad)


def test_data_package_imports_no_model():
    bad = _violations("data/", tuple(f"{NS}.{p}" for p in PACKAGES if p != "data"))
    assert not bad, "\n".join(bad)


def test_model_never_imports_the_dashboard_but_from_the_dashboard_command():
    def cli_command(f, m, in_function):
        return f == "fleetsim/cli.py" and in_function

    bad = _violations("fleetsim/", (f"{NS}.dashboard",), allow=cli_command)
    assert not bad, "\n".join(bad)


def test_layers_inside_fleetsim():
    sim, runs, sweeps, cli = (f"{NS}.fleetsim.{p}" for p in ("sim", "runs", "sweeps", "cli"))
    bad = (_violations("fleetsim/sim/", (sweeps, cli, runs), allow=lambda f, m, fn: _under(m, f"{runs}.scenario"))
           + _violations("fleetsim/runs/", (sweeps, cli))
           + _violations("fleetsim/sweeps/", (cli, sim))
           + [f"{f}:{line}: imports {m}" for f, line, m, _ in imports()
              if _under(m, cli) and f not in ("fleetsim/__main__.py", "fleetsim/cli.py")])
    assert not bad, "\n".join(bad)


def test_dashboard_reads_results_only_and_launches_through_one_interface():
    bad = []
    for f, line, m, in_function in imports():
        if not f.startswith("dashboard/"):
            continue
        if _under(m, *SOLVER_AND_ENGINE, f"{NS}.network.siting", f"{NS}.network.plan"):
            bad.append(f"{f}:{line}: imports {m} (solver or engine)")
        elif _under(m, f"{NS}.fleetsim") and m not in DASHBOARD_MAY_USE and _is_module(m):
            launch = (f, m) == DASHBOARD_LAUNCH and in_function
            if not launch:
                bad.append(f"{f}:{line}: imports {m}")
    assert not bad, "\n".join(bad)


def _loaded_after(code: str, cwd: Path | None = None) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True, cwd=cwd)
    return set(out.stdout.split())


def test_dashboard_reader_loads_neither_engine_nor_solver():
    heavy = _loaded_after("import szplan.dashboard.reader") & (SOLVER_AND_ENGINE | {
        "dash", f"{NS}.fleetsim.sim", f"{NS}.network.siting"})
    assert not heavy, sorted(heavy)


def test_package_inits_are_light():
    heavy = _loaded_after("import szplan.fleetsim") & (SOLVER_AND_ENGINE | {"pandas"})
    assert not heavy, sorted(heavy)
    libraries = SOLVER_AND_ENGINE | {"pandas", "numpy", "networkx", "shapely", "pyarrow"}
    heavy = _loaded_after("import szplan.network, szplan.demand, szplan.network.siting, szplan.network.plan, "
                          "szplan.data") & libraries
    assert not heavy, sorted(heavy)
    # a lazily loaded name still arrives, from the module that holds it
    assert _loaded_after("from szplan.network import NetworkParams") >= {f"{NS}.network.params"}
    heavy = _loaded_after("import szplan.network.plan, szplan.fleetsim.runs") & SOLVER_AND_ENGINE
    assert not heavy, sorted(heavy)


def test_files_in_the_working_folder_shadow_nothing(tmp_path):
    for name in ("demand", "network", "fleetsim"):
        (tmp_path / f"{name}.py").write_text("raise ImportError('the local file was imported')\n")
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "dashboard" / "__init__.py").write_text("raise ImportError('the local folder was imported')\n")
    loaded = _loaded_after("import szplan.fleetsim.runs.run, szplan.dashboard.reader", cwd=tmp_path)
    assert {f"{NS}.fleetsim.runs.run", f"{NS}.demand", f"{NS}.network"} <= loaded
    assert not loaded & OLD_NAMES, sorted(loaded & OLD_NAMES)


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "szplan.fleetsim", "scenarios"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "shenzhen-2030" in out.stdout


@pytest.mark.slow
def test_wheel_installs_only_the_namespace(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    if not (repo / "setup.py").exists():
        pytest.skip("no source tree beside the tests")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(repo)],
                   check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    dist_info = {t for t in top if t.endswith(".dist-info")}
    assert top - dist_info == {NS} and len(dist_info) == 1
    # a namespace package: no szplan/__init__.py that another distribution could overwrite
    assert f"{NS}/__init__.py" not in names
    for package in PACKAGES:
        assert f"{NS}/{package}/__init__.py" in names
    assert any(n.startswith(f"{NS}/fleetsim/scenarios/") and n.endswith(".yaml") for n in names)
    assert f"{NS}/data/params/simulation.csv" in names and f"{NS}/data/SOURCES.md" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "fleetsim = szplan.fleetsim.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
    # installed, it adds the namespace and its record only (and the command), nothing PyPI names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, text=True)
    installed = {p.name for p in target.iterdir()}
    assert installed - {"bin"} == {NS, *dist_info}, sorted(installed)
    found = subprocess.run([sys.executable, "-c", "import szplan.fleetsim.cli as c; print(c.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env={"PYTHONPATH": str(target)})
    assert found.stdout.startswith(str(target)), found.stdout
