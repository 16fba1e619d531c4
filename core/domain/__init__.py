"""Facts about the sender's domain from DNS (MX today), for the check use case and its reports.

dnspython is imported inside the functions that query, so commands that never look anything up
(``explain``, ``probe`` against an IP with a reserved sender domain) never load it.
"""
