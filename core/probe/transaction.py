"""The message transaction of a probe: MAIL FROM, every RCPT TO, DATA and the message, and their verdicts.

With PIPELINING offered (and not switched off by the plan) MAIL, every RCPT and DATA go in one
write and their replies are read in order; QUIT then rides in the same write as the message
(RFC 2920 §3.1), so its 221 costs no extra round trip. Without it each command waits for its reply.

Verdicts: a refused sender or DATA stops the run; a refused recipient stops it only when every
recipient was refused; when some were accepted the message still goes to them and the refusal is
recorded as the failure (the finding) without stopping.
"""

from __future__ import annotations

from datetime import datetime

from core.probe.phases import Phase
from core.probe.result import FailureKind
from core.probe.session import ProbeSession, Stop
from core.smtp.commands import Data, DataBody, MailFrom, Quit, RcptTo
from core.smtp.events import Reply
from core.smtp.message import build_message


def send_message(session: ProbeSession) -> None:
    """Send the plan's message (when it has a recipient), pipelined when the server allows."""
    if not session.plan.message.rcpt_to:
        session.info("No recipient given: the test stops before sending a message")
        return
    if session.plan.behaviour.pipelining and session.conversation.pipelining:
        session.info("The server offers PIPELINING: MAIL FROM, RCPT TO and DATA go in one write")
        _pipelined_transaction(session)
    else:
        _transaction(session)


def _prepare(session: ProbeSession) -> tuple[MailFrom, list[RcptTo], DataBody]:
    """The envelope and the message; SIZE= only when the server offered SIZE."""
    plan = session.plan
    spec = plan.message
    body = DataBody(
        build_message(
            spec,
            now=datetime.now().astimezone(),
            profile_name=plan.profile_name,
            fallback_from=plan.username,
        )
    )
    capabilities = session.conversation.capabilities
    size = len(body.to_wire()) if capabilities is not None and capabilities.size is not None else None
    return MailFrom(spec.mail_from, size), [RcptTo(address) for address in spec.rcpt_to], body


def _transaction(session: ProbeSession) -> None:
    """MAIL, each RCPT and DATA, each waiting for its reply (no PIPELINING)."""
    with session.step(Phase.MAIL_FROM):
        mail, recipients, body = _prepare(session)
        mail_reply = session.exchange(mail, Phase.MAIL_FROM)
        _judge_sender(mail_reply)
    with session.step(Phase.RCPT_TO) as step:
        replies = [session.exchange(rcpt, Phase.RCPT_TO) for rcpt in recipients]
        step.ok = _judge_recipients(session, replies)
    with session.step(Phase.DATA):
        data_reply = session.exchange(Data(), Phase.DATA)
        _judge_data(data_reply)
        _send_body(session, body)


def _pipelined_transaction(session: ProbeSession) -> None:
    """MAIL, every RCPT and DATA in one write (RFC 2920), then their replies in order."""
    deadline = session.deadline(session.plan.timeouts.command)
    with session.step(Phase.MAIL_FROM) as step:
        mail, recipients, body = _prepare(session)
        wire = session.queue(mail, Phase.MAIL_FROM)
        wire += b"".join(session.queue(rcpt, Phase.RCPT_TO) for rcpt in recipients)
        wire += session.queue(Data(), Phase.DATA)
        session.transport.send(wire, deadline)
        mail_reply = session.read_reply(Phase.MAIL_FROM, deadline)
        step.ok = mail_reply.is_positive
    with session.step(Phase.RCPT_TO) as step:
        replies = [session.read_reply(Phase.RCPT_TO, deadline) for _ in recipients]
        step.ok = mail_reply.is_positive and all(r.is_positive for r in replies)
    with session.step(Phase.DATA):
        data_reply = session.read_reply(Phase.DATA, deadline)
        nobody = not (mail_reply.is_positive and any(r.is_positive for r in replies))
        if data_reply.code == 354 and nobody:
            # RFC 2920 §3.1: the server should have refused DATA; end the empty message at once.
            session.exchange(DataBody(b""), Phase.DATA)
        _judge_sender(mail_reply)
        _judge_recipients(session, replies)
        _judge_data(data_reply)
        _send_body(session, body)


def _judge_sender(reply: Reply) -> None:
    if not reply.is_positive:
        raise Stop(FailureKind.REPLY, Phase.MAIL_FROM, f"The sender was refused: {reply.quoted}", reply)


def _judge_recipients(session: ProbeSession, replies: list[Reply]) -> bool:
    """True when every recipient was accepted; stops when none was; notes a partial refusal."""
    refused = [r for r in replies if not r.is_positive]
    if not refused:
        return True
    message = f"A recipient was refused: {refused[0].quoted}"
    if len(refused) == len(replies):
        raise Stop(FailureKind.REPLY, Phase.RCPT_TO, message, refused[0])
    # Some recipients were accepted: the message still goes to them, and the refusal is the finding.
    session.fail(FailureKind.REPLY, Phase.RCPT_TO, message, reply=refused[0])
    return False


def _judge_data(reply: Reply) -> None:
    if reply.code != 354:
        raise Stop(FailureKind.REPLY, Phase.DATA, f"The server refused DATA: {reply.quoted}", reply)


def _send_body(session: ProbeSession, body: DataBody) -> None:
    deadline = session.deadline(session.plan.timeouts.data_end)
    wire = session.queue(body, Phase.DATA)
    if session.plan.behaviour.pipelining and session.conversation.can_send(Quit()):
        # RFC 2920 §3.1: the message may open a pipelined group and QUIT may end it, so the 221
        # comes back with the message's reply instead of costing one more round trip.
        wire += session.queue(Quit(), Phase.QUIT)
    session.transport.send(wire, deadline)
    reply = session.read_reply(Phase.DATA, deadline)
    if not reply.is_positive:
        raise Stop(FailureKind.REPLY, Phase.DATA, f"The message was refused: {reply.quoted}", reply)
    session.message_accepted = True
    session.info(f"The server accepted the message ({len(body.content)} bytes)")
