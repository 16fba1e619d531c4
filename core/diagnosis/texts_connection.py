"""Plain-language texts for connection, TLS and greeting findings.

Placeholders in braces are filled from the probe (see ``core.diagnosis.texts.fields``). Write for
an office worker: what happened, in everyday words; fix steps a printer installer can follow.
"""

from __future__ import annotations

from core.diagnosis.texts_model import Text

CONNECTION_TEXTS: dict[str, Text] = {
    "dns_lookup_failed": Text(
        "The server name {host} could not be found",
        "The computer asked the internet's phone book (DNS) for {host} and got no address back. Either the "
        "name is misspelt, or it is an internal name that only works inside another network.",
        (
            "Check the spelling of the server name in the device settings: {host}.",
            "If it is an internal name (e.g. mail.local), test from the same network as the printer.",
            "Check the printer's DNS server settings (often the router's address).",
        ),
    ),
    "connect_refused": Text(
        "Nothing answers on port {port} of {host}",
        "The server was reached, but it refused the connection straight away: no mail service listens on "
        "port {port} there.",
        (
            "Check the port number: 587 (STARTTLS) or 465 (SSL/TLS) for sending with a login, 25 for relays.",
            "Check that the server name is really the outgoing (SMTP) server, not the incoming one.",
            "If it is your own mail server, check that its SMTP service is running.",
        ),
    ),
    "connect_timeout_port_blocked": Text(
        "Port {port} on {host} cannot be reached (no answer)",
        "The connection attempt got no answer at all. Usually a firewall or the internet provider blocks "
        "outgoing connections on port {port} (port 25 is very often blocked), or the server name points to "
        "the wrong place.",
        (
            "Try port 587 with STARTTLS (or 465 with SSL/TLS) instead of {port}.",
            "Ask whoever manages the firewall or router to allow outgoing connections to {host} on port {port}.",
            "Test from another network (e.g. a phone hotspot) to see whether the local network blocks it.",
        ),
    ),
    "connect_failed": Text(
        "The connection to {host} could not be made",
        "The network connection failed before the mail server could answer ({failure_message}).",
        (
            "Check that this computer (and the printer) has a working network and internet connection.",
            "Check the server name and port, then try again.",
        ),
    ),
    "not_smtp_service": Text(
        "Port {port} on {host} is not a mail-sending service",
        "Something answered on port {port}, but it is not an outgoing mail (SMTP) server: it may be a web "
        "server, a mail-reading service (IMAP/POP) or another program.",
        (
            "Use the provider's outgoing (SMTP) server and port: usually 587 with STARTTLS or 465 with SSL/TLS.",
            "Do not use the incoming mail ports (110, 143, 993, 995) or web ports (80, 443).",
        ),
    ),
    "greeting_rejected": Text(
        "The server refused the connection at once",
        'The mail server answered, but with a refusal instead of a welcome. It said: "{reply}".',
        (
            "Read the server's message: it often names the reason (blocked address, too many connections).",
            "Try again later; if it persists, ask the mail provider why this network is refused.",
        ),
    ),
    "port_tls_mismatch_implicit_on_starttls_port": Text(
        "Wrong encryption setting for port {port}: use STARTTLS, not SSL/TLS",
        'The device was set to encrypt from the very first byte ("SSL/TLS", "SMTPS"), but the server on '
        "port {port} starts with an unencrypted greeting and switches to encryption later (STARTTLS). The two "
        "sides did not understand each other.",
        (
            'In the device\'s email settings, set the encryption to STARTTLS (some devices call it "TLS") and '
            "keep port {port}.",
            "Or keep SSL/TLS and change the port to 465, if the provider offers it.",
        ),
    ),
    "port_tls_mismatch_starttls_on_implicit_port": Text(
        "Wrong encryption setting for port {port}: use SSL/TLS, not STARTTLS/None",
        "Port {port} expects encryption from the very first byte (SSL/TLS), but the device waited for an "
        "unencrypted greeting. The server waits for encryption, the device waits for a greeting: nothing "
        "happens until the time runs out.",
        (
            'In the device\'s email settings, set the encryption to SSL/TLS ("SMTPS") for port {port}.',
            "Or keep STARTTLS and change the port to 587.",
        ),
    ),
    "starttls_not_offered": Text(
        "The server does not offer encryption (STARTTLS) on port {port}",
        "The device asked for STARTTLS, but the server on port {port} does not offer it. Sending would have to "
        "happen unencrypted, which most providers do not allow for logins.",
        (
            "Use the port the provider documents for encrypted sending (usually 587, or 465 with SSL/TLS).",
            "If this is your own server or relay, enable TLS on it.",
            "A firewall that inspects mail traffic can remove STARTTLS: ask whoever manages it.",
        ),
    ),
    "starttls_failed": Text(
        "The server refused to start encryption",
        'The server offered STARTTLS but refused it when asked. It said: "{reply}".',
        (
            "Try again later (this is often a temporary problem on the server).",
            "If it persists, try port 465 with SSL/TLS, or ask the mail provider.",
        ),
    ),
    "tls_handshake_failed": Text(
        "The encrypted connection could not be set up",
        "The server and this device could not agree on how to encrypt the connection ({failure_message}). "
        "Typical causes: an old encryption library on the device, or a firewall or antivirus that intercepts "
        "mail traffic.",
        (
            "Update the printer's firmware (newer firmware supports current encryption, TLS 1.2 or 1.3).",
            "Check whether a firewall, proxy or antivirus inspects port {port} and exclude the mail server.",
            "In the device settings, enable TLS 1.2 if it can be chosen.",
        ),
    ),
    "tls_version_too_old": Text(
        "The encryption version is too old for this server",
        "The server only accepts modern encryption (TLS 1.2 or newer), and the connection offered an older "
        "version (TLS 1.0 or 1.1).",
        (
            "Update the printer's firmware and enable TLS 1.2 in its security settings.",
            "If the device cannot do TLS 1.2, use a local relay that accepts it and forwards securely.",
        ),
    ),
    "tls_certificate_untrusted": Text(
        "The server's certificate is not trusted",
        "The server showed an identity certificate that this computer cannot trace back to a trusted "
        "authority. {cert_cause}",
        (
            "Check the certificate's issuer shown in the TLS details: {issuer}.",
            "If your firewall inspects encrypted traffic, exclude the mail server or import the firewall's "
            "certificate into the device's trusted certificates.",
            "If it is an internal server with its own certificate authority, import that CA certificate into "
            "the printer (and use --ca-file for this test).",
        ),
    ),
    "tls_certificate_expired": Text(
        "The server's certificate is expired or not yet valid",
        "The server's identity certificate is outside its validity dates ({validity}). {clock_hint}",
        (
            "Check the date and time on this computer and on the printer; set them automatically (NTP).",
            "If the clocks are right, the server's owner must renew the certificate.",
        ),
    ),
    "tls_certificate_hostname_mismatch": Text(
        "The certificate does not match the name {host}",
        "The server's certificate is made out for other names ({sans}), not for {host}. That happens when "
        "the device uses an IP address, an internal alias or a wrong server name.",
        (
            "Use the server name the certificate is made out for, e.g. {first_san}, instead of {host}.",
            "Do not enter an IP address as the mail server when encryption is used.",
        ),
    ),
    "server_timeout": Text(
        "The server stopped answering",
        "The server went silent during the {phase} step and did not answer in time. {timeout_hint}",
        (
            "Try again: the server may just be slow or busy.",
            "If it happens at the start, check the encryption setting: port 465 needs SSL/TLS, 587 STARTTLS.",
            "Check that no firewall or antivirus holds the connection.",
        ),
    ),
    "server_disconnected": Text(
        "The server hung up",
        "The server closed the connection during the {phase} step without saying why.",
        (
            "Try again later; the server may limit connections from this network.",
            "Check the encryption setting and port against the provider's instructions.",
        ),
    ),
    "protocol_error": Text(
        "The server's answer was garbled",
        "The server sent something that is not a valid mail-server answer ({failure_message}). A broken "
        "server, a proxy or a security device in between can cause this.",
        (
            "Check whether a firewall or antivirus inspects mail traffic and exclude the mail server.",
            "Try the other encrypted port (465 SSL/TLS or 587 STARTTLS).",
        ),
    ),
    "ehlo_rejected": Text(
        "The server refused the device's greeting (EHLO)",
        "After connecting, the device introduces itself by name (EHLO). The server refused that introduction. "
        'It said: "{reply}".',
        (
            "Give the device a proper host name (e.g. scanner.yourdomain.com) in its network settings.",
            "If the server limits connections from this address, ask the mail provider.",
        ),
    ),
}
