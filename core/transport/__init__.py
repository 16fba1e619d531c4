"""Blocking network transport: sockets, TLS, deadlines (the only place OS and ssl errors are mapped)."""
