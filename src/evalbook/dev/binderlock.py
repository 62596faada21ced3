"""Binder's lock: requirements.lock without the dev extra, same versions.

``python -m evalbook.dev.binderlock`` writes ``binder/requirements.txt`` from ``requirements.lock``: the pins of
the packages that evalbook's own dependencies (``[project] dependencies`` in pyproject.toml) need, and nothing the
dev extra alone brings in (pytest, ruff, nbval, pytest-xdist, hatchling ...). It reads the lock's ``# via``
annotations (which uv writes for every pin): a pin is kept when one of the packages it is there for is kept,
starting from the project's dependencies. No package index is asked, so the versions are the lock's, byte for
byte. ``--check`` fails, without writing, when the file is stale. ``make lock`` runs it after regenerating the lock.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEADER = (
    "# Generated from requirements.lock by `make lock` (python -m evalbook.dev.binderlock): the pins that evalbook's\n"
    "# own dependencies need, without the dev extra; the same versions as the lock. Do not edit.\n"
)
PROJECT = "evalbook (pyproject.toml)"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_dependencies(pyproject: str) -> list[str]:
    """The names in ``[project] dependencies`` (a small reader: tomllib needs Python 3.11)."""
    match = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", pyproject, re.M | re.S)
    if match is None:
        raise SystemExit("pyproject.toml has no [project] dependencies list.")
    specs = re.findall(r'^\s*"([^"]+)"', match.group(1), re.M)
    return [canonical(re.match(r"[A-Za-z0-9._-]+", spec).group(0)) for spec in specs]


def parse_lock(text: str) -> list[tuple[str, str, set[str]]]:
    """Each pin of a uv lock as (name, its line, the names it is there for)."""
    pins: list[tuple[str, str, set[str]]] = []
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            pins.append((canonical(match.group(1)), line.rstrip(), set()))
            continue
        via = re.match(r"^\s+#\s+(?:via\s+)?(.+)$", line)
        if pins and via and via.group(1).strip() != "via":
            parent = via.group(1).strip()
            pins[-1][2].add(parent if parent == PROJECT else canonical(parent.split(" ")[0]))
    return pins


def runtime_pins(lock: str, roots: list[str]) -> list[str]:
    """The lock's lines needed by ``roots``, in the lock's order."""
    pins = parse_lock(lock)
    missing = sorted(set(roots) - {name for name, _, _ in pins})
    if missing:
        raise SystemExit(f"requirements.lock has no pin for {', '.join(missing)}: run `make lock`.")
    kept = set(roots)
    while True:
        more = {name for name, _, parents in pins if name not in kept and parents & kept}
        if not more:
            break
        kept |= more
    return [line for name, line, _ in pins if name in kept]


def binder_requirements(root: Path = ROOT) -> str:
    lock = (root / "requirements.lock").read_text(encoding="utf-8")
    roots = project_dependencies((root / "pyproject.toml").read_text(encoding="utf-8"))
    return HEADER + "\n".join(runtime_pins(lock, roots)) + "\n"


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evalbook.dev.binderlock", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="fail if binder/requirements.txt is stale")
    args = parser.parse_args(argv)
    target = root / "binder" / "requirements.txt"
    text = binder_requirements(root)
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(
                f"{target.relative_to(root)} is stale: run `python -m evalbook.dev.binderlock`.",
                file=sys.stderr,
            )
            return 1
        return 0
    target.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {target.relative_to(root)}: {text.count(chr(10)) - 2} pins")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
