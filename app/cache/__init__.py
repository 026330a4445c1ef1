"""Versioned cache of rendered public output, shared by public/ and api/.

- version.py: which generation is current (page version, change token, clock).
- store.py: rendered entries with their gzip/brotli variants, in process or Redis, bounded.
- args.py: the query arguments a cached view declares, with their parsers.
- keys.py: the encoding and the ETag of a response.
- state.py: the per-app, per-process state, and the commit hook for changes.
- views.py: `public_cached`, the decorator every public GET view wears.
- wsgi.py: the fast path answering repeat hits in front of Flask.

The modules import one another by their own names, never through this
package, which only gathers what the rest of the app uses.
"""

from app.cache.args import BadArgument, FreeText, one_of
from app.cache.state import mark_version_bumped, signal_change, state, version_tag
from app.cache.version import read_generation
from app.cache.views import cache_control, public_cached
from app.cache.wsgi import FastPath

__all__ = [
    "BadArgument",
    "FastPath",
    "FreeText",
    "cache_control",
    "mark_version_bumped",
    "one_of",
    "public_cached",
    "read_generation",
    "signal_change",
    "state",
    "version_tag",
]
