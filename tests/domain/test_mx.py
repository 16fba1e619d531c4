"""The sender domain's MX lookup against a real DNS server on loopback (dnsmasq), each failure told apart."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from core.domain.mx import is_reserved, lookup_mx
from core.domain.resolver import DnsServer as Server
from core.domain.resolver import configured_server
from core.errors import InputError
from tests.helpers.dns_server import DnsServer, Records, SilentDnsServer

RECORDS = Records(
    mx=(
        ("fabrikam-scan.com", "fabrikamscan-com.mail.protection.outlook.com", 0),
        ("two.example.org.uk", "mx2.two.example.org.uk", 20),
        ("two.example.org.uk", "mx1.two.example.org.uk", 10),
        ("nomail.org.uk", ".", 0),
    ),
    a=(("nomx.org.uk", "192.0.2.10"),),
)


@pytest.fixture(scope="module")
def dns() -> Iterator[Server]:
    with DnsServer(RECORDS) as server:
        yield Server("127.0.0.1", server.port)


def test_the_hosts_come_best_first(dns: Server) -> None:
    assert lookup_mx("two.example.org.uk", dns).hosts == ("mx1.two.example.org.uk", "mx2.two.example.org.uk")
    found = lookup_mx("fabrikam-scan.com", dns)
    assert found.hosts == ("fabrikamscan-com.mail.protection.outlook.com",)
    assert found.problem is None


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("no-such-domain.org.uk", "does not exist in DNS (NXDOMAIN)"),
        ("nomx.org.uk", "no MX records"),
        ("nomail.org.uk", "accepts no mail (null MX"),
    ],
)
def test_each_kind_of_missing_answer_has_its_own_words(dns: Server, domain: str, words: str) -> None:
    found = lookup_mx(domain, dns)
    assert found.hosts == ()
    assert words in (found.problem or "")


def test_a_server_that_refuses_is_not_called_a_missing_domain() -> None:
    with DnsServer(Records(), refuse_unknown=True) as server:
        found = lookup_mx("contoso.com", Server("127.0.0.1", server.port))
    assert found.problem == "the DNS server could not answer (SERVFAIL or refused)"


def test_a_silent_server_ends_within_the_lookup_deadline() -> None:
    with SilentDnsServer(lifetime=10) as silent:
        started = time.monotonic()
        found = lookup_mx("contoso.com", Server("127.0.0.1", silent.port), lifetime=1.0)
        took = time.monotonic() - started
    assert found.problem == "no answer from the DNS server within 1 s"
    assert took < 2.0
    assert silent.queries >= 1


@pytest.mark.parametrize(
    ("name", "reserved"),
    [("practice.test", True), ("printers.example", True), ("example.com", True), ("mail.example.net", True),
     ("office.local", True), ("contoso.com", False), ("example.com.au", False), ("testing.com", False)],
)  # fmt: skip
def test_reserved_names_are_never_looked_up(name: str, reserved: bool) -> None:
    assert is_reserved(name) is reserved


@pytest.mark.parametrize(
    ("value", "expected"),
    [("192.0.2.53", Server("192.0.2.53", 53)), ("192.0.2.53:5353", Server("192.0.2.53", 5353)),
     ("[2001:db8::53]:5353", Server("2001:db8::53", 5353)), ("2001:db8::53", Server("2001:db8::53", 53))],
)  # fmt: skip
def test_the_dns_server_setting(value: str, expected: Server) -> None:
    assert configured_server({"SMTP_DOCTOR_DNS_SERVER": value}) == expected


@pytest.mark.parametrize("value", ["dns.example.com", "192.0.2.53:0", "192.0.2.53:99999", "[::1]:x"])
def test_a_bad_dns_server_setting_says_what_is_wrong(value: str) -> None:
    with pytest.raises(InputError) as caught:
        configured_server({"SMTP_DOCTOR_DNS_SERVER": value})
    assert caught.value.field == "SMTP_DOCTOR_DNS_SERVER"
