"""Make tests/crm's helper modules (crm_strategies) importable under --import-mode=importlib."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
