"""What-if simulation on the model: inject events, render transitions and explanations.

Pure functions only: `inject` changes a (configuration, state) pair as
crm_simulate's options do; `render` and `explain` turn the scheduler's
Transition into text (the cluster status is hastack.status's). The CLI (`hastack simulate`,
`hastack explain`) is the thin shell that reads files and the clock.
"""

from hastack.simulate.clock import format_time, parse_time
from hastack.simulate.explain import explain
from hastack.simulate.inject import (
    Injections, OpResult, apply, node_down, node_fail, node_up, op_fail, parse_op_spec, set_time, standby,
)
from hastack.simulate.render import graph_dot, graph_text, score_lines, summary_block

__all__ = [
    "Injections", "OpResult", "apply", "explain", "format_time", "graph_dot", "graph_text",
    "node_down", "node_fail", "node_up", "op_fail", "parse_op_spec", "parse_time",
    "score_lines", "set_time", "standby", "summary_block",
]
