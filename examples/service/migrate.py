"""``python -m examples.service.migrate [--check] DB``: apply migrations, or with ``--check`` exit 1
when some are pending.

The smoke plan's command step: the seed's 500 came from a migration that was never applied.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from examples.service.app import migrate, pending


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.service.migrate")
    parser.add_argument("--check", action="store_true", help="only report pending migrations")
    parser.add_argument("db", type=Path)
    args = parser.parse_args()
    if not args.check:
        migrate(args.db)
    missing = pending(args.db)
    if missing:
        print(f"{len(missing)} migration(s) pending: {', '.join(map(str, missing))}")
        return 1
    print("migrations: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
