"""The ``evalbook`` command: ``doctor``, ``chat``, ``labs`` and ``serve``.

evalbook doctor
evalbook chat --model atlas-1 "Where is my refund for order A-1010?"
evalbook chat --model beacon-1 --kb v1 --json "What are your support hours?"
evalbook labs build [--check]
evalbook serve [--port 8765]
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys

from .errors import EvalbookError, learner_message, scrub_secrets


def _doctor(_args) -> int:
    import evalbook

    from .course import acme

    problems: list[str] = []
    print(f"evalbook {evalbook.__version__} on Python {platform.python_version()} ({platform.system()})")
    for name in (
        "openai",
        "pandas",
        "matplotlib",
        "ipywidgets",
        "anywidget",
        "jupyterlab",
        "sacrebleu",
        "rouge_score",
        "nltk",
        "sklearn",
        "scipy",
        "tqdm",
    ):
        try:
            module = importlib.import_module(name)
            print(f"  {name:<12} {getattr(module, '__version__', 'installed')}")
        except ImportError:
            print(f"  {name:<12} MISSING")
            problems.append(
                f"{name} is not installed: run `make setup` (or `pip install -r requirements.lock`)."
            )
    try:
        print(f"  {evalbook.describe()}")
        if evalbook.get_mode() == "live" and "key not set" in evalbook.describe():
            problems.append(
                "Live mode is on but no API key is set: export OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "server) before starting Jupyter, or unset EVALBOOK_MODE to use the simulator."
            )
    except EvalbookError as exc:
        problems.append(str(exc))
    try:
        from .paths import data_dir

        folder = data_dir()
        orders, tickets = acme.load_orders(), acme.load_tickets()
        print(
            f"  data: {len(orders)} orders, {len(tickets)} tickets, KB versions {', '.join(acme.KB_VERSIONS)} "
            f"(from {folder.name}/)"
        )
    except Exception as exc:  # report, don't crash: this command exists to diagnose
        problems.append(
            f"The shop's data could not be read ({learner_message(exc) or exc}). Reinstall evalbook."
        )
    from . import config

    print("  live-mode models: " + ", ".join(f"{a} -> {m}" for a, m in config.live_models().items()))
    try:
        trace = acme.SupportBot("beacon-1", client=evalbook.client("sim")).run("What are your support hours?")
        ok = bool(trace.answer) and not trace.error
        print(
            f"  simulator: {'working (beacon-1 answered a test question)' if ok else 'FAILED: ' + str(trace.error)}"
        )
        if not ok:
            problems.append(
                "The simulator did not answer. Reinstall evalbook and run `evalbook doctor` again."
            )
    except Exception as exc:
        problems.append(f"The simulator failed: {exc}")
    if problems:
        print("\nTo fix:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("\nAll good. Start with `make lab` (or `jupyter lab notebooks/00_start_here.ipynb`).")
    return 0


def _chat(args) -> int:
    import evalbook

    if args.mode:
        evalbook.set_mode(args.mode)
    from .course import acme

    bot = acme.SupportBot(model=args.model, kb_version=args.kb)
    trace = bot.run(" ".join(args.message))
    if args.json:
        print(trace.to_json())
    else:
        mode = evalbook.get_mode()
        note = " (simulated model: no real LLM was called)" if mode == "sim" else ""
        print(f"[{mode}] {args.model}{note}")
        print(trace.summary())
    return 1 if trace.error else 0


def _labs(args) -> int:
    from .dev import labs

    return labs.main([args.action] + (["--check"] if args.check else []))


def _serve(args) -> int:
    """The simulator as an OpenAI-compatible server on 127.0.0.1, for any tool that takes a base URL."""
    from .sim import server

    try:
        server.serve(args.port, log=not args.quiet)
    except OSError as exc:
        raise EvalbookError(
            f"Cannot serve on 127.0.0.1 port {args.port}: it is in use or not allowed ({exc.strerror or exc}). "
            "Choose another with --port, e.g. evalbook serve --port 8766 (--port 0 picks a free one)."
        ) from None
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="evalbook", description="Evaluate your LLM product, not the model.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("doctor", help="check the installation, the mode and the data; say what to fix")

    chat = sub.add_parser(
        "chat", help="send one customer message to Acme Assist and print the reply or trace"
    )
    chat.add_argument("message", nargs="+", help="the customer's message")
    chat.add_argument("--model", default="beacon-1", help="atlas-1, beacon-1 (sim) or a live alias")
    chat.add_argument("--kb", default="v2", help="knowledge-base version: v1 or v2 (current)")
    chat.add_argument("--json", action="store_true", help="print the whole Trace as JSON")
    chat.add_argument(
        "--mode", choices=("sim", "live", "replay"), help="override EVALBOOK_MODE for this call"
    )

    labs = sub.add_parser("labs", help="generate the student labs from the solutions")
    labs.add_argument("action", choices=("build",))
    labs.add_argument("--check", action="store_true", help="write nothing; fail if any lab is out of date")

    serve = sub.add_parser(
        "serve",
        help="serve the simulator as an OpenAI-compatible API on 127.0.0.1 (for curl, your app, live mode)",
    )
    serve.add_argument(
        "--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port); default 8765"
    )
    serve.add_argument("--quiet", action="store_true", help="do not log each request")

    args = parser.parse_args(argv)
    handler = {"doctor": _doctor, "chat": _chat, "labs": _labs, "serve": _serve}[args.command]
    try:
        return handler(args)
    except EvalbookError as exc:
        print(f"evalbook: {scrub_secrets(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
