"""The bundled regions example: map over regions, map over the loaded files, rank, branch."""

from __future__ import annotations

from pypedream import StageStatus
from pypedream.examples.regions import pipeline


def test_a_brief_report_of_every_region() -> None:
    result = pipeline.run()

    assert [s["region"] for s in result["rank"]] == ["north", "east", "south", "west"]
    assert result["summarise"][3] == {
        "region": "west",
        "orders": 0,
        "units": 0,
        "revenue": 0.0,
        "currency": "EUR",
        "top_product": None,
    }
    assert result.stages["full_report"].status is StageStatus.SKIPPED
    assert result["publish"] == {"kind": "brief", "text": "4 regions; best: north (161.5 EUR)"}


def test_the_report_parameter_chooses_the_branch() -> None:
    result = pipeline.run(report="full", regions=["east", "south"])

    assert result.stages["brief_report"].status is StageStatus.SKIPPED
    assert result["publish"]["kind"] == "full"
    assert result["publish"]["text"].splitlines()[0].startswith("east")


def test_no_regions_still_publishes() -> None:
    assert pipeline.run(regions=[])["publish"] == {"kind": "brief", "text": "No regions."}


def test_an_unknown_region_fails_its_instance_and_names_it() -> None:
    result = pipeline.run(regions=["north", "mars"], raise_on_failure=False)

    assert result.stages["load"].reason == (
        "map instance 1 (item 'mars') failed: ValueError: no file for region 'mars' "
        "(have: north, south, east, west)"
    )
    assert result.stages["publish"].status is StageStatus.UPSTREAM_FAILED
