"""Run by tests/oauth/test_real_keyring.py inside a private Secret Service (gnome-keyring).

Reads {"cache": <text>} on stdin, stores it with KeyringTokenCacheStore, reads it back, clears it,
and prints one JSON line of facts: whether it round-tripped, and the keyring's own item names
(read with secretstorage, not through our code) before and after clearing. Never prints the cache.
"""

from __future__ import annotations

import json
import sys

from core.oauth.cache import KeyringTokenCacheStore


def item_names() -> list[str]:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        items = collection.search_items({"service": "smtp-doctor"})
        return sorted(item.get_attributes().get("username", "") for item in items)
    finally:
        connection.close()


def main() -> None:
    text = json.loads(sys.stdin.read())["cache"]
    store = KeyringTokenCacheStore("real-profile")
    store.save(text)
    stored = item_names()
    roundtrip = KeyringTokenCacheStore("real-profile").load() == text
    store.clear()
    print(json.dumps({"roundtrip": roundtrip, "stored": stored, "after_clear": item_names()}))


if __name__ == "__main__":
    main()
