"""Generate ``labels_03.csv``: the pre-labelled traces of lesson 03 (see ``data/README.labels.md``).

Lesson 03 collects about 100 traces: both simulated assistants, ``atlas-1`` and ``beacon-1``, answer the same
stratified sample of tickets (one in six of each scenario). Labelling 100 traces by hand takes an hour or two,
so the workbook ships labels for exactly those traces. They were *not* written by a person reading each trace:
the course authors wrote labelling rules (``evalbook.analysis.rule_label``) that read each trace and its
ticket and write a pass/fail verdict, a short open-coding note and a failure category, in the way the authors
would have labelled them by hand. This script runs the offline simulator (always, whatever ``EVALBOOK_MODE``
says), applies the rules and writes the file in a shuffled reading order, the order a labeller would meet the
traces in.

It is deterministic: the same sample (pandas sampling with ``SEED``), the same simulated conversations, the same
shuffle. Run it from the repository root to rewrite ``data/labels_03.csv``::

    python data/generators/labels.py
"""

from __future__ import annotations

import sys
from pathlib import Path

SEED = 1  # the sample of tickets and the reading order; lesson 03 uses the same value
SAMPLE_FRACTION = 1 / 6  # of each scenario's tickets
MODELS = ("atlas-1", "beacon-1")
LABELLER = "course-authors"
FILE_NAME = "labels_03.csv"


def labelled_traces():
    """The lesson's traces in reading order, with the rules' verdict, note and category (a DataFrame)."""
    import pandas as pd

    import evalbook
    from evalbook.course import acme

    tickets = acme.load_tickets()
    sample = tickets.groupby("scenario", group_keys=False).sample(frac=SAMPLE_FRACTION, random_state=SEED)
    sim = evalbook.client("sim")
    runs = [
        evalbook.run_batch(
            acme.SupportBot(model, client=sim).run, sample, input_column="message", progress=False
        )
        for model in MODELS
    ]
    traces = pd.concat(runs, ignore_index=True)
    traces["trace_id"] = traces["ticket_id"] + "/" + traces["model"]
    traces = traces.sample(frac=1, random_state=SEED).reset_index(drop=True)  # the reading order
    labels = pd.DataFrame(
        [acme.rule_label(row["trace"], row) for _, row in traces.iterrows()], index=traces.index
    )
    return pd.concat([traces, labels], axis=1)


def build_labels(out_dir) -> Path:
    """Write ``labels_03.csv`` into ``out_dir`` (UTF-8, LF line endings, byte-stable) and return its path."""
    from evalbook.labels import LABEL_COLUMNS, save_labels

    table = labelled_traces()
    table["labeller"] = LABELLER
    out = Path(out_dir) / FILE_NAME
    save_labels(table[list(LABEL_COLUMNS)], out)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    path = build_labels(target)
    print(f"Wrote {path.parent.name}/{path.name}")
