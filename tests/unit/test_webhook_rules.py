"""The webhook rules: the signature, the backoff, and which addresses and events are taken."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from competence.domain import webhooks as rules
from tests.webhook_receiver import documented_verify


def test_the_signature_is_the_hmac_sha256_of_the_timestamp_a_full_stop_and_the_body() -> None:
    header = rules.signature_header("whsec_test", 1_700_000_000, b'{"a":1}')
    assert header == (
        "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
    )


def test_the_documented_check_takes_a_fresh_signature_and_refuses_the_rest() -> None:
    verify = documented_verify()
    body = b'{"event":"ping"}'
    now = int(time.time())
    assert verify("s3cret", rules.signature_header("s3cret", now, body), body)
    assert not verify("s3cret", rules.signature_header("s3cret", now, body), body + b" ")
    assert not verify("other", rules.signature_header("s3cret", now, body), body)
    assert not verify("s3cret", rules.signature_header("s3cret", now - 3600, body), body)
    assert not verify("s3cret", "v1=abc", body)
    assert not verify("s3cret", "", body)


def test_a_failed_delivery_waits_longer_each_time_then_fails() -> None:
    waits = [rules.retry_after(n) for n in range(1, rules.MAX_ATTEMPTS + 1)]
    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=12),
        None,
    ]


def test_only_2xx_delivers_and_a_redirect_says_it_is_not_followed() -> None:
    assert [rules.is_success(c) for c in (200, 204, 299, 301, 404, 500, None)] == [
        True, True, True, False, False, False, False,
    ]  # fmt: skip
    assert rules.answer_words(302, "") == "answered 302: a redirect, which is not followed"
    assert rules.answer_words(None, "no answer within 5 seconds") == "no answer within 5 seconds"
    assert rules.answer_words(None, "") == "not sent yet"


def test_events_are_kept_once_each_in_their_order() -> None:
    assert rules.check_events(["person.left", "assessment.agreed", "person.left"]) == [
        "assessment.agreed",
        "person.left",
    ]
    with pytest.raises(ValueError, match=r"unknown events person\.moved"):
        rules.check_events(["person.moved"])
    with pytest.raises(ValueError, match="choose at least one event"):
        rules.check_events([])
    assert rules.PING not in rules.EVENTS  # a test is not subscribed to
    assert set(rules.STEP_EVENTS.values()) | {rules.AGREED} <= set(rules.EVENTS)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/", "javascript:alert(1)", "https://", "http://a b/", "x" * 600]
)
def test_only_an_http_or_https_address_is_taken(url: str) -> None:
    with pytest.raises(ValueError, match="link"):
        rules.check_url(url)


def test_an_address_is_kept_trimmed() -> None:
    assert (
        rules.check_url("  https://hr.example.org/hook?x=1 ") == "https://hr.example.org/hook?x=1"
    )
