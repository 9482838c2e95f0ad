"""mega_agent: the sample Python agent (like the mega client) that Deploy SDK upgrades by push.

Installed by the package's install hook into the release's own venv: pip install of this folder, no network.
"""
from pathlib import Path

from setuptools import setup

setup(
    name="mega-agent",
    version=Path(__file__).with_name("VERSION").read_text(encoding="utf-8").strip(),
    description="Sample agent upgraded by Deploy SDK (deploy agent push)",
    packages=["mega_agent"],
    python_requires=">=3.8",
    entry_points={"console_scripts": ["mega-agent = mega_agent.main:main"]},
)
