"""hastack's built-in OCF agents (provider `hastack`), written in Python.

Each module is an agent run as `python -m hastack.agents.builtin.<module> ACTION`
by the executables in resource.d/hastack/ (so both the executor and
ocf-tester-style direct runs work): IPaddr (virtual IP via netlink),
anything (process supervisor), HealthCheck (HTTP/TCP probe),
OpenStackService (a service process monitored by its API endpoint), haproxy
and memcached (the active/active tier) and Dummy (a state file: the
cluster's own tests and scale labs).
Imports stay minimal: a forked agent must start fast. The monitors of
IPaddr, anything and Dummy also run inside hastackd itself (inprocess.py).
"""
