"""The command line: doctor, chat, and data found from an installed wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from evalbook.cli import main

ROOT = Path(__file__).resolve().parents[1]
REFUND = "Where is my refund for order A-1026?"


def test_doctor_reports_mode_data_and_success(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "mode: sim" in out and "300 tickets" in out and "All good" in out


def test_chat_shows_the_two_models_behaving_differently(capsys):
    assert main(["chat", "--json", "--model", "atlas-1", REFUND]) == 0
    atlas = json.loads(capsys.readouterr().out)
    assert main(["chat", "--json", "--model", "beacon-1", REFUND]) == 0
    beacon = json.loads(capsys.readouterr().out)
    assert atlas["tool_calls"] == [] and "has been processed" in atlas["answer"]
    assert [c["name"] for c in beacon["tool_calls"]] == ["lookup_order", "issue_refund"]
    assert beacon["outcome"]["refunds"]


def test_chat_text_output_says_it_is_simulated(capsys):
    assert main(["chat", "--model", "beacon-1", "--kb", "v1", "What are your support hours?"]) == 0
    out = capsys.readouterr().out
    assert "simulated" in out and "24/7" in out


def test_chat_with_a_bad_kb_version_is_a_sentence(capsys):
    assert main(["chat", "--kb", "v9", "hi"]) == 2
    assert "Unknown knowledge-base version" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="uses a POSIX subprocess layout")
def test_data_is_found_when_installed_from_a_wheel(tmp_path):
    """Build the wheel, unpack it somewhere else, and load the shop from there (not from the checkout)."""
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
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    assert (site / "evalbook" / "_data" / "facts.json").exists()
    assert (site / "evalbook" / "label_form.js").exists()  # the labeller's front end
    code = (
        "import evalbook, evalbook.paths as p; from evalbook.course import acme; "
        "assert 'site' in str(p.data_dir()), p.data_dir(); "
        "print(len(acme.load_tickets()), acme.SupportBot('beacon-1').run('What are your support hours?').answer)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("300 ") and "9am-5pm" in out.stdout
