"""The history of analysed sets: an embedded SQLite index over the run folders.

The database is the index, the run folders are the data: `layout` names the data folder,
`schema` migrates the database, `records` reads a report into a set row, `db` is the store
(sets, notes, the job queue), `recover` brings the two back into agreement after a crash, and
`trends` / `progression` compute the Progress page's series and the add-load advice.
"""
