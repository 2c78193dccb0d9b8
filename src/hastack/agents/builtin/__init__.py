"""hastack's built-in OCF agents (provider `hastack`), written in Python.

Each module is an agent run as `python -m hastack.agents.builtin.<module> ACTION`
by the executables in resource.d/hastack/ (so both the executor and
ocf-tester-style direct runs work): IPaddr (virtual IP via netlink),
anything (process supervisor), HealthCheck (HTTP/TCP probe) and
OpenStackService (a service process monitored by its API endpoint).
Imports stay minimal: a forked agent must start fast. The monitors of
IPaddr and anything also run inside hastackd itself (inprocess.py).
"""
