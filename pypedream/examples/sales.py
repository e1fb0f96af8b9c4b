"""A small sales report: the features an analytics team uses, in one pipeline.

Parameters (with a date), output mappers, reading one output with `from_output`, a deferred
binding over the run's parameters, logged inputs, and a variable written upstream and read
downstream. Run it with `pypedream run pypedream.examples.sales:pipeline -p region=north`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from pypedream import (
    Input,
    InputBinding,
    KeyedOutputMapper,
    LoggerSettings,
    Parameter,
    Parameters,
    Pipeline,
    SequentialOutputMapper,
    Stage,
    ctx,
)
from pypedream.input import dependency, known, param, var
from pypedream.logging import info

ORDERS = (
    {"region": "north", "amount": 120.5, "day": "2026-11-02"},
    {"region": "north", "amount": 25.0, "day": "2026-11-02"},
    {"region": "south", "amount": 99.99, "day": "2026-11-03"},
    {"region": "north", "amount": 10.0, "day": "2026-11-04"},
    {"region": "south", "amount": 300.0, "day": "2026-11-04"},
    {"region": "north", "amount": 54.5, "day": "2026-11-05"},
)


def load_orders(rows: tuple[dict[str, Any], ...], since: dt.date) -> list[dict[str, Any]]:
    """Orders on or after `since`, with their day parsed."""
    orders = [
        {**row, "day": dt.date.fromisoformat(row["day"])}
        for row in rows
        if dt.date.fromisoformat(row["day"]) >= since
    ]
    info("loaded orders", count=len(orders))
    return orders


def select_region(
    orders: list[dict[str, Any]], region: str, min_amount: float
) -> list[dict[str, Any]]:
    """The region's orders of at least `min_amount`."""
    chosen = [o for o in orders if o["region"] == region and o["amount"] >= min_amount]
    variables = ctx.variables()
    if variables is not None:  # always set while a stage runs
        variables["currency"] = "EUR"
    return chosen


def totals(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """Revenue, order count and the per-day revenue (in day order)."""
    per_day: dict[str, float] = {}
    for order in sorted(orders, key=lambda o: o["day"]):
        key = order["day"].isoformat()
        per_day[key] = per_day.get(key, 0.0) + order["amount"]
    return {"revenue": sum(o["amount"] for o in orders), "count": len(orders), "by_day": per_day}


def spread(orders: list[dict[str, Any]]) -> tuple[float, float]:
    """Mean and population standard deviation of order amounts."""
    amounts = [o["amount"] for o in orders] or [0.0]
    return statistics.fmean(amounts), statistics.pstdev(amounts)


def report(revenue: float, count: int, mean: float, title: str, currency: str) -> dict[str, Any]:
    """The report a human reads."""
    info("writing report", revenue=revenue)
    return {
        "title": title,
        "revenue": round(revenue, 2),
        "orders": count,
        "mean_order": round(mean, 2),
        "currency": currency,
        "generated_for": run.run_id if (run := ctx.run_info()) else None,
    }


def _title(params: Parameters) -> str:
    return f"Sales in {params['region']} since {params['since']}"


pipeline = Pipeline(
    "sales report",
    Parameters.define(
        region="north",
        min_amount=Parameter(25.0, description="Smallest order amount counted"),
        since=dt.date(2026, 11, 1),
    ),
    stages={
        "load": Stage(load_orders, inputs=[known(ORDERS, "rows"), param("since", "since")]),
        "select": Stage(
            select_region,
            inputs=[
                dependency("load", "orders"),
                param("region", "region", logged=True),
                param("min_amount", "min_amount"),
            ],
        ),
        "totals": Stage(
            totals,
            inputs=[dependency("select", "orders")],
            output_mapper=KeyedOutputMapper(["revenue", "count", "by_day"]),
        ),
        "spread": Stage(
            spread,
            inputs=[dependency("select", "orders")],
            output_mapper=SequentialOutputMapper(["mean", "stdev"]),
        ),
        "report": Stage(
            report,
            inputs=[
                dependency("totals", "revenue", from_output="revenue"),
                dependency("totals", "count", from_output="count"),
                dependency("spread", "mean", from_output="mean"),
                var("currency", "currency"),
                Input("title", InputBinding.deferred(ctx.PARAMETERS, mapper=_title)),
            ],
        ),
    },
    log_settings=LoggerSettings("sales_report"),
)
