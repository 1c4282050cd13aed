"""Arbitrary config files and values, through the installed sacli: a usage error naming the file, or a
run that goes on, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sacli.settings.declared import SETTINGS
from tests.support.explore import EXPLORE, Scripted, assert_clean, sacli

TOML_VALUES = st.one_of(
    st.sampled_from(["1", "-1", "1e300", "inf", "nan", "true", '"x"', "[1, 2]", "{ a = 1 }", '"http://"', "1.5"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12).map(json.dumps),
    st.just("[" * 3000 + "]" * 3000),
)  # fmt: skip


def own_config_home(scripted: Scripted, home: Path) -> dict[str, str]:
    """The server's environment with a config directory of these tests' own: the other explorations
    share the home, and must not meet the broken config files written here."""
    return {**scripted.env(home), "XDG_CONFIG_HOME": str(home / "explored-config")}


@EXPLORE
@given(key=st.sampled_from([*SETTINGS, "headers", "unknown", "profiles"]), value=TOML_VALUES)
def test_any_value_of_any_key(scripted: Scripted, explore_home: Path, key: str, value: str) -> None:
    env = own_config_home(scripted, explore_home)
    config = Path(env["XDG_CONFIG_HOME"]) / "sacli" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"{key} = {value}\n", encoding="utf-8")
    assert_clean(sacli(["config", "show"], env), codes={0, 2})


@EXPLORE
@given(data=st.binary(max_size=300))
def test_any_bytes_as_the_config_file(scripted: Scripted, explore_home: Path, data: bytes) -> None:
    env = own_config_home(scripted, explore_home)
    config = Path(env["XDG_CONFIG_HOME"]) / "sacli" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(data)
    assert_clean(sacli(["config", "show", "--json"], env), codes={0, 2})
