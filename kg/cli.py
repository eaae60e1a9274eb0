"""The `kg` command: a thin dispatcher. Each subcommand lives in `kg/commands/<name>.py` with `configure(parser)`
and `run(args) -> int`, imported only when used so that start-up stays fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from kg.errors import KgError

COMMANDS: dict[str, str] = {
    "extract": "Print one JSON record per summary (JSON Lines).",
    "build": "Build the RDF graph of summaries into an output folder.",
    "evaluate": "Score extraction against gold annotations.",
    "validate": "Check a graph against the SHACL shapes.",
    "query": "Run a SPARQL query over a built graph.",
    "serve": "Serve a built graph as a read-only SPARQL endpoint on loopback.",
    "viz": "Write the interactive network as one offline HTML file.",
    "stats": "Print network analytics of a built graph.",
}

EXIT_OK, EXIT_SKIPPED, EXIT_ERROR, EXIT_USAGE = 0, 1, 2, 64


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="kg",
        description="rare-kg: a knowledge graph of rare conditions from plain-text summaries.",
        epilog="Exit status: 0 ok, 1 some inputs were skipped (see the lines on stderr), 2 error, 64 usage, "
        "130 interrupted, 141 the output pipe closed.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    name = next((a for a in argv if not a.startswith("-")), None)
    for cmd, help_text in COMMANDS.items():
        p = sub.add_parser(cmd, help=help_text, description=help_text)
        if cmd == name:  # only the chosen command's module is imported
            _module(cmd).configure(p)
    if name not in COMMANDS:
        if name is None and any(a in ("-h", "--help") for a in argv):
            parser.print_help()
            return EXIT_OK
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_USAGE
    try:
        return int(_module(name).run(args) or 0)
    except KgError as exc:
        print(f"kg {name}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"kg {name}: interrupted; outputs already written are intact", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away ("kg query ... | head"): what it read was complete; stop quietly, as `cat` does.
        # stdout is pointed at /dev/null so that the interpreter's own flush at exit does not fail again.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE


EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command stopped by a closed pipe


def _module(cmd: str) -> Any:
    return importlib.import_module(f"kg.commands.{cmd}")


if __name__ == "__main__":
    raise SystemExit(main())
