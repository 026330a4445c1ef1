"""The wheel's packages: every package under app/, plus the folders that pyproject.toml
maps into it (templates/, static/ and migrations/ stay at the top of the repository).

Everything else is in pyproject.toml; only this list needs code, because setuptools'
package discovery cannot name a folder outside app/ as a subpackage of it.
"""

from setuptools import find_packages, setup

MAPPED = ["app.templates", "app.static", "app.migrations", "app.migrations.versions"]

setup(packages=find_packages(include=["app", "app.*"]) + MAPPED)
