"""imetbook: the data, analysis and book code for the IMET data book."""

__version__ = "0.1.0"
