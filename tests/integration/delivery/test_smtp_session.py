"""One SMTP connection sending message after message, against the real sink."""

from __future__ import annotations

from app.delivery.mailer import SmtpSession, parse_smtp_url
from app.delivery.outcome import Result


def test_text_arrives_as_written_even_with_lines_starting_with_a_dot(sink):
    """Does a line that starts with "." (SMTP's end-of-text marker) arrive intact, and does a
    message without a final line break arrive whole?"""
    messages = [
        b"Subject: one\r\n\r\n.\r\n..two dots\r\n. and a space\r\nlast\r\n",
        b"Subject: two\r\n\r\nno final line break",
    ]
    with SmtpSession(parse_smtp_url(sink.url), 3) as session:
        for message in messages:
            outcome = session.send("status@example.com", "ada@example.com", message)
            assert outcome.result == Result.SENT
    received = sink.wait_for(2)
    assert received[0].raw.replace(b"\r\n", b"\n") == messages[0].replace(b"\r\n", b"\n")
    assert received[1].raw.rstrip(b"\r\n") == messages[1]


def test_the_wait_before_the_text_runs_before_the_server_has_the_message(sink):
    """Is `before_body` called once per message, while the server has not yet accepted it
    (so a "sent" mark it waits for is written before the next message can count)?"""
    seen: list[int] = []
    with SmtpSession(parse_smtp_url(sink.url), 3) as session:
        for n in range(3):
            outcome = session.send(
                "status@example.com",
                f"s{n}@example.com",
                b"Subject: x\r\n\r\nhello\r\n",
                before_body=lambda: seen.append(len(sink.received)),
            )
            assert outcome.result == Result.SENT
    assert seen == [0, 1, 2]


def test_a_refused_recipient_calls_no_wait_and_the_next_message_goes(sink):
    """When the server refuses one recipient, is that a bounce, and does the connection
    carry on with the next message?"""
    sink.behaviour.refuse["gone@example.com"] = "550 No such user"
    calls: list[str] = []
    with SmtpSession(parse_smtp_url(sink.url), 3) as session:
        refused = session.send(
            "status@example.com", "gone@example.com", b"x\r\n", lambda: calls.append("gone")
        )
        sent = session.send(
            "status@example.com", "ada@example.com", b"x\r\n", lambda: calls.append("ada")
        )
    assert (refused.result, sent.result) == (Result.BOUNCE, Result.SENT)
    assert calls == ["ada"]
    assert [r.recipients for r in sink.wait_for(1)] == [["ada@example.com"]]
