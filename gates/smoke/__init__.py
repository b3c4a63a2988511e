"""The smoke gate: a TOML plan of HTTP, WebSocket and command checks run against a service.

``plan`` loads and validates, ``run`` collects (async, with cleanups), judges and records,
``report`` renders; ``http``, ``ws``, ``command`` and ``openapi`` do one kind of check each and
``redact`` keeps secrets out of everything written.
"""
