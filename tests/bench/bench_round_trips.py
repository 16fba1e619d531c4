"""Round trips of one submission session, SMTP Doctor vs swaks, through an added network latency.

    .venv/bin/python tests/bench/bench_round_trips.py [--latency-ms 50] [--runs 3]

Both clients run the same session against the Postfix + Dovecot peer (tests/peers), through
``latency_proxy.LatencyProxy`` with a fixed one-way latency d on every chunk in each direction
and the TCP handshake emulated (the upstream connection opens 3d after the client's connect).
The session's wall time, from the client's connect to the client closing the connection (as the
proxy sees it), divided by the round-trip time 2d, counts the round trips; the client's flights
(sends after hearing from the server) are counted at the proxy as well.

Protocol minimum for STARTTLS + AUTH PLAIN + one message (TLS 1.3, PIPELINING offered)
------------------------------------------------------------------------------------------
Each line is one round trip: the client sends, then must wait for the server before it may go on.

1. TCP handshake: SYN → SYN-ACK (the client's ACK travels with nothing to wait for).
2. Greeting: the server sends its 220 only once the handshake is complete (the ACK arrives at
   1.5 RTT), so it reaches the client at 2 RTT. The client may not speak first (RFC 5321 §3.1;
   Postfix rejects "improper pipelining" before the greeting).
3. EHLO → 250: the capabilities (STARTTLS, PIPELINING) are unknown until this reply.
4. STARTTLS → 220: the handshake may only start after the 220 (RFC 3207 §4; bytes sent early are
   discarded by a correct server).
5. TLS 1.3 handshake: ClientHello → ServerHello … Finished (1 RTT). The client's Finished goes
   in the next flight, together with step 6's EHLO.
6. EHLO → 250 again (RFC 3207 §4.2: everything learned before TLS is forgotten; AUTH is only
   offered now).
7. AUTH PLAIN with an initial response (RFC 4954 §4) → 235. AUTH cannot be pipelined with the
   EHLO before it (EHLO ends a group, RFC 2920 §3.1) nor followed by MAIL in the same group
   (AUTH is not one of the commands RFC 2920 lets be followed). Without the initial response,
   ``AUTH PLAIN`` → 334 would cost one more round trip; AUTH LOGIN costs 2 or 3.
8. MAIL FROM, RCPT TO, DATA in one flight (RFC 2920) → 250, 250, 354.
9. The message and its final dot → 250. QUIT may follow the message in the same flight (RFC 2920
   §3.1: the message content may be the first "command" of a group, QUIT the last), so its 221
   arrives with the 250 and costs nothing more. A client that sends QUIT only after the 250 and
   waits for the 221 (RFC 5321 §4.1.1.10 says it SHOULD wait) spends a 10th round trip.

Minimum: 9 round trips. SMTP Doctor pipelines QUIT after the message and still reads the 221
(so nothing is cut short); it sets TCP_NODELAY so no write waits for an ACK. swaks (with
``--pipeline``) pipelines MAIL/RCPT/DATA and uses the PLAIN initial response, but sends QUIT after
the 250: 10. Lower bounds outside this session's rules: BDAT (CHUNKING, RFC 3030) could put the
message in step 8's flight (8 round trips), and TLS 1.3 0-RTT resumption could save more on a
second connection; printers send DATA on a fresh connection, which is what SMTP Doctor tests.

The measured figure is a little above the whole number: both ends need some milliseconds of
computing per step (certificate checks, building the message, Postfix queueing the message).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.bench_support import (
    PASSWORD_VAR,
    RUN_TIMEOUT_S,
    Session,
    child_env,
    median_ms,
    print_table,
    run_checked,
    running_peer,
    shown,
)
from tests.bench.latency_proxy import LatencyProxy, ProxySession

PROTOCOL_MINIMUM = 9
# Round trips before the client's first flight: the TCP handshake and the wait for the greeting.
ROUND_TRIPS_BEFORE_FIRST_FLIGHT = 2
CLOSE_WAIT_S = 2.0


@dataclass
class Measured:
    """One client's runs through the proxy."""

    name: str
    command: str
    sessions: list[float]
    processes: list[float]
    flights: list[int]


def _closed(proxy: LatencyProxy, count: int) -> ProxySession:
    """The ``count``-th session, once the client has closed it (the proxy delivers the close late)."""
    deadline = time.monotonic() + CLOSE_WAIT_S
    while True:
        if len(proxy.sessions) >= count and proxy.sessions[count - 1].wall_seconds is not None:
            return proxy.sessions[count - 1]
        if time.monotonic() > deadline:
            raise SystemExit("the client never closed its connection through the proxy")
        time.sleep(0.01)


def measure(latency_s: float, runs: int) -> tuple[list[Measured], float]:
    with (
        running_peer() as peer,
        LatencyProxy(peer.host, peer.submission_port, latency_s, emulate_handshake=True) as proxy,
    ):
        session = Session.for_peer(peer, port=proxy.port)
        password = peer.alice.password
        env = child_env({PASSWORD_VAR: password})
        clients = {
            "smtp-doctor probe": session.smtp_doctor_args(),
            "swaks --pipeline": session.swaks_args(password),
        }
        results = {name: Measured(name, shown(args, password), [], [], []) for name, args in clients.items()}
        for args in clients.values():  # warm-up (byte-code cache, Postfix's processes), not counted
            subprocess.run(args, env=env, capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
        for _ in range(runs):
            for name, args in clients.items():  # alternating, so drift hits both alike
                began = time.monotonic()
                run_checked(args, env)
                process = time.monotonic() - began
                proxied = _closed(proxy, len(proxy.sessions))
                wall = proxied.wall_seconds
                assert wall is not None
                results[name].sessions.append(wall)
                results[name].processes.append(process)
                results[name].flights.append(proxied.client_flights())
        return list(results.values()), proxy.round_trip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="one-way latency (default 50)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per client (default 3)")
    options = parser.parse_args()
    measured, rtt = measure(options.latency_ms / 1000.0, options.runs)
    rows = []
    for m in measured:
        session_ms = median_ms(m.sessions)
        round_trips = max(m.flights) + ROUND_TRIPS_BEFORE_FIRST_FLIGHT
        rows.append(
            [
                m.name,
                f"{session_ms:.0f}",
                f"{session_ms / (rtt * 1000):.2f}",
                str(round_trips),
                str(PROTOCOL_MINIMUM),
                f"{median_ms(m.processes):.0f}",
            ]
        )
    footer = [
        f"one-way latency {options.latency_ms:g} ms (RTT {rtt * 1000:g} ms), TCP handshake emulated; "
        f"medians of {options.runs} alternating runs after one warm-up each",
        "session = client connect → client close, at the proxy; RTTs = session / RTT; "
        f"counted = client flights + {ROUND_TRIPS_BEFORE_FIRST_FLIGHT} (TCP handshake, greeting)",
        "minimum: TCP 1 + greeting 1 + EHLO 1 + STARTTLS 1 + TLS 1.3 1 + EHLO 1 + AUTH PLAIN (initial response) 1"
        " + MAIL/RCPT/DATA pipelined 1 + message with QUIT pipelined 1 = 9",
        *(f"{m.name}: {m.command}" for m in measured),
    ]
    print_table(
        "Round trips: STARTTLS + AUTH PLAIN + one message through a latency proxy (Postfix peer)",
        ["client", "session ms", "RTTs", "counted", "minimum", "process ms"],
        rows,
        footer,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
