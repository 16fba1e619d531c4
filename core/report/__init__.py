"""Renderings of a probe result: the CLI's JSON, plain text and HTML reports, all redacted."""
