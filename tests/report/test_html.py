"""The HTML report is well-formed, self-contained and loads nothing from anywhere.

html5lib is not available, so a strict checker is built on Python's html.parser: every element
closed in order, void elements never closed, only known elements, no script, no external source,
no link elements, no CSS url()/@import, and the Content-Security-Policy that forbids loading.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from core.report.html import render_html
from core.report.prepared import prepare
from tests.report.samples import FIXED_ENVIRONMENT, Sample, all_samples

VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr", "area", "base", "source"}
ALLOWED = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "b", "span", "table", "tr",
    "th", "td", "ol", "ul", "li", "pre", "br",
}  # fmt: skip
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "data", "background"}


class StrictChecker(HTMLParser):
    """Collects well-formedness and self-containment problems."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.style_text = ""
        self.meta: list[dict[str, str | None]] = []
        self._in_style = False

    def handle_decl(self, decl: str) -> None:
        self.seen.append(f"!{decl.lower()}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        if tag not in ALLOWED:
            self.problems.append(f"unexpected element <{tag}>")
        for name, value in attrs:
            if name in URL_ATTRIBUTES:
                self.problems.append(f"<{tag} {name}={value!r}> may load a resource")
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style" and value and re.search(r"url\(|@import", value, re.I):
                self.problems.append(f"inline style loads something: {value}")
        if tag == "meta":
            self.meta.append(dict(attrs))
        if tag in VOID:
            return
        self.stack.append(tag)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> (not HTML5 style)")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"void element closed: </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style_text += data

    def close(self) -> None:
        super().close()
        if self.stack:
            self.problems.append(f"unclosed elements: {self.stack}")


def check(document: str) -> StrictChecker:
    checker = StrictChecker()
    checker.feed(document)
    checker.close()
    return checker


def _html(sample: Sample) -> str:
    return render_html(
        prepare(sample.result, sample.findings, secrets=sample.credentials, environment=FIXED_ENVIRONMENT)
    )


@pytest.mark.parametrize("sample", all_samples(), ids=lambda s: s.name)
def test_report_is_well_formed_and_self_contained(sample: Sample) -> None:
    document = _html(sample)
    checker = check(document)
    assert checker.problems == []
    assert checker.seen[:2] == ["!doctype html", "html"]
    assert not re.search(r"url\(|@import|@font-face", checker.style_text, re.I)
    assert "<script" not in document.lower()
    csp = [m for m in checker.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp
    assert "default-src 'none'" in (csp[0]["content"] or "")
    assert {"charset": "utf-8"} in checker.meta


def test_urls_in_findings_stay_plain_text() -> None:
    sample = all_samples()[1]
    document = _html(sample)
    assert "https://aka.ms/smtp_auth_disabled" in document
    assert "<a " not in document


def test_the_checker_catches_what_it_should() -> None:
    bad = (
        '<!DOCTYPE html><html><head><script src="https://x.test/a.js"></script></head>'
        '<body><p><b>x</p><img src="http://x.test/i.png"></br></body></html>'
    )
    problems = check(bad).problems
    assert any("unexpected element <script>" in p for p in problems)
    assert any("may load a resource" in p for p in problems)
    assert any("does not close" in p for p in problems)
    assert any("void element closed" in p for p in problems)


def test_transcript_rows_carry_text_markers_and_colour_classes() -> None:
    document = _html(all_samples()[1])
    assert '<tr class="k-client"><td>#3</td>' in document
    assert '<td class="k-client"><b>C:</b></td>' in document
    assert '<td class="k-server"><b>S:</b></td>' in document
    assert '<td class="k-error"><b>!</b></td>' in document
    assert ".k-error {" in document
