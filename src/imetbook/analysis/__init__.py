"""Pure analysis functions over the tidy tables, one module per chapter theme."""
