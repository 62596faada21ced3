"""Generate ``golden/acme-support-1.0.0.jsonl`` and ``golden/acme-support-1.1.0.jsonl``: Acme's golden set.

Lesson 04 builds the set step by step; this script runs the same functions
(``evalbook.course.acme.golden.build_golden`` and ``revise_golden``) in the offline simulator, always, whatever
``EVALBOOK_MODE`` says:

1. a pairwise design of 72 tuples over persona, intent, order state, channel and difficulty (seed 1);
2. one customer message per tuple from the simulated generator model (``atlas-1``);
3. the filters for off-brand text, leaked labels, ignored tuples and near-duplicates;
4. a stratified sample of 15 conversations per triage stratum from ``atlas-1`` answering every ticket (seed 4);
5. answer keys from the policy oracle (``facts.json`` and the order records, KB v2);
6. train/dev/test splits per source and intent, near-duplicates kept together (seed 4).

Version 1.1.0 applies a reviewer's label fix and adds prompt-injection cases. Everything is deterministic, so
running it again rewrites the same bytes::

    python data/generators/golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path


def build_golden_files(out_dir) -> list[Path]:
    """Write both versions into ``out_dir/golden/`` and return their paths."""
    import evalbook
    from evalbook.course.acme import golden

    sim = evalbook.client("sim")
    first = golden.build_golden(client=sim)
    second = golden.revise_golden(first)
    folder = Path(out_dir) / "golden"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for version in (first, second):
        path = folder / f"{version.name}-{version.version}.jsonl"
        path.write_text(version.to_jsonl(), encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    for written in build_golden_files(target):
        print(f"Wrote {written.parent.name}/{written.name}")
