"""``python -m examples.service [--host H] [--port P]``: serve the example service with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from examples.service.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
