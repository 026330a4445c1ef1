"""An incident's postmortem, as Statuspage's API has it: read, save a draft, publish, revert."""

from __future__ import annotations

from app.api.statuspage import timestamp
from app.api.v1 import actor, lookup, route
from app.api.v1 import fields as f
from app.api.v1.body import read
from app.api.v1.docs import document
from app.api.v1.present import as_json
from app.services import incidents, postmortems

POSTMORTEM = f.Body("postmortem", {"body_draft": f.string(100_000)}, required=("body_draft",))
PUBLISH = f.Body(
    "postmortem",
    {
        "notify_subscribers": f.boolean(),
        "notify_twitter": f.boolean(),
        "custom_tweet": f.string(280, nullable=True),
    },
)


def _postmortem(incident_id: int):
    item = incidents.get_incident(incident_id)
    return as_json(
        {
            "incident_id": str(item.id),
            "body": item.postmortem_body,
            "published": item.postmortem_published,
            "updated_at": timestamp(item.postmortem_updated_at),
            "published_at": timestamp(item.postmortem_published_at),
        }
    )


@route("/incidents/<incident_id>/postmortem")
@document("Read an incident's postmortem", response="postmortem")
def postmortem(incident_id: str):
    return _postmortem(lookup.incident(incident_id).id)


@route("/incidents/<incident_id>/postmortem", ("PUT",))
@document("Save a postmortem draft", body=POSTMORTEM, response="postmortem")
def postmortem_save(incident_id: str):
    found = lookup.incident(incident_id)
    body = read(POSTMORTEM)["body_draft"]
    postmortems.save_postmortem(found, body=body, publish=found.postmortem_published, actor=actor())
    return _postmortem(found.id)


@route("/incidents/<incident_id>/postmortem/publish", ("PUT",))
@document("Publish the postmortem draft", body=PUBLISH, response="postmortem")
def postmortem_publish(incident_id: str):
    found = lookup.incident(incident_id)
    read(PUBLISH)
    postmortems.save_postmortem(
        found, body=found.postmortem_body or "", publish=True, actor=actor()
    )
    return _postmortem(found.id)


@route("/incidents/<incident_id>/postmortem/revert", ("PUT",))
@document("Take the postmortem back to a draft", response="postmortem")
def postmortem_revert(incident_id: str):
    found = lookup.incident(incident_id)
    read(f.Body("postmortem", {}))
    postmortems.save_postmortem(
        found, body=found.postmortem_body or "", publish=False, actor=actor()
    )
    return _postmortem(found.id)
