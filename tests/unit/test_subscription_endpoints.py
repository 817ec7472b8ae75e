"""Where a subscription may send to: https (http to loopback only), never link-local, real
e-mail addresses. Names resolve through a table here: the check itself is pure."""

from __future__ import annotations

import pytest

from marketplace.handlers.endpoints import checked_email, checked_webhook
from marketplace.handlers.errors import InvalidField

NAMES = {
    "erp.example.com": ["203.0.113.7"],
    "localhost": ["127.0.0.1", "::1"],
    "metadata.internal": ["169.254.169.254"],
    "sneaky.example.com": ["203.0.113.8", "fe80::1"],
    "mapped.example.com": ["::ffff:169.254.169.254"],
    "intranet.example.com": ["10.1.2.3"],
    "scoped.example.com": ["fe80::1%eth0"],
}


def resolve(host: str) -> list[str]:
    return NAMES.get(host, [])


def refusal(url: str) -> dict[str, str]:
    with pytest.raises(InvalidField) as info:
        checked_webhook(url, resolve)
    [detail] = info.value.details
    assert detail["field"] == "endpoint"
    return dict(detail)


@pytest.mark.parametrize(
    "url",
    [
        "https://erp.example.com/hooks/marketplace",
        "https://erp.example.com:8443/h?unit=PWR-01",
        "https://intranet.example.com/hook",  # on-premise receivers are private, not link-local
        "https://203.0.113.9/hook",
        "http://127.0.0.1:8080/hook",
        "http://127.8.9.10/hook",
        "http://[::1]:9000/hook",
        "http://localhost:9000/hook",
    ],
)
def test_accepted_webhooks(url: str) -> None:
    assert checked_webhook(url, resolve) == url


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://erp.example.com/hook", "endpoint_not_https"),
        ("http://10.1.2.3/hook", "endpoint_not_https"),
        ("ftp://erp.example.com/hook", "endpoint_not_https"),
        ("https://169.254.169.254/latest/meta-data/", "endpoint_link_local"),
        ("http://169.254.1.1/hook", "endpoint_link_local"),
        ("https://[fe80::1]/hook", "endpoint_link_local"),
        ("https://[febf:ffff::1]/hook", "endpoint_link_local"),
        ("https://metadata.internal/hook", "endpoint_link_local"),
        ("https://sneaky.example.com/hook", "endpoint_link_local"),
        ("https://mapped.example.com/hook", "endpoint_link_local"),
        ("https://[::ffff:169.254.169.254]/hook", "endpoint_link_local"),
        ("https://scoped.example.com/hook", "endpoint_link_local"),
        ("https://0.0.0.0/hook", "endpoint_unspecified"),
        ("https://nowhere.example.com/hook", "endpoint_unresolvable"),
        ("https://user:pw@erp.example.com/hook", "endpoint_credentials"),
        ("https://erp.example.com/hook#part", "url_invalid"),
        ("https://erp.example.com:99999/hook", "url_invalid"),
        ("https:///hook", "url_invalid"),
        ("erp.example.com/hook", "url_invalid"),
        ("https://erp.example.com/a hook", "url_invalid"),
    ],
)
def test_refused_webhooks_name_their_rule(url: str, kind: str) -> None:
    assert refusal(url)["type"] == kind


def test_a_link_local_refusal_says_what_the_name_resolved_to() -> None:
    said = refusal("https://sneaky.example.com/hook")["message"]
    assert "resolves to fe80::1" in said and "link-local" in said


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("ops@pwr-01.example.com", "ops@pwr-01.example.com"),
        ("First.Last+market@Example.COM", "First.Last+market@example.com"),
        ("a@b.cn", "a@b.cn"),
    ],
)
def test_accepted_addresses_keep_their_local_part(address: str, kept: str) -> None:
    assert checked_email(address) == kept


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign",
        "two@@example.com",
        "a@localhost",
        "a@example.123",
        ".dot@example.com",
        "dot.@example.com",
        "a..b@example.com",
        "Name <a@example.com>",
        "a b@example.com",
        "a@-example.com",
        "a@example.com.",
        f"{'x' * 65}@example.com",
        f"a@{'b' * 250}.com",
        "用户@example.com",
    ],
)
def test_refused_addresses(address: str) -> None:
    with pytest.raises(InvalidField) as info:
        checked_email(address)
    assert info.value.details[0]["type"] == "email_invalid"
