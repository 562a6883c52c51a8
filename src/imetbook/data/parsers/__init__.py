"""One parser per upstream format: FMTR XML and HTML, budget CSVs, context CSVs."""
