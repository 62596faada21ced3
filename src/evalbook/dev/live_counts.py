"""Measure how many requests and tokens each notebook sends, at full size and with ``LIVE_SAMPLE = True``.

``python -m evalbook.dev.live_counts notebooks/01_model_vs_product_evals.ipynb ...`` runs each notebook twice in
sim mode (in a scratch copy: nothing is written back), counting every chat completion the simulator answers and
its token usage. The second run turns the lesson's ``LIVE_SAMPLE`` switch on and lets :func:`evalbook.budget.
live_sample` sample as it would in live mode. The numbers go into ``docs/live.md``; the simulator's token counts
are approximate (words and punctuation), so real bills differ by a few percent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .notebooks import read_notebook

_COUNTER = """
import evalbook.sim.engine as _engine
_counts = {}
_answer = _engine.chat_completion
def _counted(body):
    status, payload, headers = _answer(body)
    if status == 200:
        row = _counts.setdefault(body["model"], {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0})
        row["requests"] += 1
        row["prompt_tokens"] += payload["usage"]["prompt_tokens"]
        row["completion_tokens"] += payload["usage"]["completion_tokens"]
    return status, payload, headers
_engine.chat_completion = _counted
"""


def count(path: Path, sample: bool) -> dict:
    nb = read_notebook(path)
    cells = list(nb.cells)
    if sample:
        for cell in cells:
            if cell.cell_type == "code" and "LIVE_SAMPLE = False" in cell.source:
                cell.source = cell.source.replace("LIVE_SAMPLE = False", "LIVE_SAMPLE = True")
    nb.cells = [nbformat.v4.new_code_cell(_COUNTER), *cells, nbformat.v4.new_code_cell("print(_counts)")]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / path.parent.name
        shutil.copytree(path.parent, work)
        env = {
            "EVALBOOK_MODE": "sim",
            "EVALBOOK_PROGRESS": "off",
            "EVALBOOK_MEASURE_LIVE_SAMPLE": "1" if sample else "0",
        }
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            NotebookClient(
                nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
            ).execute()
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return json.loads(text.strip().replace("'", '"'))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evalbook.dev.live_counts", description=__doc__.splitlines()[0]
    )
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    from ..budget import estimate_cost

    print("| notebook | size | requests | prompt tokens | completion tokens | cost at the assumed prices |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in args.paths:
        path = Path(name)
        for size, sample in (("full", False), ("LIVE_SAMPLE", True)):
            per_model = count(path, sample)
            total = {
                k: sum(m[k] for m in per_model.values())
                for k in ("requests", "prompt_tokens", "completion_tokens")
            }
            cost = sum(
                estimate_cost(m["prompt_tokens"], m["completion_tokens"], model) or 0
                for model, m in per_model.items()
            )
            print(
                f"| {path.name} | {size} | {total['requests']:,} | {total['prompt_tokens']:,} | "
                f"{total['completion_tokens']:,} | ${cost:,.2f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
