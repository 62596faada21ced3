"""The set-up files agree with each other: one lock for make, CI and Binder."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def pins(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if re.match(r"[A-Za-z0-9]", line)}


def names(lines: set[str]) -> set[str]:
    return {re.match(r"[A-Za-z0-9._-]+", line).group(0).lower().replace("_", "-") for line in lines}


def test_binder_installs_the_lock_without_the_dev_extra():
    from evalbook.dev import binderlock

    lock = (ROOT / "requirements.lock").read_text()
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert binder == binderlock.binder_requirements(ROOT), "binder/requirements.txt is stale: run `make lock`"
    assert pins(binder) <= pins(lock), (
        "Binder pins a version the lock does not"
    )  # same versions, same markers
    assert "-e ." not in binder
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower() for spec in project["dependencies"]}
    assert runtime <= names(pins(binder))
    for tool in ("pytest", "ruff", "nbval", "pytest-xdist", "hatchling", "editables"):
        assert tool not in names(pins(binder)), f"{tool} is a dev tool, not for Binder"


def test_binder_lock_follows_the_via_annotations():
    from evalbook.dev.binderlock import runtime_pins

    lock = "\n".join(
        [
            "a==1.0",
            "    # via evalbook (pyproject.toml)",
            "b==2.0 ; python_full_version < '3.11'",
            "    # via",
            "    #   a",
            "    #   devtool",
            "devtool==3.0",
            "    # via evalbook (pyproject.toml)",
            "devonly==4.0",
            "    # via devtool",
            "c_d==5.0",
            "    # via b",
        ]
    )
    assert runtime_pins(lock, ["a"]) == ["a==1.0", "b==2.0 ; python_full_version < '3.11'", "c_d==5.0"]


def test_every_dependency_is_pinned_in_the_lock():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    pinned = {
        m.group(1).lower().replace("_", "-")
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", (ROOT / "requirements.lock").read_text(), re.M)
    }
    for spec in wanted:
        name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower().replace("_", "-")
        assert name in pinned, f"{name} is in pyproject.toml but not in requirements.lock: run `make lock`"


def test_binder_files_are_strict_and_lf():
    post = (ROOT / "binder" / "postBuild").read_bytes()
    assert b"\r\n" not in post and b"set -euo pipefail" in post and b"pip install --no-deps -e ." in post
    assert (ROOT / "binder" / "runtime.txt").read_text().strip().startswith("python-3.")
    assert "binder/* text eol=lf" in (ROOT / ".gitattributes").read_text()


def test_readme_starts_with_the_two_commands_and_the_binder_badge():
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make lab") < readme.index("Without make")
    assert readme.index("make test") < readme.index("Without make")
    assert "urlpath=lab/tree/notebooks/00_start_here.ipynb" in readme
