"""Where SMTP Doctor keeps its settings: the platform's config directory, or one the user names.

``SMTP_DOCTOR_CONFIG_DIR`` overrides the platform default (tests, portable installs, a technician
who keeps profiles on a USB stick). The directory is created on first save, not on import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

APP_NAME: Final = "smtp-doctor"
CONFIG_DIR_ENV: Final = "SMTP_DOCTOR_CONFIG_DIR"
PROFILES_FILE: Final = "profiles.json"


def config_dir() -> Path:
    """``$SMTP_DOCTOR_CONFIG_DIR`` if set, else e.g. ``~/.config/smtp-doctor`` or ``%APPDATA%\\smtp-doctor``."""
    override = os.environ.get(CONFIG_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs  # imported here: the CLI's start-up path does not need it

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_profiles_path() -> Path:
    return config_dir() / PROFILES_FILE
