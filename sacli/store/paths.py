"""Where sacli keeps what it keeps, under the XDG base directories (``xdg_base_dirs`` reads the variables)."""

from __future__ import annotations

from pathlib import Path


def state_dir() -> Path:
    """``$XDG_STATE_HOME/sacli``: the session ``--continue`` uses, the chat's line history."""
    from xdg_base_dirs import xdg_state_home

    return xdg_state_home() / "sacli"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/sacli``: the models list."""
    from xdg_base_dirs import xdg_cache_home

    return xdg_cache_home() / "sacli"


def data_dir() -> Path:
    """``$XDG_DATA_HOME/sacli``: what sacli keeps for good."""
    from xdg_base_dirs import xdg_data_home

    return xdg_data_home() / "sacli"
