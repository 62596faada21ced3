"""Drive a real JupyterLab from Playwright: start the server, open a notebook, "Restart Kernel and Run All", read
back what the learner would see.

The server runs on 127.0.0.1 with a random token, on a copy of the workbook in a temporary folder, with its own
Jupyter config, settings, workspaces and runtime folders there too, so nothing a notebook writes (a label CSV, a
scratch file) and nothing JupyterLab writes (workspaces, checkpoints) lands in the repository or in the user's
Jupyter set-up. It runs with ``expose_app_in_browser`` so the test can read the notebook model (outputs, the dirty
flag, the kernel's state) next to the page.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the server serves: the notebooks and what their relative links point at.
COPIED = ("notebooks", "solutions", "labs", "data")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# JupyterLab settings for the test's own settings folder: no news or update pop-ups (they would cover outputs
# and ask the network), nothing else changed from what a learner gets.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
NEEDS = """\
make e2e drives JupyterLab in a real Chromium. Missing: {missing}.
  - Chromium: on Debian or Ubuntu, `sudo apt-get install -y chromium` (looked for on PATH as {names});
    anywhere else, set EVALBOOK_E2E_CHROMIUM to a Chrome or Chromium executable. Playwright's own browser
    download (`playwright install`) is not needed.
  - Playwright's Python package in .venv: `make e2e` installs it from e2e/requirements.txt
    (by hand: .venv/bin/python -m pip install -r e2e/requirements.txt).
`make test` needs neither."""


def find_chromium() -> str | None:
    configured = os.environ.get("EVALBOOK_E2E_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_requirements() -> list[str]:
    """What the test cannot run without, as phrases for :data:`NEEDS` (empty when all is there)."""
    missing = []
    if find_chromium() is None:
        configured = os.environ.get("EVALBOOK_E2E_CHROMIUM")
        missing.append(
            f"EVALBOOK_E2E_CHROMIUM={configured} is not a file" if configured else "a Chromium executable"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    return missing


def needs_message(missing: list[str]) -> str:
    return NEEDS.format(names=", ".join(CHROMIUM_CANDIDATES), missing="; ".join(missing))


def copy_workbook(target: Path) -> Path:
    """Copy what the server serves into ``target`` (created), and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running JupyterLab: ``url(path)`` is a notebook's address, with the token."""

    base: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def url(self, path: str) -> str:
        # ?reset: start from an empty layout, not the tabs the previous test left open in the workspace
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"

    def api(self, method: str, path: str):
        request = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(root: Path, state: Path, env: dict[str, str], timeout: float = 90) -> Server:
    """Start JupyterLab serving ``root``; its config, settings, workspaces, runtime files and temporary files
    go under ``state``. ``env`` is added to the server's (and so the kernels') environment."""
    settings = state / "settings"
    for name, value in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    folders = {
        "JUPYTER_CONFIG_DIR": state / "config",
        "JUPYTER_RUNTIME_DIR": state / "runtime",
        "JUPYTERLAB_WORKSPACES_DIR": state / "workspaces",
        "IPYTHONDIR": state / "ipython",
        "TMPDIR": state / "tmp",  # tempfile.mkdtemp() in a lesson
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(24)
    port = _free_port()
    full_env = {
        **os.environ,
        **{key: str(value) for key, value in folders.items()},
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "EVALBOOK_CACHE_DIR": str(state / "cache"),
        **env,
    }
    full_env.pop("JUPYTER_PATH", None)
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
    ]
    # Containers and CI run as root, which JupyterLab refuses unless told.
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    log = state / "jupyterlab.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    server = Server(base=f"http://127.0.0.1:{port}", token=token, root=root, log=log, process=process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            server.api("GET", "/api/status")
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"JupyterLab did not start in {timeout:g} s:\n{log.read_text()[-3000:]}"
                ) from None
            time.sleep(0.2)


# --- the page ------------------------------------------------------------------------------------------------

# Counts progress bars (ipywidgets FloatProgress, as tqdm.auto shows them) as they are attached to the page:
# evalbook's bars close themselves when a batch is done (leave=False), so they cannot be looked for afterwards.
INIT_SCRIPT = """
window.__e2e = { progressBars: 0 };
const seen = new WeakSet();
new MutationObserver((mutations) => {
  for (const m of mutations) {
    for (const node of m.addedNodes) {
      if (!(node instanceof Element)) continue;
      const bars = node.matches('.widget-hprogress') ? [node] : [...node.querySelectorAll('.widget-hprogress')];
      for (const bar of bars) {
        if (!seen.has(bar)) { seen.add(bar); window.__e2e.progressBars += 1; }
      }
    }
  }
}).observe(document, { childList: true, subtree: true });
"""

# Every JS call starts from the notebook panel of `path`.
_PANEL = """
const app = window.jupyterapp;
const panel = app && [...app.shell.widgets('main')].find((w) => w.context && w.context.path === path);
"""

_READY = (
    "(path) => {"
    + _PANEL
    + """
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return Boolean(panel && panel.context.isReady && kernel && kernel.status === 'idle' && panel.content.widgets.length);
}"""
)

_KERNEL_INFO = (
    "async (path) => {"
    + _PANEL
    + """
  await panel.sessionContext.ready;
  await panel.sessionContext.session.kernel.info;
  await panel.sessionContext.session.kernel.spec;
}"""
)

_STATE = (
    "(path) => {"
    + _PANEL
    + """
  const tab = [...document.querySelectorAll('.lm-DockPanel-tabBar .lm-TabBar-tab')].find(
    (t) => t.classList.contains('jp-mod-current'));
  const heading = panel.node.querySelector('.jp-RenderedMarkdown h1');
  return {
    dirty: panel.context.model.dirty,
    tabDirty: Boolean(tab && tab.classList.contains('jp-mod-dirty')),
    tabLabel: tab ? tab.querySelector('.lm-TabBar-tabLabel').textContent : null,
    tabTooltip: tab ? (tab.title || tab.querySelector('.lm-TabBar-tabLabel').title || '') : null,
    documentTitle: document.title,
    heading: heading ? heading.textContent.replace(/¶$/, '').trim() : null,
    metadata: panel.context.model.sharedModel.getMetadata(),
  };
}"""
)

_RUNNING = (
    "(path) => {"
    + _PANEL
    + """
  return [...panel.node.querySelectorAll('.jp-InputPrompt')].some((p) => p.textContent.includes('*'));
}"""
)

_DONE = (
    "(path) => {"
    + _PANEL
    + """
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const running = [...panel.node.querySelectorAll('.jp-InputPrompt')].some((p) => p.textContent.includes('*'));
  return !running && kernel && kernel.status === 'idle';
}"""
)

_LOADING = (
    "(path) => {"
    + _PANEL
    + """
  return [...panel.node.querySelectorAll('.jp-OutputArea-output')].some(
    (o) => o.textContent.startsWith('Loading widget'));
}"""
)

# Each code cell's outputs in the model, each paired with what the page shows for it.
_OUTPUTS = (
    "(path) => {"
    + _PANEL
    + """
  const WIDGET = 'application/vnd.jupyter.widget-view+json';
  const cells = [];
  panel.content.widgets.forEach((cell, index) => {
    cell.node.setAttribute('data-e2e-cell', String(index));
    if (cell.model.type !== 'code') return;
    const children = cell.outputArea ? cell.outputArea.widgets : [];
    const outputs = cell.model.outputs.toJSON().map((out, j) => {
      const child = children[j] && children[j].node;
      const node = child && (child.querySelector('.jp-OutputArea-output') || child);
      const img = node && node.querySelector('img');
      const data = out.data || {};
      return {
        type: out.output_type,
        name: out.name || null,
        text: (Array.isArray(out.text) ? out.text.join('') : out.text || '').slice(0, 500),
        ename: out.ename || null,
        evalue: out.evalue || null,
        mimes: Object.keys(data),
        plain: String(Array.isArray(data['text/plain']) ? data['text/plain'].join('') : data['text/plain'] || ''),
        dom: node ? {
          mime: node.getAttribute('data-mime-type'),
          text: node.textContent.slice(0, 300),
          widget: Boolean(node.querySelector('.jupyter-widgets')),
          image: Boolean(img && img.complete && img.naturalWidth > 0),
        } : null,
      };
    });
    cells.push({
      index,
      source: cell.model.sharedModel.getSource().split('\\n')[0].slice(0, 80),
      code: cell.model.sharedModel.getSource(),
      count: cell.model.executionCount,
      empty: !cell.model.sharedModel.getSource().trim(),
      outputs,
      widgetOutputs: outputs.filter((o) => o.mimes.includes(WIDGET)).length,
    });
  });
  return cells;
}"""
)


# Console errors that are JupyterLab's own and that a learner never sees. Each needs its reason.
IGNORED_CONSOLE_ERRORS = [
    # The debugger side panel asks a newly started kernel for its state; "Restart Kernel" while that question is
    # in flight cancels it, and JupyterLab logs the cancellation (nothing is shown, the debugger still works).
    re.compile(r"^Could not restore the debugger state: Canceled future for debug_request"),
]


class NotebookPage:
    """One notebook open in JupyterLab in its own browser page, with the page's console errors collected."""

    def __init__(self, page, server: Server, path: str):
        self.page = page
        self.server = server
        self.path = path
        self.console_errors: list[str] = []
        self.ignored_console_errors: list[str] = []
        self.phase = "opening"  # named in each console error: when in the test it came
        self.runs = 0
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(f"page error ({self.phase}): {error}"))

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        text = f"console error ({self.phase}): {message.text}"
        if any(pattern.search(message.text) for pattern in IGNORED_CONSOLE_ERRORS):
            self.ignored_console_errors.append(text)
        else:
            self.console_errors.append(text)

    # -- opening --------------------------------------------------------------------------------------------
    def open(self, timeout: float = 120) -> None:
        self.page.add_init_script(INIT_SCRIPT)
        self.page.goto(self.server.url(self.path))
        self.page.wait_for_function(_READY, arg=self.path, timeout=timeout * 1000, polling=100)
        self.page.evaluate(_KERNEL_INFO, self.path)

    def state(self) -> dict:
        return self.page.evaluate(_STATE, self.path)

    def dirty_within(self, seconds: float = 2.0) -> bool:
        """Whether the notebook becomes unsaved ("dirty") within ``seconds`` of its kernel being ready, untouched."""
        deadline = time.monotonic() + seconds
        while True:
            state = self.state()
            if state["dirty"] or state["tabDirty"]:
                return True
            if time.monotonic() > deadline:
                return False
            self.page.wait_for_timeout(200)

    # -- running --------------------------------------------------------------------------------------------
    def restart_and_run_all(self, timeout: float = 300) -> None:
        """Kernel menu, "Restart Kernel and Run All Cells…", confirm; wait until every cell has run."""
        page = self.page
        self.runs += 1
        self.phase = f"restart and run all #{self.runs}"
        page.locator(".lm-MenuBar-item", has_text="Kernel").click()
        page.get_by_role("menuitem", name="Restart Kernel and Run All Cells…").click()
        page.locator(".jp-Dialog .jp-mod-accept").click()
        # Run All marks every queued cell [*] at once, and the last one keeps it until the notebook is done.
        page.wait_for_function(_RUNNING, arg=self.path, timeout=60_000, polling=50)
        page.wait_for_function(_DONE, arg=self.path, timeout=timeout * 1000, polling=200)
        self.phase = f"after run #{self.runs}"

    def wait_for_widgets(self, timeout: float = 30) -> bool:
        """Wait until no output still says "Loading widget..."; False if one still does after ``timeout``."""
        try:
            self.page.wait_for_function(
                f"(path) => !({_LOADING})(path)", arg=self.path, timeout=timeout * 1000, polling=200
            )
            return True
        except Exception:
            return False

    def cells(self) -> list[dict]:
        return self.page.evaluate(_OUTPUTS, self.path)

    def progress_bars_seen(self) -> int:
        return self.page.evaluate("() => window.__e2e.progressBars")

    def cell(self, index: int):
        """The locator of cell ``index`` (call :meth:`cells` first: it marks the cells)."""
        return self.page.locator(f'[data-e2e-cell="{index}"]')

    def show_first_problem(self, cells: list[dict]) -> None:
        """Scroll the first cell with an error output into view, for the screenshot."""
        for cell in cells:
            if any(out["type"] == "error" for out in cell["outputs"]):
                self.cell(cell["index"]).scroll_into_view_if_needed()
                return


# What JupyterLab's widget renderer shows in place of a widget it could not (yet) display.
WIDGET_FAILED = ("Loading widget", "Error displaying widget")


def problems(cells: list[dict]) -> list[str]:
    """What is wrong in the outputs a run left: errors, stderr, plots that are not images, widgets that did not
    render, code cells that did not run. Each problem names the cell (1-based, as in the notebook)."""
    found = []
    for cell in cells:
        where = f"cell {cell['index'] + 1} ({cell['source']!r})"
        if not cell["empty"] and cell["count"] is None:
            found.append(f"{where} did not run")
        for out in cell["outputs"]:
            dom = out["dom"]
            if out["type"] == "error":
                found.append(f"{where} raised {out['ename']}: {out['evalue']}")
            elif out["type"] == "stream" and out["name"] == "stderr":
                found.append(f"{where} wrote to stderr: {out['text'][:300]!r}")
            elif "application/vnd.jupyter.widget-view+json" in out["mimes"]:
                # A widget that closed itself (a finished progress bar) leaves an empty output: that is fine.
                closed = dom is not None and not dom["text"].strip() and not dom["widget"]
                if dom is None or not (dom["widget"] or closed) or dom["text"].startswith(WIDGET_FAILED):
                    found.append(
                        f"{where}: a widget did not render (the page shows {dom and dom['text'][:120]!r})"
                    )
            elif "image/png" in out["mimes"]:
                if dom is None or not dom["image"]:
                    found.append(f"{where}: a plot is not shown as an image")
            elif out["plain"].startswith("<Figure size") and "image/png" not in out["mimes"]:
                found.append(f"{where}: a figure came out as text ({out['plain'][:60]!r}), not as an image")
    return found
