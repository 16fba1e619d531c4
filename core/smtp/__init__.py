"""Sans-I/O SMTP client: no sockets, no clock, no threads; bytes in, typed replies out."""
