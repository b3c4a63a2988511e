"""``python -m gates``: the same as the ``gates`` command."""

from gates.cli import main_exit

main_exit()
