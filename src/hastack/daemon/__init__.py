"""hastackd: membership, the local resource manager, the controller (DC), the self-fence guard.

Modules: timing (pure timer budget), membership (lease + guard threads),
orders (DC -> node action messages), lrm (the node's executor loop),
controller (election, DC loop), main (the hastackd command).
"""
