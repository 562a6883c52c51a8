"""Sub-commands of ``python -m imetbook``; each module exposes ``register(subparsers)``."""
