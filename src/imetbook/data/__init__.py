"""The data layer: manifests, parsers, contracts, build, and load (which never builds)."""
