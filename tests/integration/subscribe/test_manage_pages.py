"""The manage page and RFC 8058 one-click unsubscribe, through the test client."""

from __future__ import annotations

import pytest

from app.models import SubscriberState
from app.services import incidents, subscriptions
from tests.conftest import csrf_token_from
from tests.subscriber_fixtures import csrf, evidence, link, subscriber


@pytest.fixture
def ada(app, mail_on):
    subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
    return subscriptions.confirm(
        link("confirm", subscriber("ada@example.com")), evidence=evidence(1)
    )


def _act(client, url: str, action: str, **fields):
    data = {"csrf_token": csrf(client, url), "action": action, **fields}
    return client.post(url, data=data)


def test_manage_page_changes_choices(client, ada, catalogue):
    """From the manage link, can I narrow my choices and see them saved?"""
    url = f"/subscribe/manage/{link('manage', ada)}"
    page = client.get(url).get_data(as_text=True)
    assert "ada@example.com" in page and "Receiving updates" in page
    response = _act(client, url, "choices", component=[str(catalogue.website_id)])
    assert response.status_code == 303
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your choices are saved" in saved
    assert [t.component_id for t in subscriber("ada@example.com").targets] == [catalogue.website_id]


def test_unticking_everything_is_refused_on_the_page(client, ada, catalogue):
    """If I untick every box and save, am I told to choose something (or unsubscribe)?"""
    url = f"/subscribe/manage/{link('manage', ada)}"
    response = _act(client, url, "choices")
    assert response.status_code == 400
    assert "Choose at least one" in response.get_data(as_text=True)
    assert subscriber("ada@example.com").all_components


def test_pause_and_resume_from_the_page(client, ada):
    """Can I pause and resume from the manage page?"""
    url = f"/subscribe/manage/{link('manage', ada)}"
    _act(client, url, "pause")
    assert subscriber("ada@example.com").paused
    assert "Paused" in client.get(url).get_data(as_text=True)
    _act(client, url, "resume")
    assert not subscriber("ada@example.com").paused


def test_follow_and_unfollow_an_incident_from_the_manage_link(client, ada, catalogue):
    """A subscriber to a few components opens the manage link with ?follow=ID: can they add
    that incident, and later stop following it?"""
    incident = incidents.open_incident(name="Slow API", impact="minor", message="Slow.")
    url = f"/subscribe/manage/{link('manage', ada)}"
    _act(client, url, "choices", component=[str(catalogue.website_id)])
    offer = client.get(f"{url}?follow={incident.id}").get_data(as_text=True)
    assert "Follow “Slow API”?" in offer
    _act(client, url, "follow", incident=str(incident.id))
    page = client.get(f"{url}?follow={incident.id}").get_data(as_text=True)
    assert "Follow “Slow API”?" not in page and "Stop following" in page
    _act(client, url, "unfollow", incident=str(incident.id))
    assert all(t.incident_id is None for t in subscriber("ada@example.com").targets)
    assert client.get(f"{url}?follow=99999").status_code == 404


def test_unsubscribe_from_the_manage_page_ends_the_link(client, ada):
    """Does "Unsubscribe" on the manage page answer with a page (not a redirect), and the old
    manage link then stop working with a clear message?"""
    url = f"/subscribe/manage/{link('manage', ada)}"
    response = _act(client, url, "unsubscribe")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert subscriber("ada@example.com").state == SubscriberState.UNSUBSCRIBED
    again = client.get(url)
    assert again.status_code == 400 and "no longer works" in again.get_data(as_text=True)


def test_manage_actions_need_the_csrf_token(client, ada):
    """Is a manage POST without the page's token refused?"""
    url = f"/subscribe/manage/{link('manage', ada)}"
    assert client.post(url, data={"action": "unsubscribe"}).status_code == 400
    assert subscriber("ada@example.com").state == SubscriberState.CONFIRMED


def test_an_unknown_manage_action_is_a_400(client, ada):
    url = f"/subscribe/manage/{link('manage', ada)}"
    assert _act(client, url, "explode").status_code == 400
    assert _act(client, url, "follow").status_code == 400
    assert _act(client, url, "follow", incident="x").status_code == 404


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_unsubscribe_works_without_cookie_or_csrf(other_app, mail_on, encoding):
    """RFC 8058: does a mail provider's POST of List-Unsubscribe=One-Click, with no cookie and
    no CSRF token (CSRF checks on), unsubscribe and answer 200 with a page, every time?"""
    site = other_app(WTF_CSRF_ENABLED=True, SMTP_URL="smtp://127.0.0.1:2525")
    with site.app_context():
        subscriptions.subscribe("ada@example.com", "email", evidence=evidence(0))
        ada = subscriptions.confirm(
            link("confirm", subscriber("ada@example.com")), evidence=evidence(1)
        )
        url = f"/unsubscribe/{link('unsubscribe', ada)}"
    provider = site.test_client(use_cookies=False)
    kwargs = (
        {"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}
        if encoding == "urlencoded"
        else {"data": {"List-Unsubscribe": "One-Click"}, "content_type": "multipart/form-data"}
    )
    for _ in range(2):
        response = provider.post(url, **kwargs)
        assert response.status_code == 200
        assert "You are unsubscribed" in response.get_data(as_text=True)
        assert "Location" not in response.headers
    with site.app_context():
        assert subscriber("ada@example.com").state == SubscriberState.UNSUBSCRIBED


def test_opening_the_unsubscribe_link_only_shows_a_button(client, ada):
    """Does a GET on the unsubscribe link (a scanner, a preview) leave me subscribed, showing a
    button that unsubscribes, and an offer to choose fewer components instead?"""
    url = f"/unsubscribe/{link('unsubscribe', ada)}"
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'action="{url}"' in html and ">Unsubscribe</button>" in html
    assert "/subscribe/manage/" in html
    assert subscriber("ada@example.com").state == SubscriberState.CONFIRMED
    client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert subscriber("ada@example.com").state == SubscriberState.UNSUBSCRIBED
    assert "You are unsubscribed" in client.get(url).get_data(as_text=True)


def test_subscribe_pages_are_never_cached(client, ada, catalogue):
    """Are the per-visitor pages (forms with CSRF tokens, signed links) kept out of every
    cache — no ETag, no shared render, Cache-Control no-store — and out of search engines?"""
    paths = [
        "/subscribe",
        "/subscribe?kind=webhook",
        f"/subscribe/manage/{link('manage', ada)}",
        f"/unsubscribe/{link('unsubscribe', ada)}",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers, path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert "noindex" in response.headers["X-Robots-Tag"], path
    first = csrf_token_from(client.get("/subscribe").get_data(as_text=True))
    other = csrf_token_from(
        client.application.test_client().get("/subscribe").get_data(as_text=True)
    )
    assert first != other  # each visitor their own token: nothing shared was served


def test_the_webhook_manage_page_makes_a_new_secret(client, mail_off):
    """Can a webhook owner make a new signing secret, shown once?"""
    subscriptions.subscribe("https://93.184.216.34/hook", "webhook", evidence=evidence(0))
    hook = subscriptions.confirm(
        link("confirm", subscriber("https://93.184.216.34/hook", "webhook")), evidence=evidence(1)
    )
    url, old = f"/subscribe/manage/{link('manage', hook)}", hook.signing_secret
    page = client.get(url).get_data(as_text=True)
    assert "https://93.184.216.34/hook" in page and old not in page
    response = _act(client, url, "secret")
    fresh = subscriber("https://93.184.216.34/hook", "webhook").signing_secret
    assert fresh != old and fresh in response.get_data(as_text=True)
