"""Small dialogs of the desktop app (About, device-code sign-in)."""
