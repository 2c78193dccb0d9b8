"""Configuration and cluster state as plain immutable data. Imports nothing of hastack but errors."""

from hastack.model import durations, scores
from hastack.model.config import (
    AttrSet, Clone, Colocation, Configuration, Constraint, DateExpression, Expression,
    FencingLevel, Group, Location, Node, Op, Order, OrderKind, Primitive, Resource,
    ResourceSet, Rule, RuleItem, Tag, Template, Ticket, merged,
)
from hastack.model.results import ExecStatus, OcfRc, Reading, ResultKind, classify
from hastack.model.state import ClusterState, NodeState, OpRecord, ResourceHistory
from hastack.model.values import AGENT_CLASSES, AgentRef, Role, is_true, parse_bool

__all__ = [
    "AGENT_CLASSES", "AgentRef", "AttrSet", "ExecStatus", "OcfRc", "Reading", "ResultKind", "classify", "Clone", "ClusterState", "Colocation", "Configuration",
    "Constraint", "DateExpression", "Expression", "FencingLevel", "Group", "Location", "Node",
    "NodeState", "Op", "OpRecord", "Order", "OrderKind", "Primitive", "Resource", "ResourceHistory",
    "ResourceSet", "Role", "Rule", "RuleItem", "Tag", "Template", "Ticket", "durations",
    "is_true", "merged", "parse_bool", "scores",
]
