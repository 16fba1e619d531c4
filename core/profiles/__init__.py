"""Saved profiles: settings in a JSON file, secrets in the OS keyring (never in a file).

Modules: ``model`` (Profile, SecretKind, SecretRef), ``store`` (ProfileStore: the JSON file),
``migrations`` (older file schemas), ``secrets`` (SecretStore protocol, SessionSecretStore,
open_secret_store), ``keyring_store`` (KeyringSecretStore with chunking), ``service``
(ProfileService: profiles plus secrets, for the GUI and CLI), ``exchange`` (export/import without
secrets). ``probe --profile NAME`` reads them through ``core.cli.profile_flags``.

Import the modules themselves; this package imports nothing so the CLI stays fast.
"""
