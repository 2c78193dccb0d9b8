"""Example configurations shipped with hastack.

guide.crm: the OpenStack HA Guide's crm configuration with its mistakes fixed
(each fix commented); guide-verbatim/NN-name.crm: the Guide's snippets exactly
as printed. The copies in tests/data/guide must stay identical (a test checks).
"""
