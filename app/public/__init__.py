"""The customers' side: status page, incident pages, history, feeds, embeds.

The view modules put their routes on `bp`; `app.public.views` loads them all,
and the factory registers the blueprint from there.
"""

from flask import Blueprint

bp = Blueprint("public", __name__)
