"""Is the judge-corrected rate quick enough to recompute in a notebook cell? (make bench)

One ratio, in one run: ``evalbook.stats.corrected_failure_rate`` / ``judgy.estimate_success_rate``, both at
20,000 bootstrap rounds on the same data (100 labelled cases, 1,000 judged), median of several runs taken in
turns. judgy loops over the rounds in Python; evalbook draws them as one array. Target: at most 1 (no slower than
the reference it is tested against). Both are run with the observed rate held fixed, judgy's way, so they do the
same work. The absolute times are printed beside the ratio; they vary with the machine, the ratio less so.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

RUNS, ROUNDS, TARGET = 5, 20_000, 1.0


def main() -> int:
    import judgy

    from evalbook import stats

    rng = np.random.default_rng(0)
    truth = rng.random(100) < 0.3
    flagged = np.where(truth, rng.random(100) < 0.85, rng.random(100) < 0.1)
    judged = rng.random(1000) < 0.3

    def ours():
        stats.corrected_failure_rate(
            truth_failed=truth,
            flagged_failed=flagged,
            unlabelled_flagged_failed=judged,
            method="bootstrap",
            n_draws=ROUNDS,
            resample_unlabelled=False,
        )

    def theirs():
        judgy.estimate_success_rate(
            (~truth).astype(int), (~flagged).astype(int), (~judged).astype(int), bootstrap_iterations=ROUNDS
        )

    times = {"evalbook": [], "judgy": []}
    for _ in range(RUNS):
        for name, fn in (("evalbook", ours), ("judgy", theirs)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    a, b = statistics.median(times["evalbook"]), statistics.median(times["judgy"])
    ratio = a / b
    print(
        f"corrected rate, {ROUNDS:,} rounds: evalbook {a * 1000:.0f} ms / judgy {b * 1000:.0f} ms = {ratio:.2f} "
        f"(target at most {TARGET})"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
