"""Entry point for ``python -m imetbook``."""

from imetbook.run.cli import main

raise SystemExit(main())
