"""A layer profile (`benchmarks.profile_ours`'s JSON) as a Markdown table, for its output and the report."""

from __future__ import annotations

from benchmarks import machine


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e3:.1f}"


def _times(numerator: float | None, denominator: float | None) -> str:
    return "–" if not numerator or not denominator else f"{numerator / denominator:.2f}×"


def markdown_lines(data: dict) -> list[str]:
    """The profile as a Markdown table: per policy ms, × the floor of its dtype, ms / the
    layer's floor; and float32 / bf16 where both policies were run."""
    policies = list(data["policies"])
    rates = data["rates_gflops"]
    lines = [
        f"One LongformerLayer, {data['model']} config, n = {data['n']}, batch 1, one global token, inference; "
        f"median of {data['repeats']}. {data['date']}; load average {data['load_before']} → {data['load_after']}.  ",
        f"CPU: {data['cpu']}.  ",
        machine.floors_line(rates.get("float32"), rates.get("bfloat16"), data.get("matmul_size")) + ".  ",
        f"Command: `{data['command']}`",
        "",
    ]
    header = ["part", "GFLOP"]
    for policy in policies:
        header += [f"{policy} ms", "× floor", "ms / layer floor"]
    if len(policies) > 1:
        header.append(f"{policies[0]} / {policies[1]}")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|---|" + "---:|" * (len(header) - 1))
    layer_floors = {p: data["policies"][p][0]["floor_s"] for p in policies}
    by_name = {p: {row["part"]: row for row in data["policies"][p]} for p in policies}
    for first in data["policies"][policies[0]]:
        name = first["part"]
        cells = [name.replace("  ", "&nbsp;&nbsp;"), f"{first['gflop']:.2f}" if first["gflop"] else ""]
        for policy in policies:
            row = by_name[policy].get(name, {})
            seconds, floor = row.get("seconds"), row.get("floor_s")
            cells += [_ms(seconds), _times(seconds, floor), _times(seconds, layer_floors[policy])]
        if len(policies) > 1:
            cells.append(
                _times(by_name[policies[0]][name]["seconds"], by_name[policies[1]].get(name, {}).get("seconds"))
            )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines
