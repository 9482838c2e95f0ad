"""The sample agent's package: its version is the installed distribution's, so /health proves the venv install."""
from importlib.metadata import version

__version__ = version("mega-agent")
