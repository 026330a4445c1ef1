"""Alert webhooks arriving at the same moment, against a live Herald (2 gunicorn workers)."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request

from sqlalchemy import func, select

from app.extensions import db
from app.models import AlertLink, Component, Incident
from app.services import api_tokens, components
from tests.integration.api.v1.test_integrations import SAMPLE
from tests.live import Answer


def _deliver(base_url: str, secret: str, payload: dict) -> Answer:
    request = urllib.request.Request(
        f"{base_url}/api/v1/integrations/alertmanager",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=90) as r:  # noqa: S310 - 127.0.0.1
            return Answer(r.status, dict(r.headers), r.read().decode())
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, dict(exc.headers), exc.read().decode())


def test_alerts_for_one_component_arriving_at_once_open_one_incident(site):
    """When several instances of a service alert in the same instant (and Alertmanager
    retries one of them), is there one incident for the component, every alert recorded
    once, and no delivery refused?"""
    with site.app.app_context():
        _, secret = api_tokens.create_token(name="alertmanager", role="manager", actor="test")
        components.create_component(name="Race API", actor="test")
    payloads = []
    for n in range(5):
        payload = copy.deepcopy(SAMPLE)
        alert = payload["alerts"][0]
        alert["labels"] = {**alert["labels"], "service": "race api", "instance": f"api-{n}"}
        alert["fingerprint"] = f"race{n:012d}"
        payloads.append(payload)
    payloads.append(copy.deepcopy(payloads[0]))  # a retry of the first, racing it
    base = site.server.base_url
    answers = site.race(
        "alert deliveries", [lambda p=p: _deliver(base, secret, p) for p in payloads]
    )
    assert [a.status for a in answers] == [200] * len(payloads), [a.text for a in answers]
    with site.app.app_context():
        race_api = db.session.scalar(select(Component).where(Component.name == "Race API"))
        assert race_api.status == "major_outage"
        opened = db.session.scalars(
            select(Incident.id)
            .join(AlertLink, AlertLink.incident_id == Incident.id)
            .where(AlertLink.component_id == race_api.id)
            .distinct()
        ).all()
        assert len(opened) == 1
        links = db.session.scalar(
            select(func.count(AlertLink.id)).where(AlertLink.component_id == race_api.id)
        )
        assert links == 5
    outcomes = [json.loads(a.text) for a in answers]
    assert sum(o["opened"] for o in outcomes) == 1
    assert sum(o["unchanged"] for o in outcomes) == 1
