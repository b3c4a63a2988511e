"""The smoke gate: a TOML plan of HTTP, WebSocket and command checks run against a service.

``plan`` holds the plan's types, ``loading`` (with ``fields`` and ``templating``) reads and
validates one; ``run`` collects (``target`` readiness, ``steps``, ``cleanup``), judges and
records; ``report`` renders; ``http``, ``ws``, ``command`` and ``openapi`` do one kind of check
each. :mod:`gates.redact` keeps secrets out of everything written.
"""
