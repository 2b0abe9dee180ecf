"""Whole runs, built from the layers below: the pipeline, `analyze`, batches, live.

Batches run on this computer's cores (`batch`) or as Ray tasks on a cluster (`cluster`); the
web app's upload queue uses either (`jobs`, `cluster_queue`).
"""
