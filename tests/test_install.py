"""Where learners arrive: an installed wheel outside the checkout, and Binder's build, each running the start notebook.

Both tests build a real environment, so they are the slowest in the suite (the Binder one installs Binder's lock,
without the dev tools, into a fresh virtual environment: about a minute here); they run in `make test` because a
green run that skips them would hide a missing install step.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "notebooks" / "00_start_here.ipynb"

# Runs a notebook with nbclient and prints where evalbook and its data were imported from.
RUNNER = textwrap.dedent(
    """
    import sys, nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(sys.argv[1], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import evalbook, evalbook.paths as p; print('FROM', evalbook.__file__); print('DATA', p.data_dir())"))
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=sys.argv[2])
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    print("ERRORS", len(errors))
    print(nb.cells[-1].outputs[0]["text"])
    """
)


def _run_start_notebook(python: str, workdir: Path, env: dict) -> str:
    notebook = workdir / "00_start_here.ipynb"
    shutil.copy(START, notebook)
    script = workdir / "run_notebook.py"
    script.write_text(RUNNER, encoding="utf-8")
    out = subprocess.run(
        [python, str(script), str(notebook), str(workdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out.stdout


def test_a_wheel_installed_outside_the_checkout_runs_the_start_notebook(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("evalbook-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    work = tmp_path / "learner"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "EVALBOOK_MODE": "sim", "EVALBOOK_PROGRESS": "off"}
    out = _run_start_notebook(sys.executable, work, env)
    assert "ERRORS 0" in out
    assert re.search(r"FROM .*site/evalbook/__init__\.py", out) and re.search(
        r"DATA .*site/evalbook/_data", out
    )


@pytest.mark.skipif(shutil.which("python3.11") is None, reason="binder/runtime.txt asks for Python 3.11")
def test_the_binder_build_installs_and_runs_the_start_notebook(tmp_path):
    """What repo2docker does: the runtime's Python, `pip install -r binder/requirements.txt`, then postBuild."""
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info"))
    venv = tmp_path / "binder-env"
    subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=repo, env=env, check=True, timeout=900)
    subprocess.run(["bash", "binder/postBuild"], cwd=repo, env=env, check=True, timeout=300)
    # binder/requirements.txt pins everything that gets installed: pip fetched nothing unpinned
    frozen = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pinned: dict[str, set[str]] = {}  # a name can have one pin per Python version (environment markers)
    for m in re.finditer(
        r"^([A-Za-z0-9_.-]+)==([^ ;\n]+)", (repo / "binder" / "requirements.txt").read_text(), re.M
    ):
        pinned.setdefault(m.group(1).lower().replace("_", "-"), set()).add(m.group(2))
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        name = name.lower().replace("_", "-")
        if name not in ("pip", "setuptools", "wheel", "evalbook"):
            assert version in pinned.get(name, ()), (
                f"{name}=={version} was installed but Binder pins {pinned.get(name)}"
            )
    work = tmp_path / "learner"
    work.mkdir()
    out = _run_start_notebook(python, work, {**env, "EVALBOOK_MODE": "sim", "EVALBOOK_PROGRESS": "off"})
    assert "ERRORS 0" in out and "FROM " + str(repo / "src" / "evalbook") in out
