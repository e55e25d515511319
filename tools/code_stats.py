"""Module sizes and function lengths of the package, for architecture reviews.

Run: ``python tools/code_stats.py`` (from the checkout). Prints every module's line count,
then the median and the longest function (lines from ``def`` to its last statement).
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "physio_notes"


def function_lengths(path: Path) -> list[tuple[int, str]]:
    """(length in lines, qualified name) of every function and method in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            found.append((end - node.lineno + 1, f"{path.relative_to(PACKAGE.parent)}:{node.name}"))
    return found


def main() -> int:
    """Print the figures; returns 0."""
    modules = sorted(PACKAGE.rglob("*.py"))
    lengths: list[tuple[int, str]] = []
    print(f"{'lines':>6}  module")
    for module in modules:
        lines = len(module.read_text(encoding="utf-8").splitlines())
        print(f"{lines:>6}  {module.relative_to(PACKAGE.parent)}")
        lengths.extend(function_lengths(module))
    sizes = [len(m.read_text(encoding="utf-8").splitlines()) for m in modules]
    print(f"\n{len(modules)} modules, {sum(sizes)} lines; largest {max(sizes)} lines")
    only = [n for n, _ in lengths]
    longest = max(lengths)
    print(f"{len(only)} functions: median {statistics.median(only)} lines; "
          f"longest {longest[0]} lines ({longest[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
