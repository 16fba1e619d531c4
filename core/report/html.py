"""The self-contained HTML report: one file, inline CSS, no scripts, fonts, images or links.

It opens in any browser with no network, and Qt's QTextDocument can lay it out for the PDF, so
the markup sticks to what both understand: tables, headings, lists, ``pre`` and class selectors.
Colour is never the only signal: every transcript line keeps its ``C:``/``S:``/``T:``/``*``/``!``
marker and every finding its severity word. URLs in findings stay plain text (no links).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from core.diagnosis.finding import Finding
from core.probe.transcript import TranscriptEvent
from core.report import content
from core.report.content import Row
from core.report.prepared import PreparedReport
from core.report.text import SAFETY_NOTE

# The page may load nothing at all, even if someone edits the file: the browser enforces it.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"

STYLE = """
body { font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; font-size: 10pt; color: #1f2328;
       background: #ffffff; margin: 16px auto; max-width: 1000px; padding: 0 12px; }
h1 { font-size: 17pt; margin: 0 0 6px 0; }
h2 { font-size: 13pt; margin: 18px 0 6px 0; padding-bottom: 2px; border-bottom: 1px solid #d0d7de;
     color: #24292f; }
h3 { font-size: 11pt; margin: 10px 0 4px 0; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { text-align: left; vertical-align: top; padding: 3px 8px; border: 1px solid #d0d7de; }
th { background-color: #f6f8fa; font-weight: bold; }
.kv th { white-space: nowrap; }
pre, .mono { font-family: 'DejaVu Sans Mono', Consolas, monospace; font-size: 9pt; }
pre { background-color: #f6f8fa; padding: 6px; margin: 4px 0; white-space: pre-wrap; }
.verdict { width: 100%; }
.verdict td { border: none; padding: 8px 10px; font-size: 12pt; }
.pass { background-color: #dafbe1; color: #116329; }
.fail { background-color: #ffebe9; color: #a40e26; }
.badge { font-weight: bold; padding: 1px 5px; }
.sev-error { color: #ffffff; background-color: #cf222e; }
.sev-warning { color: #1f2328; background-color: #f2cc60; }
.sev-info { color: #ffffff; background-color: #0969da; }
.code { color: #57606a; font-family: 'DejaVu Sans Mono', Consolas, monospace; }
.note { color: #57606a; }
.transcript td { border: none; border-bottom: 1px solid #eaeef2; padding: 1px 6px; }
.transcript .text { white-space: pre-wrap; word-break: break-all; }
.k-client { color: #0550ae; }
.k-server { color: #116329; }
.k-tls { color: #8250df; }
.k-info { color: #57606a; }
.k-error { color: #a40e26; background-color: #ffebe9; font-weight: bold; }
.bar { color: #0969da; }
.changed { color: #9a6700; font-weight: bold; }
"""


def render_html(report: PreparedReport) -> str:
    """The full HTML report as one string."""
    result, findings = report.result, report.findings
    verdict = content.verdict(result, findings)
    title = f"SMTP Doctor report: {content.target(result.plan)}"
    body = [
        "<h1>SMTP Doctor report</h1>",
        _verdict_table(verdict),
        _kv(
            [
                ("Target", content.target(result.plan)),
                ("Tested", f"{content.stamp(result.started_at)} (took {result.duration_ms:.0f} ms)"),
            ]
        ),
        f'<p class="note">{escape(SAFETY_NOTE)}</p>',
        "<h2>Findings</h2>",
        _findings(findings, result.transcript),
        "<h2>What stopped the test</h2>",
        _kv(content.failure_rows(result)) or "<p>Nothing: every step ran.</p>",
        "<h2>Settings tested</h2>",
        _kv(content.settings_rows(result.plan)),
        "<h2>Connection</h2>",
        _kv(content.connection_rows(result)),
        "<h2>TLS and certificate</h2>",
        _tls(report),
        "<h2>Capabilities (EHLO) before and after STARTTLS</h2>",
        _capabilities(report),
        "<h2>Timings per phase</h2>",
        _timings(report),
        *_oauth(report),
        "<h2>Transcript</h2>",
        _transcript(result.transcript),
        "<h2>Environment</h2>",
        _kv(content.environment_rows(report.environment)),
    ]
    page = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
    ]
    return report.finish("\n".join(page) + "\n")


def _verdict_table(verdict: content.Verdict) -> str:
    css = "pass" if verdict.passed else "fail"
    return (
        f'<table class="verdict"><tr><td class="{css}"><b>{escape(verdict.label)}</b>: '
        f"{escape(verdict.headline)}</td></tr></table>"
    )


def _findings(findings: Sequence[Finding], transcript: Sequence[TranscriptEvent]) -> str:
    if not findings:
        return "<p>No findings.</p>"
    parts: list[str] = []
    for number, finding in enumerate(content.ordered(findings), 1):
        severity = finding.severity.value
        parts.append(
            f"<h3>{number}. "
            f'<span class="badge sev-{severity}">{escape(content.severity_label(finding.severity))}</span> '
            f'{escape(finding.title)} <span class="code">({escape(finding.code)})</span></h3>'
        )
        parts.append(f"<p>{escape(finding.explanation)}</p>")
        if finding.fix:
            parts.append("<p><b>Fix:</b></p>")
            parts.append(_list("ol", finding.fix))
        if finding.commands:
            parts.append("<p><b>Commands:</b></p>")
            parts.append(f"<pre>{escape(chr(10).join(finding.commands))}</pre>")
        evidence = content.evidence_lines(finding, transcript)
        if evidence:
            parts.append("<p><b>Evidence:</b></p>")
            parts.append(f"<pre>{escape(chr(10).join(evidence))}</pre>")
    return "\n".join(parts)


def _tls(report: PreparedReport) -> str:
    tls = report.result.tls
    if tls is None:
        return "<p>No TLS: the connection was not encrypted.</p>"
    parts = [_kv(content.tls_rows(tls))]
    for number, cert in enumerate(tls.chain, 1):
        parts.append(f"<h3>Certificate {number}</h3>")
        parts.append(_kv(content.certificate_rows(cert)))
    return "\n".join(parts)


def _capabilities(report: PreparedReport) -> str:
    result = report.result
    rows = content.capability_rows(result.capabilities_before_tls, result.capabilities_after_tls)
    if not rows:
        return "<p>The server sent no EHLO capabilities.</p>"
    has_after = result.capabilities_after_tls is not None
    header = "<tr><th>Before STARTTLS</th><th>After STARTTLS</th><th>Change</th></tr>"
    lines = [f'<table class="caps">{header}']
    for row in rows:
        after = (row.after or "—") if has_after else "(no STARTTLS)"
        change = row.change if has_after else ""
        lines.append(
            f'<tr><td class="mono">{escape(row.before or "—")}</td><td class="mono">{escape(after)}</td>'
            f'<td class="changed">{escape(change)}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def _timings(report: PreparedReport) -> str:
    rows = content.timing_rows(report.result)
    if not rows:
        return "<p>No phase ran.</p>"
    longest = max(r.milliseconds for r in rows)
    lines = ['<table class="timings"><tr><th>Phase</th><th>Result</th><th>Time (ms)</th><th></th></tr>']
    for r in rows:
        status = '<span class="k-server">ok</span>' if r.ok else '<span class="k-error">FAILED</span>'
        bar = escape(content.timing_bar(r.milliseconds, longest))
        lines.append(
            f"<tr><td>{escape(r.phase)}</td><td>{status}</td><td>{r.milliseconds:.1f}</td>"
            f'<td class="bar">{bar}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def _oauth(report: PreparedReport) -> list[str]:
    rows = content.token_rows(report.result) + content.xoauth2_rows(report.result)
    return ["<h2>OAuth token</h2>", _kv(rows)] if rows else []


def _transcript(events: Sequence[TranscriptEvent]) -> str:
    if not events:
        return "<p>The transcript is empty.</p>"
    lines = ['<table class="transcript mono">']
    for e in events:
        kind = f"k-{e.kind.value}"
        lines.append(
            f'<tr class="{kind}"><td>#{e.index}</td><td>{e.offset_ms:.1f}&nbsp;ms</td>'
            f'<td class="{kind}"><b>{escape(e.kind.prefix)}</b></td>'
            f'<td class="text {kind}">{escape(e.text)}</td></tr>'
        )
    lines.append("</table>")
    return "\n".join(lines)


def _kv(rows: list[Row]) -> str:
    if not rows:
        return ""
    cells = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in rows)
    return f'<table class="kv">{cells}</table>'


def _list(tag: str, items: Iterable[str]) -> str:
    return f"<{tag}>" + "".join(f"<li>{escape(item)}</li>" for item in items) + f"</{tag}>"
