"""Loads every admin view module so their routes register on the blueprint."""
