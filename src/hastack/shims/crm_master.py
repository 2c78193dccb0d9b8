"""crm_master: the deprecated promotion-score wrapper, as Pacemaker ships it.

Translates its options to `crm_attribute -n master-$OCF_RESOURCE_INSTANCE
--lifetime forever ...` (forever unless `-l` says otherwise, like the
original script); `-r` names the resource instead of the environment.
Usage errors exit 1, as the original shell script does.

Imports nothing of hastack beyond shims.
"""

from __future__ import annotations

import os
import sys

from hastack.shims import crm_attribute
from hastack.shims.common import ShimParser, main_wrapper

USAGE = "Usage: crm_master <command> [<options>]\n\nThis command is deprecated. Use crm_attribute with the --promotion option\ninstead."


class _Parser(ShimParser):
    def error(self, message: str):  # type: ignore[no-untyped-def, override]
        sys.stderr.write(f"error: {message}\n\n{USAGE}\n")
        raise SystemExit(1)


def run(argv: list[str]) -> int:
    p = _Parser("crm_master", "query, update, or delete a resource's promotion score")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-G", "--query", "--get-value", "-Q", dest="query", action="store_true")
    p.add_argument("-D", "--delete", "--delete-attr", dest="delete", action="store_true")
    p.add_argument("-v", "--update", "--attr-value", dest="update")
    p.add_argument("-N", "--node", "-U", "--uname", dest="node")
    p.add_argument("-l", "--lifetime", dest="lifetime", default="forever")
    p.add_argument("-i", "--id", "--attr-id", dest="id")
    p.add_argument("-r", "--resource", dest="resource")
    opts = p.parse_args(argv)
    if opts.version:
        return crm_attribute.run(["--version"])
    rsc = opts.resource or os.environ.get("OCF_RESOURCE_INSTANCE", "")
    if not rsc:
        sys.stderr.write(f"error: No resource specified\n\n{USAGE}\n")
        return 1
    args = ["-n", f"master-{rsc}", "--lifetime", opts.lifetime]
    if opts.quiet:
        args.append("-q")
    if opts.query:
        args.append("-G")
    if opts.delete:
        args.append("-D")
    if opts.update is not None:
        args += ["-v", opts.update]
    if opts.node:
        args += ["-N", opts.node]
    if opts.id:
        args += ["-i", opts.id]
    return crm_attribute.run(args)


def main() -> None:
    sys.exit(main_wrapper("crm_master", run))


if __name__ == "__main__":
    main()
