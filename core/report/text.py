"""Plain-text reports: the full report (``.txt``) and the short summary pasted into a ticket."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from core.diagnosis.finding import Finding, primary
from core.probe.transcript import TranscriptEvent
from core.report import content
from core.report.content import Row
from core.report.environment import describe_clock_offset
from core.report.prepared import PreparedReport

WIDTH = 100
SAFETY_NOTE = "Passwords, app passwords, tokens and AUTH payloads are not in this report: they are shown as ***."


def render_text(report: PreparedReport) -> str:
    """The full plain-text report."""
    result, findings, env = report.result, report.findings, report.environment
    verdict = content.verdict(result, findings)
    lines: list[str] = [
        "SMTP Doctor report",
        "==================",
        *_rows(
            [
                ("Result", f"{verdict.label}: {verdict.headline}"),
                ("Target", content.target(result.plan)),
                ("Tested", f"{content.stamp(result.started_at)} (took {result.duration_ms:.0f} ms)"),
            ]
        ),
        "",
        SAFETY_NOTE,
    ]
    lines += _section("Findings", _findings(findings, result.transcript) or ["(no findings)"])
    lines += _section("What stopped the test", _rows(content.failure_rows(result)) or ["(nothing: every step ran)"])
    lines += _section("Settings tested", _rows(content.settings_rows(result.plan)))
    lines += _section("Connection", _rows(content.connection_rows(result)))
    lines += _section("TLS and certificate", _tls(report))
    lines += _section("Capabilities (EHLO) before and after STARTTLS", _capabilities(report))
    lines += _section("Timings per phase", _timings(report))
    oauth = content.token_rows(result) + content.xoauth2_rows(result)
    if oauth:
        lines += _section("OAuth token", _rows(oauth))
    lines += _section("Transcript", transcript_lines(result.transcript))
    lines += _section("Environment", _rows(content.environment_rows(env)))
    return report.finish("\n".join(lines).rstrip() + "\n")


def render_ticket_summary(report: PreparedReport) -> str:
    """A short summary for a ticket: verdict, cause and fix, what was tested, the decisive reply."""
    result, findings = report.result, report.findings
    verdict = content.verdict(result, findings)
    plan = result.plan
    mechanism = result.auth_mechanism or plan.auth.value.upper()
    login = f"login {mechanism} as {plan.username}" if plan.username else "no login"
    lines = [
        f"SMTP Doctor {report.environment.app_version}: {verdict.label}: {verdict.headline}",
        f"Tested {content.target(plan)}, {login}, secret: {content.credential_label(plan.credential_kind)}",
        f"When: {content.stamp(result.started_at)}, took {result.duration_ms:.0f} ms"
        + (f", stopped at {result.failure.phase.value}" if result.failure else ""),
    ]
    if result.failure is not None and result.failure.reply is not None:
        lines.append("Server said: " + " / ".join(result.failure.reply.wire_lines()))
    elif result.failure is not None:
        lines.append(f"Error: {result.failure.message}")
    cause = primary(findings)
    if cause is not None:
        lines.append(f"Cause [{cause.code}]: {cause.title}")
        lines += [f"  {n}. {step}" for n, step in enumerate(cause.fix, 1)]
        lines += [f"  > {command}" for command in cause.commands]
    others = [f for f in content.ordered(findings) if f is not cause]
    if others:
        lines.append("Also: " + "; ".join(f"{f.title} [{f.code}, {f.severity.value}]" for f in others))
    if result.tls is not None:
        tls = dict(content.tls_rows(result.tls))
        lines.append(f"TLS: {tls['TLS version']} {tls['Cipher']}, certificate {tls['Certificate']}")
    env = report.environment
    lines.append(
        f"Client: {env.os}, Python {env.python}, clock offset {describe_clock_offset(env.clock_offset_seconds)}"
    )
    return report.finish("\n".join(lines) + "\n")


def transcript_lines(events: Sequence[TranscriptEvent]) -> list[str]:
    """``#3   +12.5 ms  S: 250 OK`` — markers make the transcript readable without colour."""
    return [f"#{e.index:<3} {e.offset_ms:>9.1f} ms  {e.kind.prefix:<2} {e.text}" for e in events] or ["(empty)"]


def _findings(findings: Sequence[Finding], transcript: Sequence[TranscriptEvent]) -> list[str]:
    lines: list[str] = []
    for number, finding in enumerate(content.ordered(findings), 1):
        label = content.severity_label(finding.severity)
        lines.append(f"{number}. [{label}] {finding.title} ({finding.code})")
        lines += textwrap.wrap(finding.explanation, WIDTH, initial_indent="   ", subsequent_indent="   ")
        if finding.fix:
            lines.append("   Fix:")
            for step_number, step in enumerate(finding.fix, 1):
                lines += textwrap.wrap(
                    step, WIDTH, initial_indent=f"     {step_number}. ", subsequent_indent="        "
                )
        if finding.commands:
            lines.append("   Commands:")
            lines += [f"     {command}" for command in finding.commands]
        evidence = content.evidence_lines(finding, transcript)
        if evidence:
            lines.append("   Evidence:")
            lines += [f"     {line}" for line in evidence]
        lines.append("")
    return lines[:-1] if lines else lines


def _tls(report: PreparedReport) -> list[str]:
    tls = report.result.tls
    if tls is None:
        return ["(no TLS: the connection was not encrypted)"]
    lines = _rows(content.tls_rows(tls))
    for number, cert in enumerate(tls.chain, 1):
        lines += ["", f"  Certificate {number}", *_rows(content.certificate_rows(cert), indent=4)]
    return lines


def _capabilities(report: PreparedReport) -> list[str]:
    rows = content.capability_rows(report.result.capabilities_before_tls, report.result.capabilities_after_tls)
    if not rows:
        return ["(the server sent no EHLO capabilities)"]
    width = max(len(r.before or "-") for r in rows)
    width = max(width, len("before STARTTLS"))
    lines = [f"  {'before STARTTLS':<{width}}   after STARTTLS"]
    for row in rows:
        after = (row.after or "-") if report.result.capabilities_after_tls is not None else "(no STARTTLS)"
        note = f"   [{row.change}]" if row.change and report.result.capabilities_after_tls else ""
        lines.append(f"  {row.before or '-':<{width}}   {after}{note}")
    return lines


def _timings(report: PreparedReport) -> list[str]:
    rows = content.timing_rows(report.result)
    if not rows:
        return ["(no phase ran)"]
    longest = max(r.milliseconds for r in rows)
    width = max(len(r.phase) for r in rows)
    return [
        f"  {r.phase:<{width}}  {'ok  ' if r.ok else 'FAIL'}  {r.milliseconds:>9.1f} ms  "
        f"{content.timing_bar(r.milliseconds, longest)}".rstrip()
        for r in rows
    ]


def _section(title: str, body: list[str]) -> list[str]:
    return ["", title, "-" * len(title), *body]


def _rows(rows: list[Row], indent: int = 2) -> list[str]:
    if not rows:
        return []
    width = max(len(label) for label, _ in rows)
    return [f"{' ' * indent}{label + ':':<{width + 1}} {value}" for label, value in rows]
