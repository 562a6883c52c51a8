"""Entry point for ``python -m imetbook``."""

from imetbook.cli import main

raise SystemExit(main())
