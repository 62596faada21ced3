"""Every lesson is priced before it runs live: a LIVE_SAMPLE switch, and an estimate before each heavy batch.

The estimate itself is tested against a budget in tests/test_budget.py; this test makes sure no lesson (and no
new lesson copied from them) sends a batch without saying so first.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LIGHT = {"00_start_here.ipynb"}  # a handful of single requests, no batch


def _code_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_each_batch_is_announced_and_the_lesson_has_a_live_sample_switch(path):
    cells = _code_cells(path)
    batches = [c for c in cells if "run_batch(" in c]
    if path.name in LIGHT:
        assert not batches
        return
    assert any("LIVE_SAMPLE = False" in c for c in cells), "the lesson needs its LIVE_SAMPLE switch"
    for cell in batches:
        assert "budget.plan_requests(" in cell, f"a batch without a live estimate:\n{cell[:300]}"
        assert cell.index("budget.plan_requests(") < cell.index("run_batch("), "announce before sending"
