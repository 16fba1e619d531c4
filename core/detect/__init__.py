"""Find my settings: which port and encryption work on a server, and the one to type into the device.

``core.detect.matrix`` probes every combination concurrently, ``core.detect.recommend`` ranks the
working ones and explains the choice, ``core.detect.session`` runs the whole thing (with pre-flight
checks and an optional login) and gives the ``detect --json`` object.
"""
