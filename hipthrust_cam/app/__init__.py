"""Whole runs, built from the layers below: the pipeline, `analyze`, batches and live."""
