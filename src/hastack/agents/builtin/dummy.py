"""ocf:hastack:Dummy — a resource that only remembers whether it runs (like ocf:heartbeat:Dummy).

start writes a state file, stop removes it, monitor reports whether it is
there; nothing else happens. What it is for: exercising the cluster itself --
scale labs of a thousand resources, placement and recovery tests -- without a
shell per action. The state file lives under /run (lost at reboot, as a
service's state is), `state` overrides it.

Imports nothing of hastack beyond agents.builtin.
"""

from __future__ import annotations

import os

from hastack.agents.builtin.framework import (OCF_ERR_GENERIC, OCF_NOT_RUNNING, OCF_SUCCESS, RUN_DIR, ActionDecl,
                                              AgentSpec, Context, Param, main, run_file)

def state_file(ctx: Context) -> str:
    return run_file(ctx, "state", "Dummy", "state")


def monitor(ctx: Context) -> int:
    return OCF_SUCCESS if os.path.exists(state_file(ctx)) else OCF_NOT_RUNNING


def start(ctx: Context) -> int:
    path = state_file(ctx)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
    except OSError as err:
        ctx.reason(f"cannot write {path}: {err.strerror or err}")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def stop(ctx: Context) -> int:
    try:
        os.unlink(state_file(ctx))
    except FileNotFoundError:
        pass
    except OSError as err:
        ctx.reason(f"cannot remove {state_file(ctx)}: {err.strerror or err}")
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


SPEC = AgentSpec(
    name="Dummy",
    shortdesc="A resource that only records whether it runs",
    longdesc="start writes a state file, stop removes it, monitor checks it: hastack's counterpart of "
             "ocf:heartbeat:Dummy, for exercising the cluster without a process per action.",
    params=(Param("state", "State file", f"Default: {RUN_DIR}/Dummy-<resource>.state", unique=True),),
    actions=(ActionDecl("start"), ActionDecl("stop"), ActionDecl("monitor", "20s", "10s", "0"),
             ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": lambda ctx: OCF_SUCCESS},
)

if __name__ == "__main__":
    main(SPEC)
