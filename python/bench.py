"""The Python package's figures: the import time, and the cost of ``df.derive`` against the same
command run inside Rust, over the whole catalog (tests/catalog.toml).

    python python/bench.py            # after `pip install .`
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

import deltaform as df
from deltaform import _deltaform

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 21


def import_ms() -> float:
    """The median extra time of `import deltaform` over a bare interpreter start, in ms."""
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start
    bare = statistics.median(run("pass") for _ in range(REPEATS))
    imported = statistics.median(run("import deltaform") for _ in range(REPEATS))
    return (imported - bare) * 1000


def derive_args(entry: dict) -> list:
    args = ["derive", entry["expr"], "--wrt", entry["wrt"]]
    for text in entry.get("lets", []):
        args += ["--let", text]
    for text in entry.get("assume", []):
        args += ["--assume", text]
    return args + ["--format", "json"]


def python_median(entry: dict) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        df.derive(entry["expr"], wrt=entry["wrt"], let=entry.get("lets", []), assume=entry.get("assume", []))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import warnings
    warnings.simplefilter("ignore")
    catalog = tomllib.loads((ROOT / "tests" / "catalog.toml").read_text())["entry"]
    print(f"import deltaform: {import_ms():.1f} ms over a bare interpreter start (median of {REPEATS})")
    ratios, rows = [], []
    for entry in catalog:
        rust = _deltaform.median_seconds(derive_args(entry), REPEATS)
        python = python_median(entry)
        ratios.append(python / rust)
        rows.append((entry["name"], rust * 1000, python * 1000, python / rust))
    print(f"{'entry':40} {'rust ms':>9} {'python ms':>10} {'ratio':>6}")
    for name, rust, python, ratio in rows:
        print(f"{name:40} {rust:9.3f} {python:10.3f} {ratio:6.2f}")
    print(f"df.derive over the catalog ({len(catalog)} entries): median ratio {statistics.median(ratios):.2f}, "
          f"max {max(ratios):.2f} (Python call / the same command inside Rust)")


if __name__ == "__main__":
    main()
