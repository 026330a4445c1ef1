"""The static mirror: `flask publish DIR` writes the whole public side as files, and with
HERALD_PUBLISH_DIR set a job beside the worker re-publishes only what each change touched.

- files.py    where each URL's file goes, writing, the marker, the atomic swap
- changes.py  what each change touched, recorded in its transaction, read by the job
- publish.py  the full publish (built beside DIR, swapped in), and what the incremental one shares
- update.py   the incremental publish: the status page and touched pages first, then history
- job.py      the loop that keeps HERALD_PUBLISH_DIR current, in a thread of its own

Importing this package loads nothing but itself: services import `changes`.
"""
