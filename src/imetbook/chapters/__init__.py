"""One module per chapter notebook (same stem), and the tables' presentation."""
