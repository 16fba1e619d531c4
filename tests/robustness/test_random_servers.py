"""Property-based: whatever bytes a server sends, the app ends with a result and a diagnosis.

The parser and the state machine have their own properties in tests/unit; these add what only the
whole stack shows: arbitrary bytes at any point of a real session over a real socket give a result
(failure or success, never an exception), and a failed run always gets a primary finding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from core.errors import LocalProtocolError, RemoteProtocolError
from core.model import Timeouts
from core.probe.result import FailureKind
from core.smtp.commands import Command, Data, Ehlo, MailFrom, Quit, RcptTo
from core.smtp.conversation import ClientConversation, State
from core.smtp.events import Reply
from tests.helpers.scripted_server import Close, ScriptedServer, Sleep
from tests.robustness.harness import PASSED, SLACK, Observation, assert_bounded, observe, plan_for
from tests.robustness.table import Row, record

# Hypothesis caches in ./.hypothesis by default, which pytest then refuses to walk past.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "smtp-doctor-hypothesis")

QUICK = Timeouts(connect=1.0, greeting=0.3, tls=0.3, command=0.3, data_end=0.3, total=1.5)
EXAMPLES = 30

# Fragments that reach deeper into a session than uniformly random bytes would.
_PIECES = st.sampled_from(
    [
        b"220 ok\r\n",
        b"250 ok\r\n",
        b"250-",
        b"235 ok\r\n",
        b"334 \r\n",
        b"354 go\r\n",
        b"421 4.7.0 bye\r\n",
        b"535 5.7.8 no\r\n",
        b"\r\n",
        b"\n",
        b"\xff\xfe",
        b"\x16\x03\x01",
        b"HTTP/1.1 200 OK\r\n",
        b"999 ",
    ]
)
PAYLOADS = st.one_of(st.binary(max_size=300), st.lists(_PIECES, max_size=12).map(b"".join))
WHERE = st.sampled_from(["greeting", "ehlo", "auth_command", "mail_from", "rcpt_to", "data_end"])


class Summary:
    """One table row for the whole property test: the codes seen, the slowest run, the largest peak."""

    def __init__(self) -> None:
        self.codes: set[str] = set()
        self.slowest = 0.0
        self.peak = 0

    def add(self, observation: Observation) -> None:
        self.codes.add(observation.code)
        self.slowest = max(self.slowest, observation.seconds)
        self.peak = max(self.peak, observation.peak_bytes)


SUMMARY = Summary()


@pytest.mark.network
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(payload=PAYLOADS, where=WHERE, then_close=st.booleans())
def test_any_server_bytes_give_a_result_and_a_diagnosis(payload: bytes, where: str, then_close: bool) -> None:
    ending = Close() if then_close else Sleep(5)
    with ScriptedServer.smtp({where: [payload, ending]}, connection_time_limit=5, total_time_limit=10) as server:
        observation = observe(plan_for(server.port, login=True, send=True, timeouts=QUICK))
    SUMMARY.add(observation)
    assert_bounded(observation, QUICK.total)
    result = observation.result
    assert result is not None
    if result.ok:
        assert observation.code == PASSED
    else:
        assert result.failure is not None
        assert result.failure.kind is not FailureKind.INTERNAL, result.failure.message
        assert observation.error_findings(), f"no diagnosis for {result.failure}"


def test_property_summary_row() -> None:
    # Runs after the property test (file order): one row in the printed table for all its examples.
    if not SUMMARY.codes:
        pytest.skip("the property test did not run")
    codes = ", ".join(sorted(SUMMARY.codes))
    assert not any(code.startswith(("EXCEPTION", "(no finding")) for code in SUMMARY.codes), codes
    assert SUMMARY.slowest < QUICK.total + SLACK
    record(
        Row(
            "property",
            f"{EXAMPLES} random byte streams",
            "a finding or a pass",
            "a finding or a pass",
            SUMMARY.slowest,
            SUMMARY.peak,
        )
    )
    print(f"codes seen: {codes}")


_COMMANDS: list[Command] = [
    Ehlo("client.example"),
    MailFrom("a@example.com"),
    RcptTo("b@example.org"),
    Data(),
    Quit(),
]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(st.binary(max_size=120), st.sampled_from(_COMMANDS)), max_size=30))
def test_conversation_with_random_bytes_fails_closed(steps: list[bytes | Command]) -> None:
    """Random server bytes between commands: replies or one protocol error, after which nothing is sent."""
    conversation = ClientConversation()
    broken = False
    for step in steps:
        if isinstance(step, bytes):
            conversation.receive_data(step)
            try:
                while (reply := conversation.next_reply()) is not None:
                    assert isinstance(reply, Reply)
                    assert 200 <= reply.code <= 599
            except RemoteProtocolError:
                broken = True
            continue
        try:
            conversation.send(step)
        except LocalProtocolError:
            pass
        else:
            assert not broken, "a command was accepted after the server broke the protocol"
    if broken:
        assert conversation.state is State.ERROR
        assert not any(conversation.can_send(command) for command in _COMMANDS)
