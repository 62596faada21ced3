"""The install block at the top of every notebook, from one template and one install source.

On Colab evalbook is not installed, so each notebook's first cell installs it, and nowhere else matters (the
block does nothing outside Colab). The source is set in one place, ``[tool.evalbook] colab-install`` in
``pyproject.toml``: a publisher points it at their repository (``evalbook @ git+https://github.com/ORG/REPO``) or a
package index name (``evalbook==0.1.0``), then runs ``python -m evalbook.dev.colab`` to rewrite every notebook's
block; ``tests/test_notebook_hygiene.py`` fails while any notebook disagrees. A wheel uploaded next to the
notebook (``evalbook-*.whl``) is installed instead of the source, for a course run without a public repository.

Colab's preinstalled packages (pandas, numpy, matplotlib, scikit-learn ...) are newer or older than the lock, and
pip only adds what evalbook's own minimum versions require: results can differ from the committed outputs by
library version; the simulator's answers themselves do not depend on them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .notebooks import read_notebook, write_notebook

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = ("notebooks", "solutions", "templates")
# The whole block: the `if` line, every indented line under it (blank lines between them included) and the one
# blank line after it. The block has a blank line inside, so it cannot end at the first blank line: a block that
# stopped there left the old lines behind, and each run after a change of source added them again.
BLOCK = re.compile(
    r'^if "google\.colab" in sys\.modules:[^\n]*(?:\n|\Z)(?:[ \t]+[^\n]*(?:\n|\Z)|\n(?=[ \t]))*\n?', re.M
)


def install_source(root: Path = ROOT) -> str:
    """The install source set in pyproject.toml (``[tool.evalbook] colab-install``)."""
    text = (root / "pyproject.toml").read_text(
        encoding="utf-8"
    )  # tomllib needs Python 3.11; one line will do
    match = re.search(r'^colab-install\s*=\s*"([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit('pyproject.toml needs colab-install = "..." under [tool.evalbook].')
    return match.group(1)


def block(source: str) -> str:
    """The install block for ``source``."""
    return (
        'if "google.colab" in sys.modules:  # on Colab: install evalbook (a wheel uploaded beside the notebook wins)\n'
        "    import glob\n\n"
        f'    target = (glob.glob("evalbook-*.whl") or ["{source}"])[0]\n'
        '    %pip install -q "{target}"\n\n'
    )


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (root / folder).glob("*.ipynb"))


def first_code_cell(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def expected_first_cell(text: str, source: str) -> str:
    return BLOCK.sub(lambda _: block(source), text, count=1)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    source = install_source(root)
    changed = 0
    for path in notebooks(root):
        nb = read_notebook(path)
        cell = first_code_cell(nb)
        new = expected_first_cell(cell.source, source)
        if new != cell.source:
            cell.source = new
            write_notebook(nb, path)
            changed += 1
    print(
        f"install block: {changed} notebook(s) rewritten, source {source!r}; now run `evalbook labs build`."
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
