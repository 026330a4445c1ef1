"""What leaves the process, and the worker that drives time."""
