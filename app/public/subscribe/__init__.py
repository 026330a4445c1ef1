"""Subscribing, confirming, managing and unsubscribing: public pages that are per visitor.

A blueprint of its own, apart from `public`: these pages carry forms, CSRF
tokens and signed links, so they are never served from the render cache or
kept by a shared cache, and they are rate limited, which the cached public
pages must never pay for.
"""

from flask import Blueprint

bp = Blueprint("subscribe", __name__)
