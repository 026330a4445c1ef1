"""The subscribe form, "check your inbox", resend and the confirm link, through the test client."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import NotificationKind, SubscriberState
from app.services import incidents
from tests.conftest import csrf_token_from
from tests.subscriber_fixtures import csrf, every_box, link, post_subscribe, queued, subscriber


def _without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_the_form_offers_every_component_and_group_ticked(client, mail_on, catalogue):
    """Does /subscribe show each group and component as a checkbox, all ticked, and work as a
    plain form (no script needed)?"""
    response = client.get("/subscribe")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'type="email"' in html and 'method="post"' in html
    for name, value in [("group", catalogue.group_id), ("component", catalogue.api_id)]:
        box = re.search(rf'<input type="checkbox" id="{name}-{value}"[^>]*>', html).group(0)
        assert "checked" in box
    assert html.count('type="checkbox"') == 4
    assert "Core" in html and "Website" in html


def test_every_box_ticked_subscribes_to_everything(client, mail_on, catalogue):
    """Leaving every box ticked, do I follow everything (including components added later),
    and am I sent to "check your inbox"?"""
    response = post_subscribe(client, "ada@example.com", **every_box(catalogue))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/subscribe/sent")
    page = client.get("/subscribe/sent").get_data(as_text=True)
    assert "Check your inbox" in page and "ada@example.com" in page
    ada = subscriber("ada@example.com")
    assert ada.all_components and ada.state == SubscriberState.PENDING
    assert ada.consent_ip == "127.0.0.1" and ada.consent_text_version


def test_unticking_a_component_in_a_group_leaves_it_out(client, mail_on, catalogue):
    """Without JavaScript, if I untick "Database" but leave its group ticked, am I left with
    API and Website only?"""
    fields = every_box(catalogue)
    fields["component"].remove(str(catalogue.database_id))
    post_subscribe(client, "ada@example.com", **fields)
    ada = subscriber("ada@example.com")
    assert sorted(t.component_id for t in ada.targets) == [catalogue.api_id, catalogue.website_id]


def test_known_and_new_addresses_get_the_same_answer(app, mail_on):
    """Can anyone learn from the answer whether an address already subscribes?"""
    first = app.test_client()
    post_subscribe(first, "ada@example.com")
    ada = subscriber("ada@example.com")
    first.post(f"/subscribe/confirm/{link('confirm', ada)}", data={"csrf_token": csrf(first)})
    confirmed = subscriber("ada@example.com")
    assert confirmed.state == SubscriberState.CONFIRMED
    confirmed.last_confirmation_at -= timedelta(hours=1)  # past the cooldown
    db.session.commit()

    answers = []
    for address in ("ada@example.com", "zed@example.com"):
        visitor = app.test_client()
        response = post_subscribe(visitor, address)
        sent = visitor.get(response.headers["Location"])
        html = _without_token(sent.get_data(as_text=True)).replace(address, "ADDRESS")
        answers.append((response.status_code, response.headers["Location"], sent.status_code, html))
    assert answers[0] == answers[1]
    kinds = [n.kind for n in queued()]
    assert kinds == [
        NotificationKind.CONFIRM,
        NotificationKind.ALREADY_SUBSCRIBED,
        NotificationKind.CONFIRM,
    ]


def test_a_bad_address_is_shown_on_the_form_with_nothing_written(client, mail_on, catalogue):
    """Does a wrong address come back on the form, with the reason and a 400?"""
    response = post_subscribe(client, "ada@example..com", **every_box(catalogue))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in html and "after the @" in html
    assert 'value="ada@example..com"' in html and 'aria-invalid="true"' in html
    assert queued() == []


def test_the_form_needs_its_csrf_token(client, mail_on):
    """Is a subscribe POST without the form's token refused (no cross-site sign-ups)?"""
    response = client.post("/subscribe", data={"kind": "email", "address": "ada@example.com"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert subscriber("ada@example.com") is None


def test_resend_from_the_inbox_page(client, mail_on):
    """Does "Send it again" answer the same whether or not anything was due, sending at most
    one confirmation per cooldown?"""
    post_subscribe(client, "ada@example.com")
    page = client.get("/subscribe/sent").get_data(as_text=True)
    response = client.post(
        "/subscribe/resend",
        data={"csrf_token": csrf_token_from(page), "kind": "email", "address": "ada@example.com"},
    )
    assert response.status_code == 303
    again = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "If a confirmation was waiting, it has been sent again" in again
    assert len(queued(NotificationKind.CONFIRM)) == 1


def test_the_inbox_page_without_a_subscription_goes_to_the_form(client):
    """Opening /subscribe/sent directly, am I sent to the form?"""
    response = client.get("/subscribe/sent")
    assert response.status_code == 303 and response.headers["Location"].endswith("/subscribe")


def test_mail_off_offers_webhooks_and_feeds_only(client, mail_off):
    """Without SMTP_URL, does the page say mail is off, offer webhooks, Slack, Discord and
    the feeds, and refuse an email subscription with that reason?"""
    html = client.get("/subscribe").get_data(as_text=True)
    assert "Email updates are off" in html and "/history.atom" in html
    assert 'type="email"' not in html and 'name="kind" value="webhook"' in html
    assert "?kind=email" not in html
    assert 'type="email"' not in client.get("/subscribe?kind=email").get_data(as_text=True)
    response = client.post(
        "/subscribe",
        data={"csrf_token": csrf(client), "kind": "email", "address": "ada@example.com"},
    )
    assert response.status_code == 400
    assert "Email updates are off" in response.get_data(as_text=True)


def test_every_public_page_menu_offers_email_and_webhooks(client, mail_on):
    """Does the "Subscribe to updates" menu on the pages offer Email and webhooks?"""
    html = client.get("/").get_data(as_text=True)
    assert 'href="/subscribe?kind=email">Email</a>' in html
    assert 'href="/subscribe?kind=webhook">Webhook</a>' in html


def test_the_menu_leaves_email_out_when_mail_is_off(client, mail_off):
    """With mail off, does the menu leave out Email but keep webhooks?"""
    html = client.get("/history").get_data(as_text=True)
    assert "/subscribe?kind=email" not in html and "/subscribe?kind=webhook" in html


def test_follow_this_incident(client, mail_on, catalogue):
    """From an open incident's page, can I follow that incident alone?"""
    incident = incidents.open_incident(name="Slow API", impact="minor", message="Slow.")
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert f'href="/subscribe?incident={incident.id}">Follow this incident</a>' in page
    form = client.get(f"/subscribe?incident={incident.id}").get_data(as_text=True)
    assert "Follow “Slow API”" in form and 'type="checkbox"' not in form
    response = post_subscribe(client, "ada@example.com", incident=str(incident.id))
    assert response.status_code == 303
    ada = subscriber("ada@example.com")
    assert [t.incident_id for t in ada.targets] == [incident.id] and not ada.all_components


def test_a_resolved_incident_offers_no_follow_button(client, mail_on):
    """Is "Follow this incident" left off an incident that is already resolved?"""
    incident = incidents.open_incident(name="Done", impact="minor", message="Slow.")
    incidents.post_update(incident, status="resolved", message="Fixed.")
    assert "Follow this incident" not in client.get(f"/incidents/{incident.id}").get_data(
        as_text=True
    )


def test_following_an_unknown_incident_is_a_404(client, mail_on):
    """Does following an incident that does not exist answer 404 with a message?"""
    for query in ("incident=999", "incident=abc", "incident=99999999999999"):
        response = client.get(f"/subscribe?{query}")
        assert response.status_code == 404, query
        assert "No such incident" in response.get_data(as_text=True)
    response = post_subscribe(client, "ada@example.com", incident="999")
    assert response.status_code == 404 and subscriber("ada@example.com") is None


def test_the_confirm_link_asks_before_it_confirms(client, mail_on):
    """Does opening the confirm link (as a mail scanner would) only show a button, and the
    button confirm — once?"""
    post_subscribe(client, "ada@example.com")
    url = f"/subscribe/confirm/{link('confirm', subscriber('ada@example.com'))}"
    shown = client.get(url)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Confirm subscription" in html
    assert subscriber("ada@example.com").state == SubscriberState.PENDING

    done = client.post(url, data={"csrf_token": csrf_token_from(html)})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "You are subscribed" in page
    assert "/subscribe/manage/" in page and "signing secret" not in page
    assert subscriber("ada@example.com").state == SubscriberState.CONFIRMED

    again = client.post(url, data={"csrf_token": csrf_token_from(html)})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert "<h1>This link does not work</h1>" in again.get_data(as_text=True)
    assert client.get(url).status_code == 400


def test_a_webhook_sees_its_signing_secret_once_when_confirmed(client, mail_off):
    """Is a webhook's signing secret shown on the confirm page, and only there?"""
    post_subscribe(client, "https://93.184.216.34/hook", kind="webhook")
    hook = subscriber("https://93.184.216.34/hook", "webhook")
    sent = client.get("/subscribe/sent").get_data(as_text=True)
    assert "Check your endpoint" in sent and hook.signing_secret not in sent
    url = f"/subscribe/confirm/{link('confirm', hook)}"
    assert hook.signing_secret not in client.get(url).get_data(as_text=True)
    page = client.post(url, data={"csrf_token": csrf(client, url)}).get_data(as_text=True)
    assert hook.signing_secret in page and "shown only this once" in page
