"""``python -m physio_notes``: the same command line as ``physio-notes``."""

from .cli import main

raise SystemExit(main())
