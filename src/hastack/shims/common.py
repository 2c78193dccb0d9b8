"""What every shim shares: Pacemaker's exit codes and an option parser that exits like Pacemaker's tools.

Pacemaker's tools parse options with GLib: `--name=x`, `--name x`, `-nx`,
`-n x`, bundled flags; usage errors exit 64 (CRM_EX_USAGE). argparse with
abbreviations off does the same.

Imports nothing of hastack.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

# crm_exit_t values (include/crm/common/results.h)
CRM_EX_OK = 0
CRM_EX_ERROR = 1
CRM_EX_INVALID_PARAM = 2
CRM_EX_UNIMPLEMENT_FEATURE = 3
CRM_EX_NOT_INSTALLED = 5
CRM_EX_NOT_CONFIGURED = 6
CRM_EX_USAGE = 64
CRM_EX_DATAERR = 65
CRM_EX_NOHOST = 68
CRM_EX_UNAVAILABLE = 69
CRM_EX_NOSUCH = 105
CRM_EX_EXISTS = 108
CRM_EX_MULTIPLE = 109

PACEMAKER_COMPAT = "2.1.5"


class ShimExit(Exception):
    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ShimParser(argparse.ArgumentParser):
    def __init__(self, prog: str, description: str) -> None:
        super().__init__(prog=prog, description=f"{description} (hastack shim, Pacemaker {PACEMAKER_COMPAT} options)",
                         allow_abbrev=False, add_help=False)
        self.add_argument("-h", "--help", action="help", help="show this help")
        self.add_argument("-$", "--version", action="store_true", help="display version and exit")
        self.add_argument("-V", "--verbose", action="count", default=0, help="increase debug output")

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message}\n")
        sys.stderr.write(self.format_usage())
        raise SystemExit(CRM_EX_USAGE)


def fail(code: int, message: str) -> NoReturn:
    raise ShimExit(code, message)


def main_wrapper(prog: str, body) -> int:  # type: ignore[no-untyped-def]
    """Run body(argv) turning ShimExit and state errors into Pacemaker-style messages and codes."""
    from hastack.errors import HastackError
    try:
        return int(body(sys.argv[1:]) or 0)
    except ShimExit as e:
        if e.message:
            sys.stderr.write(f"{prog}: {e.message}\n")
        return e.code
    except HastackError as e:
        sys.stderr.write(f"{prog}: {e.render()}\n")
        return CRM_EX_ERROR
    except BrokenPipeError:
        return CRM_EX_OK


def version(prog: str) -> int:
    print(f"Pacemaker {PACEMAKER_COMPAT} (hastack shim {prog})")
    return CRM_EX_OK
