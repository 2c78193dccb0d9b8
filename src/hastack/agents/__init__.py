"""Running resource agents on the local node: the executor and everything it needs.

    codes        what an rc means; soft/hard/fatal and the cluster's reaction (pure)
    action       ActionRequest / ActionResult (data)
    environment  the OCF environment of an action (pure)
    metadata     meta-data XML -> AgentMetadata; validate_params (pure)
    classes      ocf / lsb / systemd / service (+ stonith) -> how to invoke an action
    stonith      fence_* agents on stdin key=value
    process      fork/exec with a deadline and process-group kill (the only fork)
    executor     one action, end to end -> ActionResult
    planner      which recurring monitors are due, which queued actions may start (pure)
    runner       asyncio loop around planner + executor (thin)
    builtin/     hastack's own OCF agents in Python (ocf:hastack:*)

Importing this package imports nothing else (built-in agents start fast).
May import: hastack.model, hastack.errors.
"""
