"""Configuration and cluster state as plain immutable data. Imports nothing of hastack but errors."""

from hastack.model import durations, scores
from hastack.model.acls import AclPermission, AclRole, AclTarget
from hastack.model.alerts import Alert, AlertRecipient, SelectAttribute
from hastack.model.config import (
    AttrSet, Bundle, BundleMapping, Clone, Colocation, Configuration, Constraint, DateExpression, Expression,
    FencingLevel, Group, Location, Node, Op, Order, OrderKind, PairId, PairRef, Primitive, Resource,
    ResourceSet, Rule, RuleItem, Tag, Template, Ticket, merged,
)
from hastack.model.results import ExecStatus, OcfRc, Reading, ResultKind, classify
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AGENT_CLASSES, AgentRef, Role, is_true, parse_bool

__all__ = [
    "AGENT_CLASSES", "AclPermission", "AclRole", "AclTarget", "AgentRef", "Alert", "AlertRecipient", "AttrSet",
    "Bundle", "BundleMapping", "ExecStatus", "OcfRc", "Reading", "ResultKind", "SelectAttribute", "classify",
    "Clone", "ClusterState", "Colocation", "Configuration",
    "Constraint", "DateExpression", "Expression", "FencingLevel", "Group", "Location", "Node",
    "NodeState", "Op", "OpRecord", "Order", "OrderKind", "PairId", "PairRef", "Primitive", "Resource",
    "ResourceHistory", "ResourceSet", "Role", "Rule", "RuleItem", "Tag", "Template", "Ticket", "durations",
    "is_true", "merged", "parse_bool", "scores",
]
