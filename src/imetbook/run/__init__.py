"""Parameters, execution cache, papermill runs, HTML build and the command line."""
