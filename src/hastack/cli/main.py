"""Entry point of the `hastack` command: the click group and the user-error boundary.

Every HastackError raised below is printed as a clear message (what, where,
how to fix) on stderr with a non-zero exit and no traceback. Subcommands are
registered from their own modules.
"""

from __future__ import annotations

import importlib
import sys

import click

from hastack import __version__
from hastack.errors import HastackError

# module path -> attribute holding a click command or group
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("hastack.cli.configure", "configure"),
    ("hastack.cli.simulate", "simulate"),
    ("hastack.cli.simulate", "explain"),
    ("hastack.cli.agent", "agent"),
    ("hastack.cli.demo", "demo"),
    ("hastack.cli.cluster", "cluster"),
    ("hastack.cli.cluster", "status"),
    ("hastack.cli.lab", "lab"),
    ("hastack.cli.keygen", "keygen"),
    ("hastack.cli.witness", "witness"),
    ("hastack.cli.operate", "resource"),
    ("hastack.cli.operate", "node"),
)


class HastackGroup(click.Group):
    """A click group that turns HastackError into a clean message and exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except HastackError as err:
            click.echo(err.render(), err=True)
            sys.exit(err.exit_code)


@click.group(cls=HastackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hastack")
def cli() -> None:
    """hastack: high-availability cluster manager (Pacemaker semantics, crm shell configuration)."""


def _register() -> None:
    for module_name, attr in SUBCOMMANDS:
        cli.add_command(getattr(importlib.import_module(module_name), attr))


_register()


def main() -> None:
    cli(prog_name="hastack")


if __name__ == "__main__":
    main()
