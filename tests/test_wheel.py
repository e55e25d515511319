"""The built wheel carries its templates, knowledge and examples, and works from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pypdf

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_renders_from_a_clean_environment(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a new venv, and run the demo outside the repo."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=ROOT, check=True, capture_output=True,
    )
    wheel = next(dist.glob("physio_notes-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())
    # The wheel goes in by itself; its dependencies come from the test environment's
    # site-packages through a .pth line (which does not pull in the editable checkout).
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(python), "-c", "import physio_notes; print(physio_notes.__file__)"],
        cwd=work, env=env, check=True, capture_output=True, text=True,
    ).stdout
    assert where.startswith(str(site))
    run = subprocess.run(
        [str(python), "-m", "physio_notes", "demo", "-o", "out"],
        cwd=work, env=env, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    pdfs = sorted((work / "out").glob("*-handout.pdf"))
    examples = sorted((ROOT / "examples").glob("*.json"))
    assert len(pdfs) == len(examples) >= 6
    text = pypdf.PdfReader(pdfs[0]).pages[0].extract_text()
    assert "Your muscle spasm plan" in text
