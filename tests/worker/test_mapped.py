"""The worker's mapped-stage rules that need no Airflow to check."""

from __future__ import annotations

import sys
import types

import pytest

from pypedream.worker.mapped import configured_max_map_length


class _Conf:
    def __init__(self, value: object) -> None:
        self.value = value

    def getint(self, section: str, key: str) -> int:
        assert (section, key) == ("core", "max_map_length")
        return int(self.value)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        pytest.param(_Conf(3), 3, id="configured"),
        pytest.param(_Conf(0), 0, id="zero"),
        pytest.param(_Conf("x"), 1024, id="unreadable"),
        pytest.param(_Conf(-5), 1024, id="negative"),
        pytest.param(None, 1024, id="no-conf"),
    ],
)
def test_tasks_read_airflows_max_map_length_where_airflow_is_loaded(
    monkeypatch: pytest.MonkeyPatch, conf: _Conf | None, expected: int
) -> None:
    module = types.ModuleType("airflow.configuration")
    if conf is not None:
        module.conf = conf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "airflow.configuration", module)

    assert configured_max_map_length() == expected


def test_without_airflow_loaded_the_cap_is_airflows_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "airflow.configuration", raising=False)

    assert configured_max_map_length() == 1024
