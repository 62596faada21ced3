"""Regenerate every generated file in data/ from facts.json and fixed seeds.

    python data/make_data.py

The committed files must equal what this script writes (a test checks it), so edit facts.json or a generator,
run this, and commit the result together.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generators.shop import build_shop  # noqa: E402


def main(out_dir: Path = HERE) -> None:
    build_shop(out_dir)
    from generators.benchmark import build_benchmark
    from generators.claims import build_claims
    from generators.golden import build_golden_files
    from generators.judge_labels import build as build_judge_labels
    from generators.labels import build_labels

    build_benchmark(out_dir)
    build_claims(out_dir)
    build_labels(out_dir)  # runs the simulated assistants, so it reads the shop data written above
    build_golden_files(out_dir)  # runs the simulated generator and assistant too
    build_judge_labels(out_dir)  # labels atlas-1 on the golden set just written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
