"""Find my settings: which port and encryption work on a server, and the one to type into the device.

``core.detect.matrix`` probes every combination concurrently, ``core.detect.recommend`` ranks the
working ones and explains the choice, ``core.detect.session`` runs the whole thing (with pre-flight
checks and an optional login) and gives the ``detect --json`` object.
"""

# Shared defaults, kept here so ``smtp-doctor detect --help`` needs no probe machinery.
DEFAULT_PORTS: tuple[int, ...] = (25, 465, 587, 2525)
DEFAULT_TIMEOUT = 8.0  # seconds per step of each combination
