"""The example web service (see ``app``); ``python -m examples.service`` serves it."""
