"""The `hastack` command. Each subcommand lives in a module named by what it operates on."""
