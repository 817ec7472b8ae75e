"""Where a subscription may send to: a webhook URL or an e-mail address, checked before it is kept.

A webhook goes over https, or over plain http to this host's loopback only (tests, on-premise
receivers beside the platform). A host that is, or resolves to, a link-local address is refused
in either case: 169.254.0.0/16 and fe80::/10 hold cloud metadata services (169.254.169.254),
which a webhook must never be able to make the platform call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network
from urllib.parse import SplitResult, urlsplit

from marketplace.handlers.errors import InvalidField

FIELD = "endpoint"
LINK_LOCAL = (
    ip_network("169.254.0.0/16"),
    ip_network("fe80::/10"),
    ip_network("fd00:ec2::254/128"),  # the cloud metadata service's IPv6 address (AWS)
)
# Kinds a 422 names in `details[].type`, so a client can tell the refusals apart.
LINK_LOCAL_REFUSED = "endpoint_link_local"
MAX_URL = 2000
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A dot-atom local part at a domain of two or more labels whose last is not all digits.
_EMAIL = re.compile(rf"^(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+{_LABEL})$")
Resolver = Callable[[str], list[str]]
Address = IPv4Address | IPv6Address


def refuse(message: str, kind: str) -> InvalidField:
    return InvalidField(FIELD, message, kind)


def checked_email(text: str) -> str:
    """The address, its domain in lower case; a 422 unless it is `local@domain.tld`."""
    found = _EMAIL.match(text)
    if found is None or len(text) > 254 or len(found["local"]) > 64:
        raise refuse(
            "Expected an e-mail address such as name@example.com (ASCII, at most 254 "
            "characters, no spaces, no display name).",
            "email_invalid",
        )
    domain = found["domain"]
    if domain.rsplit(".", 1)[1].isdigit():
        raise refuse(
            f"{domain!r} is not a mail domain (its last part is a number).", "email_invalid"
        )
    return f"{found['local']}@{domain.lower()}"


def checked_webhook(text: str, resolve: Resolver) -> str:
    """The URL as given; a 422 naming the rule it breaks (see the module's docstring)."""
    parts = _parts(text)
    host = parts.hostname or ""
    addresses = _addresses(host, resolve)
    for address in addresses:
        plain = _unmapped(address)
        if any(plain in network for network in LINK_LOCAL):
            said = "is" if host.strip("[]") == str(address) else f"resolves to {plain}, which is"
            raise refuse(
                f"The host {host!r} {said} a link-local address (169.254.0.0/16, fe80::/10), "
                "where cloud metadata services answer: webhooks may not go there.",
                LINK_LOCAL_REFUSED,
            )
        if plain.is_unspecified:
            raise refuse(
                f"The host {host!r} is the unspecified address {plain}: name the receiver's host.",
                "endpoint_unspecified",
            )
    if parts.scheme == "http" and not all(_unmapped(a).is_loopback for a in addresses):
        raise refuse(
            "A webhook must use https; plain http is allowed only to loopback addresses "
            "(127.0.0.0/8, ::1, localhost).",
            "endpoint_not_https",
        )
    return text


def _parts(text: str) -> SplitResult:
    if len(text) > MAX_URL:
        raise refuse(f"A webhook URL has at most {MAX_URL} characters.", "string_too_long")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise refuse(
            "Expected a URL such as https://erp.example.com/hooks.", "url_invalid"
        ) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise refuse(
            "Expected an https URL with a host, such as https://erp.example.com/hooks.",
            "endpoint_not_https" if parts.hostname else "url_invalid",
        )
    if parts.username is not None or parts.password is not None:
        raise refuse(
            "Put no user name or password in the URL: it is listed back to every reader of the "
            "subscription; the receiver authenticates us by the webhook signature.",
            "endpoint_credentials",
        )
    if parts.fragment:
        raise refuse("A webhook URL has no #fragment (it is never sent).", "url_invalid")
    if any(c.isspace() for c in text):
        raise refuse("A URL has no spaces.", "url_invalid")
    return parts


def _addresses(host: str, resolve: Resolver) -> list[Address]:
    """The host's address (a literal) or those its name resolves to now."""
    try:
        return [ip_address(host.strip("[]"))]
    except ValueError:
        pass
    found = [ip_address(a.split("%", 1)[0]) for a in resolve(host)]
    if not found:
        raise refuse(
            f"The host {host!r} does not resolve: check the name (the platform must reach it).",
            "endpoint_unresolvable",
        )
    return found


def _unmapped(address: Address) -> Address:
    """An IPv4-mapped IPv6 address (::ffff:169.254.169.254) as the IPv4 address it is."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
