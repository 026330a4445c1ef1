"""What Herald tells its operator: Prometheus metrics (metrics.py), log lines (logs.py),
and the per-request id, count and log line (requests.py).

Sits beside the cache at the bottom floor: imports nothing from the rest of app/.
"""
