"""Example projects: ``examples.service`` is the smoke gate's default local target."""
