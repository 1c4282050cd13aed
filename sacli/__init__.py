"""sacli: a Unix-style command-line client for the Super Agent Stack chat API.

Importing this package is cheap on purpose: shell completion and ``--version`` must
not pay for the network code or rich, which the commands import when they run.
"""

__version__ = "0.1.0"
