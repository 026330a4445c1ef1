"""Does bad input get a clear answer in the site's look, never a crash?"""

from __future__ import annotations


def test_unknown_page_gets_the_sites_404(client):
    """Does a mistyped address show a 404 page in the site's look?"""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert "Herald Status" in html  # the page's name, from settings
    assert "Back to the status page" in html


def test_oversized_body_gets_413_page(client):
    """Is a body over MAX_CONTENT_LENGTH refused with a 413 page that says why?"""
    big = "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 10)
    response = client.post("/admin/login", data={"email": big, "password": "x"})
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


def test_non_utf8_form_input_is_not_a_server_error(client):
    """Does a form post in a broken encoding get a 4xx, not a 500?"""
    response = client.post(
        "/admin/login",
        data=b"email=%FF%FE&password=%C3%28",
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= response.status_code < 500


def test_server_error_page_is_in_the_sites_look(other_app):
    """When something breaks inside, does the visitor get a 500 page in the site's look?"""
    broken = other_app(TESTING=False)

    @broken.route("/boom")
    def boom():
        raise RuntimeError("simulated failure")

    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "simulated failure" not in html


def test_api_errors_are_json(client):
    """Does an API client get its error as JSON?"""
    response = client.get("/api/v2/no-such-document.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404
