"""The set-up files agree with each other: one lock for make, CI and Binder."""

from __future__ import annotations

import re
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_binder_installs_exactly_the_lock():
    lock = (ROOT / "requirements.lock").read_text()
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert binder.split("\n", 1)[1] == lock, "binder/requirements.txt is stale: run `make lock`"
    assert "-e ." not in binder


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
