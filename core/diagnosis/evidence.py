"""Which transcript lines led to a finding (event indices), so reports can point at them."""

from __future__ import annotations

from collections.abc import Callable

from core.diagnosis.context import Context
from core.probe.transcript import EventKind, TranscriptEvent

Evidence = Callable[[Context], tuple[int, ...]]


def _events(ctx: Context) -> tuple[TranscriptEvent, ...]:
    return ctx.result.transcript


def failure_lines(ctx: Context) -> tuple[int, ...]:
    """The command that failed and everything the server or the tool said about it."""
    failure = ctx.failure
    if failure is None:
        return ()
    in_phase = [e for e in _events(ctx) if e.phase is failure.phase]
    clients = [e for e in in_phase if e.kind is EventKind.CLIENT]
    start = clients[-1].index if clients else -1
    picked = {e.index for e in in_phase if e.index >= start and e.kind is not EventKind.INFO}
    if failure.event_index is not None:
        picked.add(failure.event_index)
    if not picked:  # a result without phase tags (e.g. pasted text): the last lines
        picked = {e.index for e in _events(ctx)[-2:]}
    return tuple(sorted(picked))


def matching(kinds: tuple[EventKind, ...], *words: str) -> Evidence:
    """Lines of the given kinds containing any of ``words`` (case-insensitive)."""

    def find(ctx: Context) -> tuple[int, ...]:
        wanted = [w.lower() for w in words]
        return tuple(
            e.index
            for e in _events(ctx)
            if e.kind in kinds and (not wanted or any(w in e.text.lower() for w in wanted))
        )

    return find


auth_commands = matching((EventKind.CLIENT,), "auth ")
tls_lines = matching((EventKind.TLS,))
capability_lines = matching((EventKind.SERVER,), "auth", "starttls")
greeting_line = matching((EventKind.SERVER,), "220 ")
auth_success = matching((EventKind.SERVER,), "235 ")
