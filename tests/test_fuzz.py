"""Property-based fuzzing of scenario and sweep files through the command line.

Every generated file, well-formed or not, must end in one of two ways: accepted (exit 0 for a
scenario; the sweep reaches the point where it would start running) or refused with exit code 2
and at most three lines on stderr, none of them a traceback, within bounded time and memory.
The files mix structured scenarios with hostile values at real field paths, byte-level
mutations of the shipped files, raw garbage and YAML's dangerous features (anchors, tags, deep
nesting, repeated keys). Calls are in-process (``fleetsim.cli.main``) so that thousands of files
run in seconds; a handful of the worst cases also run as real processes under a memory limit.
"""
from __future__ import annotations

import contextlib
import functools
import io
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from szplan.fleetsim.cli import build_parser, main

EXAMPLES = 1_000
#: the slowest acceptable answer for one file, in seconds (validation is milliseconds)
TIME_LIMIT_S = 5.0
#: growth of the process's peak memory over the whole fuzz run
MEMORY_LIMIT_MB = 500
COUNTS: Counter = Counter()
_ROOT = Path(__file__).resolve().parents[1]
_SHIPPED = [(_ROOT / "fleetsim" / "scenarios" / n).read_bytes() for n in ("shenzhen-2025.yaml", "shenzhen-2030.yaml")]
_SHIPPED_SWEEPS = [p.read_bytes() for p in sorted((_ROOT / "examples").glob("sweep-*.yaml"))]
#: the process's peak memory when fuzzing began (set at the first file: earlier tests in the same
#: process may have raised the peak already)
_START_RSS_MB: list[float] = []

# ---- values: what a careless or hostile user may write at any field ----------------------------

_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1.5, 1e-9, 1e308, -1e30, 2**62, 2**63, 2025, 2030, 1900, 99999999, 0.0001]),
)
_SCALARS = st.one_of(_NUMBERS, st.booleans(), st.none(), st.text(max_size=30),
                     st.sampled_from(["2030", "true", "0.5", "nan", "BEV", "grey", "bus", ""]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=10), st.integers(2000, 2040)),
                                                 inner, max_size=4)), max_leaves=12)

# real field paths, so that values reach the deep validators and not only "unknown field"
_PATHS = [
    ("name",), ("year",), ("seed",), ("description",),
    ("simulation", "sample"), ("simulation", "month"), ("simulation", "progress"),
    ("stock", "start_year"), ("stock", "end_year"), ("stock", "nev_share_path"),
    ("stock", "nev_share_path", 2030), ("stock", "plate_quota_per_year", 2015),
    ("stock", "home_charging_access_share"), ("stock", "hydrogen_production_route"),
    ("stock", "annual_growth", "bus"), ("stock", "mandate_year", "taxi"),
    ("stock", "early_retirement", "heavy_truck"), ("stock", "grid_factor_path", 2030),
    ("stock", "segment_overrides", "taxi", "annual_km"), ("stock", "segment_overrides", "bus", "stock_anchors"),
    ("stock", "segment_overrides", "bus", "stock_anchors", 2025),
    ("stock", "segment_overrides", "heavy_truck", "new_shares", 2030),
    ("stock", "segment_overrides", "taxi", "weibull_scale_years"), ("stock", "max_share_increase_per_year"),
    ("network", "speed_core_kmh"), ("network", "speed_outer_kmh"), ("network", "circuity_factor"),
    ("network", "truck_speed_factor"), ("siting", "budget_cny"), ("siting", "phase_years"),
    ("siting", "grid_headroom_kw"), ("siting", "grid_headroom_kw", 590), ("siting", "max_wait_min"),
    ("siting", "expressway_service_areas"), ("siting", "resize_rounds"), ("siting", "time_limit_s"),
]


def _set(raw: dict, path: tuple, value) -> None:
    node = raw
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


@st.composite
def structured_scenarios(draw) -> bytes:
    raw: dict = {"name": "fuzz", "year": 2030}
    for path in draw(st.lists(st.sampled_from(_PATHS), min_size=1, max_size=4)):
        _set(raw, path, draw(_VALUES))
    if draw(st.booleans()):
        raw.pop(draw(st.sampled_from(["name", "year"])), None)
    try:
        return yaml.safe_dump(raw, allow_unicode=True).encode()
    except (yaml.YAMLError, ValueError):
        return b"name: fuzz\nyear: 2030\n"


@st.composite
def mutated(draw, sources: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate-line", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
                [b"&a ", b"*a", b"!!python/object:os.system ", b"{", b"[", b": ", b"\n  ", b"\t", b"<<: ", b"\x00",
                 b"!!binary ", b"? ", b"- ", b"%YAML 1.1\n", b"---\n", b"2030-02-30", b".nan", b"1e400"]))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 10))]
        elif kind == "replace" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "duplicate-line":
            lines = bytes(data).split(b"\n")
            line = draw(st.sampled_from(lines))
            data = bytearray(bytes(data) + b"\n" + line + b"\n")
        else:
            other = draw(st.sampled_from(sources))
            data[at:at] = other[: draw(st.integers(0, len(other)))]
    return bytes(data)


@st.composite
def yaml_features(draw) -> bytes:
    """Anchors, aliases, tags and nesting, the features that hang or crash naive loaders."""
    kind = draw(st.sampled_from(["alias", "deep-flow", "deep-block", "tag", "dupe", "merge", "docs", "bomb"]))
    depth = draw(st.integers(2, 3000))
    head = b"name: fuzz\nyear: 2030\n"
    if kind == "alias":
        return head + b"description: &d text\nsimulation: {sample: *d}\n"
    if kind == "deep-flow":
        return head + b"stock: " + b"[" * depth + b"]" * depth + b"\n"
    if kind == "deep-block":
        return head + b"".join(b"  " * i + b"k:\n" for i in range(min(depth, 400))) + b"\n"
    if kind == "tag":
        tag = draw(st.sampled_from([b"!!python/object/apply:os.system", b"!!binary", b"!!set", b"!!omap", b"!custom",
                                    b"!!timestamp", b"!!float", b"!!int"]))
        return head + b"description: " + tag + b" " + draw(st.sampled_from([b"[ls]", b"abc", b"{a: 1}", b"1"])) + b"\n"
    if kind == "dupe":
        return head + b"year: 2025\n"
    if kind == "merge":
        return head + b"simulation:\n  <<: {sample: 0.5}\n  month: 3\n"
    if kind == "docs":
        return head + b"---\n" + head
    n = draw(st.integers(2, 9))
    lines = [b"a0: &a0 [" + b", ".join([b"x"] * n) + b"]"]
    lines += [f"a{i}: &a{i} [".encode() + b", ".join([f"*a{i - 1}".encode()] * n) + b"]" for i in range(1, 9)]
    return b"\n".join(lines) + b"\nname: *a8\nyear: 2030\n"


_SCENARIO_FILES = st.one_of(structured_scenarios(), mutated(_SHIPPED), yaml_features(),
                            st.binary(max_size=200), st.text(max_size=200).map(str.encode))


# ---- the property ----------------------------------------------------------------------------

class _SweepAccepted(Exception):
    """Raised in place of running a sweep that validated."""


# the parser is the same for every call of a command; building it costs more than validating a file
@functools.lru_cache(maxsize=4)
def _parser_of(command: str | None):
    return build_parser([command] if command else None)


_PARSER = mock.patch("szplan.fleetsim.cli.build_parser", lambda argv=None: _parser_of(argv[0] if argv else None))


def _call(argv: list[str]) -> tuple[int | str, str]:
    out, err = io.StringIO(), io.StringIO()
    with _PARSER, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code: int | str = main(argv)
        except _SweepAccepted:
            code = "accepted"
        except SystemExit as exit_:  # argparse
            code = exit_.code if isinstance(exit_.code, int) else 2
        except BaseException as crash:  # noqa: B036 (any escape is a failure to count and show)
            code = f"crash {type(crash).__name__}: {str(crash)[:200]}"
    return code, err.getvalue()


def _check(kind: str, argv: list[str]) -> None:
    if not _START_RSS_MB:
        _START_RSS_MB.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    start = time.perf_counter()
    code, err = _call(argv)
    seconds = time.perf_counter() - start
    COUNTS[f"{kind} files tried"] += 1
    lines = err.strip().splitlines()
    clean = code == 2 and 1 <= len(lines) <= 3 and "Traceback" not in err and len(err) <= 1000
    if code in (0, "accepted"):
        COUNTS[f"{kind} accepted"] += 1
    elif clean:
        COUNTS[f"{kind} clean refusals"] += 1
    else:
        COUNTS[f"{kind} failures"] += 1
    assert code in (0, "accepted") or clean, f"exit {code}, stderr: {err[:1000]!r}"
    assert seconds <= TIME_LIMIT_S, f"took {seconds:.1f} s"
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - _START_RSS_MB[0]
    assert grown <= MEMORY_LIMIT_MB, f"peak memory grew by {grown:.0f} MB"


_DIR = Path(tempfile.mkdtemp(prefix="fleetsim-fuzz-"))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_SCENARIO_FILES)
def test_fuzz_scenario_files(data: bytes):
    path = _DIR / "scenario.yaml"
    path.write_bytes(data)
    _check("scenario", ["validate", str(path)])


# ---- sweep files -----------------------------------------------------------------------------

_SWEEP_PATHS = ["simulation.sample", "stock.nev_share_path.2030", "stock.home_charging_access_share", "seed", "name",
                "year", "stock.nev_share_path", "siting.phase_years", "network.speed_core_kmh", "", ".", "a..b",
                "year.x", "stock.segment_overrides.bus.annual_km", "nope.nothing"]


@st.composite
def structured_sweeps(draw) -> bytes:
    raw: dict = {"base": draw(st.one_of(st.sampled_from(["shenzhen-2030", "shenzhen-2025", "missing", "../x.yaml"]),
                                        _VALUES))}
    if draw(st.booleans()):
        raw["set"] = draw(st.dictionaries(st.sampled_from(_SWEEP_PATHS), _VALUES, max_size=3))
    if draw(st.booleans()):
        raw["grid"] = draw(st.dictionaries(st.sampled_from(_SWEEP_PATHS),
                                           st.one_of(st.lists(_VALUES, max_size=8), _VALUES), max_size=6))
    if draw(st.booleans()):
        raw["lhs"] = {"samples": draw(st.one_of(st.integers(-5, 10**7), _VALUES)),
                      "parameters": draw(st.dictionaries(st.sampled_from(_SWEEP_PATHS), st.one_of(
                          st.fixed_dictionaries({"low": _NUMBERS, "high": _NUMBERS}), _VALUES), max_size=3))}
    if draw(st.booleans()):
        raw["seeds"] = draw(st.one_of(st.integers(-5, 10**6), st.lists(st.integers(-5, 2**33), max_size=5), _VALUES))
    for key in draw(st.lists(st.sampled_from(["name", "description", "colour"]), max_size=2)):
        raw[key] = draw(_VALUES)
    try:
        return yaml.safe_dump(raw, allow_unicode=True).encode()
    except (yaml.YAMLError, ValueError):
        return b"base: shenzhen-2030\n"


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(structured_sweeps(), mutated(_SHIPPED_SWEEPS), yaml_features(), st.binary(max_size=200)))
def test_fuzz_sweep_files(data: bytes):
    path = _DIR / "sweep.yaml"
    path.write_bytes(data)
    with mock.patch("szplan.fleetsim.sweeps.sweep.run_sweep", side_effect=_SweepAccepted):
        _check("sweep", ["sweep", str(path), "--out", str(_DIR / "out")])


def test_fuzz_counts():
    """The fuzz tests' totals (run after them): printed for the record, no failure allowed."""
    if not COUNTS:
        pytest.skip("run with the fuzz tests above")
    print("\n" + "\n".join(f"{key}: {COUNTS[key]:,}" for key in sorted(COUNTS)))
    assert not any(COUNTS[k] for k in COUNTS if k.endswith("failures"))
    assert COUNTS["scenario files tried"] >= EXAMPLES and COUNTS["sweep files tried"] >= EXAMPLES


# ---- a handful of the worst cases as real processes, under a memory limit ----------------------

def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


_BOMB = b"\n".join([b"a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]".encode() for i in range(1, 9)]) + b"\nname: *a8\nyear: 2030\n"


@pytest.mark.parametrize("command, content", [
    ("validate", _BOMB),
    ("validate", b"name: x\nyear: 2030\nstock: " + b"[" * 1000 + b"]" * 1000 + b"\n"),
    ("validate", b"name: x\nyear: 2030\ndescription: " + b"y" * 5_000_000 + b"\n"),
    ("validate", b"name: " + b"x" * 900_000 + b"\nyear: 2030\n"),
    ("validate", b"\xff\xd8\xff\xe0 not yaml \x00\x01"),
    ("sweep", b"base: shenzhen-2030\ngrid:\n" + b"".join(
        f"  stock.nev_share_path.{2025 + k}: [{', '.join(str(i / 20) for i in range(20))}]\n".encode()
        for k in range(6))),
    ("sweep", b"base: shenzhen-2030\nlhs: {samples: 100000, parameters: "
              b"{stock.home_charging_access_share: {low: 0.3, high: 0.6}}}\n"),
])
def test_worst_cases_as_real_processes(tmp_path, command, content):
    path = tmp_path / "input.yaml"
    path.write_bytes(content)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "szplan.fleetsim", command, str(path)], capture_output=True, text=True,
                          timeout=120, preexec_fn=_limit_memory, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(lines) == 1 and "Traceback" not in done.stderr and len(done.stderr) < 500, done.stderr[:2000]
    assert time.perf_counter() - start < 60
