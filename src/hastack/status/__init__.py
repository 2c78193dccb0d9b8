"""The cluster's status, one view for every front end.

`build_view(config, state, now)` gathers a frozen StatusView from the scheduler's own
facts (hastack.scheduler.current_facts); `render_simulate` prints it as crm_simulate's
"Current cluster status", `render_crm_mon` as `crm_mon -1`, `render_crm_mon_xml` as
`crm_mon --output-as=xml`, and `to_dict` as plain data for JSON (`hastack status`, the web
page). `with_membership` makes a view read from the cluster store say what etcd says of
the DC and quorum.

Imports the model and the scheduler's public names.
"""

from hastack.status.data import to_dict
from hastack.status.text import render_crm_mon, render_simulate
from hastack.status.view import (
    FailedAction, HistoryEntry, Instance, NodeStatus, ReplicaStatus, ResourceStatus, StatusView, build_view,
    view_of, with_membership,
)
from hastack.status.xml import render_crm_mon_xml

__all__ = ["FailedAction", "HistoryEntry", "Instance", "NodeStatus", "ReplicaStatus", "ResourceStatus", "StatusView",
           "build_view", "render_crm_mon", "render_crm_mon_xml", "render_simulate", "to_dict", "view_of", "with_membership"]
