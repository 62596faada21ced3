"""Fixtures of the end-to-end test: one JupyterLab and one headless Chromium per pytest worker.

Run it with `make e2e` (two workers: two notebooks at a time). Each worker serves its own copy of the workbook from
a temporary folder, so the learners' files the notebooks write (label CSVs, scratch files) never land in the
repository; the session checks at the end that `git status` is what it was. A failed test leaves a screenshot of
the page, and the worker's JupyterLab log, in e2e/screenshots/ (ignored by git); EVALBOOK_E2E_SCREENSHOTS=all
keeps one of every test.
"""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
from labdriver import (
    ROOT,
    NotebookPage,
    copy_workbook,
    find_chromium,
    missing_requirements,
    needs_message,
    start_server,
)

SHOTS = ROOT / "e2e" / "screenshots"
# What the kernels run with: the simulator, progress bars on (they must render as widgets in the browser) and
# the hash seed of `make notebooks`.
KERNEL_ENV = {"EVALBOOK_MODE": "sim", "EVALBOOK_PROGRESS": "on", "PYTHONHASHSEED": "0"}
VIEWPORT = {"width": 1400, "height": 1000}
# Filled in the controller: the repository's state before the run, and each test's time as workers report it.
SUMMARY: dict = {"git_status": None, "started": 0.0, "times": [], "ignored": []}


def pytest_configure(config):
    missing = missing_requirements()
    if missing:
        raise pytest.UsageError(needs_message(missing))
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        SUMMARY.update(git_status=_git_status(), started=time.monotonic())


def _git_status() -> str | None:
    """``git status`` with ignored files too (a learner's my_labels_*.csv is ignored), less what the test itself
    may leave: its screenshots and Python's bytecode caches."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    skip = ("__pycache__/", ".pyc", "e2e/screenshots/", ".venv/", ".ruff_cache/", ".pytest_cache/")
    return "".join(line + "\n" for line in out.splitlines() if not any(part in line for part in skip))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_runtest_logreport(report):
    props = dict(report.user_properties)
    if report.when == "teardown" and "seconds" in props:  # recorded by open_notebook's teardown
        name = report.nodeid.split("::", 1)[1]
        SUMMARY["times"].append((name, props["seconds"], props["outcome"]))
        SUMMARY["ignored"] += [f"{name}: {text}" for text in props.get("ignored", [])]


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput") or SUMMARY["git_status"] is None:
        return
    after = _git_status()
    if after != SUMMARY["git_status"]:
        SUMMARY["changed"] = after
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput"):
        return
    times = SUMMARY["times"]
    if times:
        terminalreporter.section("seconds per test (open, restart and run all, checks)")
        for name, seconds, outcome in sorted(times, key=lambda t: -t[1]):
            terminalreporter.write_line(f"{seconds:7.1f} s  {outcome:7}  {name}")
        terminalreporter.write_line(
            f"{sum(t[1] for t in times):7.1f} s  in all; wall time "
            f"{time.monotonic() - SUMMARY['started']:.1f} s"
        )
    if SUMMARY["ignored"]:
        terminalreporter.section(
            "JupyterLab's own console errors, not counted (labdriver.IGNORED_CONSOLE_ERRORS)"
        )
        for line in SUMMARY["ignored"]:
            terminalreporter.write_line(line[:300])
    if "changed" in SUMMARY:
        terminalreporter.write_line(
            "FAILED: the end-to-end test changed the repository (it must write only to its temporary copy); "
            "git status is now:\n" + SUMMARY["changed"],
            red=True,
        )


@pytest.fixture(scope="session")
def server(tmp_path_factory, worker_id):
    state = tmp_path_factory.mktemp("jupyter")
    root = copy_workbook(tmp_path_factory.mktemp("workbook"))
    lab = start_server(root, state, KERNEL_ENV)
    yield lab
    lab.stop()
    if any(SHOTS.glob(f"*{worker_id}*")) or os.environ.get("EVALBOOK_E2E_KEEP_LOG"):
        SHOTS.mkdir(exist_ok=True)
        (SHOTS / f"jupyterlab-{worker_id}.log").write_text(
            lab.log.read_text(encoding="utf-8"), encoding="utf-8"
        )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=find_chromium(), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_notebook(request, server, browser, worker_id, record_property):
    """``open_notebook(path)`` opens a notebook of the served copy in a fresh page; the test's time is recorded,
    and a failed test leaves a screenshot."""
    pages: list[NotebookPage] = []
    started = time.monotonic()

    def open_(path: str) -> NotebookPage:
        context = browser.new_context(viewport=VIEWPORT)
        notebook = NotebookPage(context.new_page(), server, path)
        pages.append(notebook)
        notebook.open()
        return notebook

    yield open_
    report = getattr(request.node, "rep_call", None)
    record_property("seconds", round(time.monotonic() - started, 1))
    record_property("outcome", report.outcome if report is not None else "error")
    record_property("ignored", [text for notebook in pages for text in notebook.ignored_console_errors])
    for number, notebook in enumerate(pages):
        if (report is not None and report.failed) or os.environ.get("EVALBOOK_E2E_SCREENSHOTS") == "all":
            SHOTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
            try:
                notebook.page.screenshot(path=str(SHOTS / f"{name}-{number}-{worker_id}.png"))
            except Exception as exc:  # a page that crashed cannot be photographed; say so and go on
                print(f"no screenshot of {notebook.path}: {exc}")
        notebook.page.context.close()
    server.shutdown_kernels()
