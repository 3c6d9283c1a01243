"""``python -m cathnet`` is the ``cathnet`` command."""

from cathnet.cli import entry

entry()
