"""Generate ``judge_labels_06.csv``: the course authors' labels for lesson 06's judge criterion.

Lesson 06 judges whether every claim in a reply is supported by the trace. To measure a judge, a team needs
labels it trusts for the same criterion. This script makes them for ``atlas-1``'s conversation with every case of
Acme's golden set (version 1.1.0, lesson 04), in the offline simulator (always, whatever ``EVALBOOK_MODE`` says),
with the labelling rules of ``evalbook.course.acme.judging.label``: rules that read each trace and the shop's
records the way a careful labeller with the back office open would. No person read these traces one by one; they
are the course authors' labels in the fictional world, not a finding about any real model.

Each row keeps the golden case's ``split``, so that the few-shot examples come from ``train``, the judge is tuned
on ``dev``, and lesson 07 calibrates on ``test``. There are two label columns, one per rubric version
(``acme.judging.RUBRIC``): 2.0 also fails unbacked promises of follow-up, which the authors added after labelling
the dev split (criteria drift). The simulator is deterministic, so running this again gives the same bytes::

    python data/generators/judge_labels.py
"""

from __future__ import annotations

import sys
from pathlib import Path

SEED = 0  # the simulator's seed parameter is not used: every conversation is the golden case's default one
GOLDEN_VERSION = "1.1.0"
LABELLER = "course-authors"


def labelled():
    """The labels as a DataFrame: ``id``, ``split``, ``label_v1``, ``label_v2``, ``note``, ``labeller``."""
    import pandas as pd

    import evalbook
    from evalbook.course import acme
    from evalbook.course.acme import judging

    cases = acme.load_golden(GOLDEN_VERSION).frame()
    sim = evalbook.client("sim")
    runs = evalbook.run_batch(
        acme.SupportBot(judging.JUDGED_MODEL, client=sim).run, cases, input_column="message", progress=False
    )
    rows = []
    for _, row in runs.iterrows():
        v1, v2 = judging.label(row["trace"], "1.0"), judging.label(row["trace"], "2.0")
        rows.append(
            {
                "id": row["id"],
                "split": row["split"],
                "label_v1": v1["label"],
                "label_v2": v2["label"],
                "note": v2["note"],
                "labeller": LABELLER,
            }
        )
    return pd.DataFrame(rows)


def build(out_dir) -> Path:
    """Write ``judge_labels_06.csv`` into ``out_dir`` (UTF-8, LF line endings) and return its path."""
    from evalbook.course.acme.judging import LABELS_FILE

    out = Path(out_dir) / LABELS_FILE
    out.write_bytes(labelled().to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    path = build(target)
    print(f"Wrote {path.parent.name}/{path.name}")
