"""Run the lessons and solutions in live mode against `evalbook serve` and compare them with their sim outputs.

``python -m evalbook.dev.livetest notebooks solutions`` starts the simulator as a real HTTP server on a free
loopback port, points live mode at it (aliases mapped to themselves, a large budget, a scratch cache) and runs
strict nbval with ``tests/nbval_sanitize_live.cfg``, which hides only what names the mode. So every request of
every lesson goes through live mode's whole path (real HTTP, the live transport, cache, budget, retries) and must
give the same numbers as the simulator in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def main(argv: list[str] | None = None) -> int:
    from .. import config
    from ..sim.server import running

    paths = list(argv if argv is not None else sys.argv[1:]) or ["notebooks", "solutions"]
    with running(port=0) as server, tempfile.TemporaryDirectory() as cache:
        env = {
            **os.environ,
            "EVALBOOK_MODE": "live",
            "OPENAI_BASE_URL": server.url,
            "EVALBOOK_LIVE_MODELS": ",".join(f"{a}={a}" for a in config.ALIASES),
            "EVALBOOK_LIVE_BUDGET": "1000000",
            "EVALBOOK_CACHE_DIR": cache,
            "EVALBOOK_PROGRESS": "off",
            "PYTHONHASHSEED": "0",
            "EVALBOOK_LIVE_ESTIMATES": "off",  # the one thing only live mode prints; tested in tests/test_budget.py
        }
        env.pop("OPENAI_API_KEY", None)
        command = [
            sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadscope", "-q", "--nbval",
            "--nbval-sanitize-with", "tests/nbval_sanitize_live.cfg", "--nbval-cell-timeout", "300",
            "-p", "no:cacheprovider", *paths,
        ]  # fmt: skip
        print(f"live mode against {server.url}: {' '.join(paths)}", flush=True)
        return subprocess.call(command, env=env)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
