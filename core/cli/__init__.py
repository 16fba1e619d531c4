"""The ``smtp-doctor`` command line. Headless commands import no Qt, no msal and no dnspython."""
