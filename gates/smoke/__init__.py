"""The smoke gate: a TOML plan of HTTP, WebSocket and command checks run against a service.

``plan`` loads and validates, ``run`` collects (async, with cleanups), judges and records,
``report`` renders; ``http``, ``ws``, ``command`` and ``openapi`` do one kind of check each.
:mod:`gates.redact` keeps secrets out of everything written.
"""
