"""`flask backup FILE` and `flask restore FILE`: the whole database, safe while serving.

- SQLite: SQLite's online backup API copies a consistent snapshot page by page
  while the site keeps serving and writing (sqlite.py); the backup is a plain
  SQLite file.
- PostgreSQL: `pg_dump -Fc` (custom format); a restore replays it with
  `pg_restore | psql --single-transaction`, so it lands whole or not at all
  (postgres.py). Needs the PostgreSQL client tools on PATH.

Both write the backup beside FILE and rename it into place, so an interrupted
backup never looks like a complete one. A restore refuses a database that
already holds a page unless `--force`, migrates an older backup up to this
code's schema, and moves the page version on so no cache serves what was there
before.
"""
