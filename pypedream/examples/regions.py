"""Per-region sales: map over the regions' files, summarise each, and branch to one report.

A map over a parameter (`load` runs once per region), a map over a mapped stage (`summarise`
runs once per loaded region), a reduce (`rank` gets the list of summaries), a branch chosen by
a parameter (`report` = "brief" or "full"), and a join after the branch (`publish`, trigger
rule `none_failed_min_one_success`). The per-region stages form the Airflow TaskGroup
`regions`. Run it with `pypedream run pypedream.examples.regions:pipeline -p report=full`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pypedream import LoggerSettings, Parameters, Pipeline, Stage
from pypedream.input import dependency, param

FILES = {
    "north": "day,product,units,price\n"
    "2026-11-02,kettle,3,24.5\n2026-11-02,toaster,1,39.0\n2026-11-03,kettle,2,24.5\n",
    "south": "day,product,units,price\n"
    "2026-11-02,fan,5,18.0\n2026-11-04,kettle,1,24.5\n2026-11-05,fan,2,18.0\n",
    "east": "day,product,units,price\n2026-11-03,toaster,4,39.0\n",
    "west": "day,product,units,price\n",
}
"""The regions' CSV files, as they arrive (the west has sent no rows this week)."""


def load(region: str) -> dict[str, Any]:
    """One region's file, parsed: {"region": ..., "rows": [{...}, ...]}."""
    if region not in FILES:
        raise ValueError(f"no file for region {region!r} (have: {', '.join(FILES)})")
    reader = csv.DictReader(io.StringIO(FILES[region]))
    rows = [
        {
            "day": row["day"],
            "product": row["product"],
            "units": int(row["units"]),
            "price": float(row["price"]),
        }
        for row in reader
    ]
    return {"region": region, "rows": rows}


def summarise(loaded: dict[str, Any], currency: str) -> dict[str, Any]:
    """Orders, units and revenue of one region, and its best-selling product."""
    rows = loaded["rows"]
    units: dict[str, int] = {}
    for row in rows:
        units[row["product"]] = units.get(row["product"], 0) + row["units"]
    return {
        "region": loaded["region"],
        "orders": len(rows),
        "units": sum(units.values()),
        "revenue": round(sum(r["units"] * r["price"] for r in rows), 2),
        "currency": currency,
        "top_product": max(units, key=units.__getitem__) if units else None,
    }


def rank(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The regional summaries, highest revenue first."""
    return sorted(summaries, key=lambda s: (-s["revenue"], s["region"]))


def choose(report: str) -> str:
    """The report stage to run ("brief_report" or "full_report")."""
    return f"{report}_report"


def brief_report(ranked: list[dict[str, Any]]) -> str:
    leader = ranked[0] if ranked else None
    if leader is None:
        return "No regions."
    best = f"{leader['region']} ({leader['revenue']} {leader['currency']})"
    return f"{len(ranked)} regions; best: {best}"


def full_report(ranked: list[dict[str, Any]]) -> str:
    lines = [
        f"{s['region']:<6} {s['orders']:>3} orders {s['units']:>4} units "
        f"{s['revenue']:>9.2f} {s['currency']}  top: {s['top_product'] or '-'}"
        for s in ranked
    ]
    return "\n".join(lines)


def publish(brief: str | None, full: str | None) -> dict[str, str]:
    """Whichever report the branch chose, ready to send."""
    text = brief if brief is not None else full
    return {"kind": "brief" if brief is not None else "full", "text": text or ""}


pipeline = Pipeline(
    "regional sales",
    parameters=Parameters.define(
        regions=["north", "south", "east", "west"], currency="EUR", report="brief"
    ),
    stages={
        "load": Stage(
            load, [param("regions", as_arg="region")], map_over="region", group="regions"
        ),
        "summarise": Stage(
            summarise,
            [dependency("load", as_arg="loaded"), param("currency", as_arg="currency")],
            map_over="loaded",
            group="regions",
        ),
        "rank": Stage(rank, [dependency("summarise", as_arg="summaries")]),
        "choose": Stage(choose, [param("report", as_arg="report")], after=["rank"], branch=True),
        "brief_report": Stage(
            brief_report, [dependency("rank", as_arg="ranked")], after=["choose"]
        ),
        "full_report": Stage(full_report, [dependency("rank", as_arg="ranked")], after=["choose"]),
        "publish": Stage(
            publish,
            [
                dependency("brief_report", as_arg="brief", default=None),
                dependency("full_report", as_arg="full", default=None),
            ],
            trigger_rule="none_failed_min_one_success",
        ),
    },
    log_settings=LoggerSettings("regional_sales"),
    description="Per-region files -> per-region summaries -> one report (brief or full).",
)
