"""What-if simulation on the model: inject events, render status, transitions and explanations.

Pure functions only: `inject` changes a (configuration, state) pair as
crm_simulate's options do; `status`, `render` and `explain` turn the model and
the scheduler's Transition into text. The CLI (`hastack simulate`,
`hastack explain`) is the thin shell that reads files and the clock.
"""

from hastack.simulate.clock import format_time, parse_time
from hastack.simulate.explain import explain
from hastack.simulate.inject import (
    Injections, OpResult, apply, node_down, node_fail, node_up, op_fail, parse_op_spec, set_time, standby,
)
from hastack.simulate.render import graph_dot, graph_text, score_lines, summary_block
from hastack.simulate.status import StatusView, observe, render_status

__all__ = [
    "Injections", "OpResult", "StatusView", "apply", "explain", "format_time", "graph_dot", "graph_text",
    "node_down", "node_fail", "node_up", "observe", "op_fail", "parse_op_spec", "parse_time",
    "render_status", "score_lines", "set_time", "standby", "summary_block",
]
