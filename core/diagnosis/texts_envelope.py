"""Plain-language texts for sending (envelope and message) findings, warnings and notes."""

from __future__ import annotations

from core.diagnosis.texts_model import Text

ENVELOPE_TEXTS: dict[str, Text] = {
    "not_authenticated": Text(
        "The server wants a login before it accepts mail",
        "The device tried to send without logging in (or the login did not succeed), and this server only "
        "accepts mail from logged-in users.",
        (
            'Turn on authentication ("SMTP authentication", "Login required") in the device\'s email settings.',
            "Enter the mailbox's address as user name and its password (or app password).",
        ),
    ),
    "send_as_denied": Text(
        "This account may not send as {sender}",
        "The login worked, but the sender address (From) is not one this account is allowed to use.",
        (
            "Set the device's sender (From) address to the login's own address ({user}).",
            "Or have an administrator give {user} permission to send as {sender}.",
        ),
    ),
    "sender_not_verified": Text(
        "The sender address is not verified with {provider}",
        "The login worked, but the provider only sends mail from addresses or domains that were verified "
        "first, and {sender} is not one of them.",
        (
            "In the provider's dashboard, verify the sender address {sender} or authenticate the whole domain.",
            "Then set exactly that address as the device's sender (From).",
        ),
    ),
    "relay_denied": Text(
        "The server will not pass this mail on",
        'The server does not accept mail from this device for delivery elsewhere ("relay"): it does not '
        "recognise this network, sender or login.",
        (
            "If the server needs a login, switch authentication on in the device settings.",
            "If it works without a login (relay by IP address), ask the administrator to add this site's public "
            "IP address to the allowed list.",
            "Use a sender (From) address in a domain the server knows.",
        ),
    ),
    "direct_send_rejected": Text(
        "Microsoft 365 rejects sending without a login (Direct Send)",
        'Your Microsoft 365 organisation is set to reject anonymous "Direct Send" mail that claims to come '
        "from your own domain.",
        (),
    ),
    "wrong_host_for_submission": Text(
        "This is the wrong server for sending with a login",
        "{wrong_host_detail}",
        (),
    ),
    "sender_ip_or_tenant_blocked": Text(
        "The server refuses mail from this network",
        "The provider does not accept mail from this site's internet address (it is on a block list, or has a "
        "poor reputation).",
        (
            "Check this site's public IP address on a block-list checker and ask for delisting.",
            "Use authenticated sending on the provider's submission server (port 587) instead of sending directly.",
        ),
    ),
    "recipient_rejected": Text(
        "The recipient address was refused",
        "The server said the recipient address does not exist or cannot receive mail.",
        (
            "Check the recipient address for typos.",
            "Try sending to another address to confirm that sending itself works.",
        ),
    ),
    "quota_exceeded": Text(
        "The account's sending limit is reached",
        "The account has sent as much mail as the provider allows in a day (or another period).",
        (
            "Wait until the limit resets (usually 24 hours) and try again.",
            "For devices that send a lot, spread the sending across accounts or use a bulk-mail service.",
        ),
    ),
    "sender_mailbox_full": Text(
        "The sending mailbox is full",
        "The mailbox the device sends from is over its storage limit (the provider keeps a copy of sent "
        "mail), so it cannot send.",
        ("Empty the mailbox's Sent Items and Deleted Items folders, or ask for more storage.",),
    ),
    "message_too_large": Text(
        "The message is too large",
        "The scan (the message with its attachment) is bigger than the server accepts{size_note}.",
        (
            "Scan at a lower resolution, in black and white, or as several smaller files.",
            "Check the maximum attachment size in the device's email settings.",
        ),
    ),
    "message_rejected": Text(
        "The server refused the message",
        "The login and addresses were accepted, but the server refused the message itself (for example by a "
        'spam or content filter). It said: "{reply}".',
        (
            "Send a simple test message (no attachment) to see whether the content is the problem.",
            "Ask the mail administrator to check the filter logs for this message.",
        ),
    ),
    "envelope_syntax_error": Text(
        "A mail address is not written correctly",
        "The server could not read the sender or recipient address.",
        ("Check the sender (From) and recipient addresses in the device for typos, spaces or missing parts.",),
    ),
    "transient_server_error": Text(
        "A temporary problem at the provider",
        'The server reported a temporary problem ("{reply}"). Nothing needs to change on the device.',
        ("Try again in a few minutes.",),
    ),
    "reply_rejected_unspecified": Text(
        "The server refused the {phase} step",
        'The server refused with a reply this tool does not recognise: "{reply}".',
        (
            "Read the server's reply: it may name the reason.",
            "Search the provider's help for the reply's code ({reply_code}).",
        ),
    ),
    "input_not_recognised": Text(
        "No known server reply or error in this text",
        "The text does not contain a mail server reply code (like 535 5.7.8) or an error this tool knows.",
        (
            "Paste the complete error message, including the numbers (for example 535 5.7.3 ...).",
            "Or run a live test against the server to see the whole conversation.",
        ),
    ),
    # Warnings and notes
    "credentials_sent_without_tls": Text(
        "The login was sent without encryption",
        "The password or token travelled over the network unencrypted, where others could read it.",
        (
            "Switch encryption on in the device (STARTTLS on port 587, or SSL/TLS on port 465).",
            "Change the password if this network is not fully trusted.",
        ),
    ),
    "tls_verification_disabled": Text(
        "Certificate checks were switched off for this test",
        "The test did not check the server's certificate. The printer may check it and fail where this test passed.",
        ("Run the test again with certificate checks on to see what the printer will see.",),
    ),
    "legacy_tls_negotiated": Text(
        "Old encryption (TLS {tls_version}) was used",
        "The connection used an old encryption version that many providers are switching off.",
        ("Update the printer's firmware and enable TLS 1.2 or newer.",),
    ),
    "basic_auth_retirement": Text(
        "Password login works today but Microsoft is retiring it",
        "The login with a password worked. Microsoft is switching off password (Basic) logins for sending. "
        "{policy_status}",
        (),
    ),
    "auth_only_after_starttls": Text(
        "Login is offered only after encryption is switched on",
        "Before encryption the server lists no login methods; after STARTTLS it offers {offered}. This is "
        "normal: the device must use STARTTLS (or SSL/TLS) to be able to log in.",
        ("Make sure the device's encryption setting is STARTTLS (port 587) or SSL/TLS (port 465).",),
    ),
    "clock_skew": Text(
        "The clock is wrong",
        "{skew_detail} Certificates and sign-in tokens are only valid for certain times, so a wrong clock makes "
        "them fail.",
        ("Set the date, time and time zone on this computer and on the printer; use automatic time (NTP).",),
    ),
    # Produced by the pre-flight checks (core.preflight), not by the rule table.
    "password_characters_risky": Text(
        "The password may not survive the device's settings page",
        "The password has {problems}. Technicians report that some printer firmware mishandles such characters in "
        "its web page or stores passwords only up to a fixed length, so the device may send a different password "
        "than the one typed. This is a warning only: the test itself uses the password exactly as given.",
        (
            "If the device's login fails although this test succeeds, try a password of letters and digits only "
            "(at most {limit} characters), or an app password (letters only).",
            "Type the password on the device's own panel instead of its web page, or the other way round.",
        ),
    ),
    "plaintext_submission_port": Text(
        "Sending without encryption on port {port}",
        "{provider} expects devices to send on port 587 with STARTTLS (or 465 with SSL/TLS). Port {port} without "
        "encryption is meant for servers, not for logins.",
        ("Use {preset_host}, port {preset_port}, encryption {preset_security}.",),
    ),
}
