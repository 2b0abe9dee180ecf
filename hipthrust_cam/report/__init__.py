"""The per-rep report: tables and CSV text, SVG plots, the HTML page, and writing the files."""
