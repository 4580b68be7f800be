"""Turns a results JSON (written by `benchmarks.run`) into the Markdown table and PNG plots.

`python -m benchmarks.report benchmarks/results/2026-11-27.json` re-renders a file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from benchmarks import plots, profile_tables
from benchmarks.results_data import NAMES, Results, _fmt_ratio, _fmt_s, _gb, _model_flops, ratio


def render(results: Results, stem: str) -> str:
    run = results.run
    out: list[str] = []
    out.append(f"# Benchmarks {run['date']} (suite `{run['suite']}`, model `{run['model']}`)\n")
    commands = run.get("merged_commands") or [run.get("command")]
    out.append("Commands: " + "; ".join(f"`{c}`" for c in commands if c) + "  ")
    out.append(f"Machine: {run.get('machine')}  ")
    out.append(f"Load at start: `{run.get('uptime_start')}`; at end: `{run.get('uptime_end', '?')}`  ")
    versions: dict[str, str] = {}
    for record in results.records:
        for key, value in (record.get("versions") or {}).items():
            versions.setdefault(key, value)
    if versions:
        out.append("Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + "  ")
    cfg = next((r["spec"]["model"] for r in results.records if r.get("spec", {}).get("model")), None)
    if cfg:
        out.append(
            "Model: "
            + ", ".join(f"{k} {v}" for k, v in cfg.items())
            + " (position table n + 2 beyond 4096); batch 1, one global token (token 0), random weights.  "
        )
    out.append("")
    cores = os.cpu_count() or 2
    loads = [float(r[k].split()[0]) for r in results.records for k in ("load_before", "load_after") if r.get(k)]
    if loads and max(loads) > cores:
        out.append(
            f"> **Shared machine:** the 1-minute load average reached {max(loads):.1f} on {cores} cores during "
            "these measurements, so absolute times are inflated and ratios between workers run at different "
            "loads are uncertain (see the load column). Re-run on an idle machine for target checks.\n"
        )
    if results.matmul:
        rates = results.matmul["gflops"]
        out.append(
            f"**Dense matmul rate** (`tf.matmul` {results.matmul['matmul_size']}², median; load "
            f"{results.matmul.get('load_before')}): float32 **{rates['float32']:.0f} GFLOP/s**, "
            f"bfloat16 **{rates['bfloat16']:.0f} GFLOP/s**, numpy float32 {rates.get('numpy_float32', 0):.0f} GFLOP/s. "
            "Floors = matmul FLOPs of the workload (benchmarks/flops.py) / that rate.\n"
        )
    else:
        out.append("**Dense matmul rate**: not measured in this file (floors omitted).\n")

    for workload, title in (("forward", "Forward pass"), ("train", "Training step (sequence classification, Adam)")):
        lengths = results.lengths(workload)
        if not lengths:
            continue
        impls = results.impls(workload)
        out.append(f"## {title}\n")
        out.append(results.table_header())
        out.append(
            "| length | implementation | median s (timed runs) | first call s | peak RSS GB | × float32 floor "
            "| × floor of its dtype | load avg before → after |"
        )
        out.append("|---:|---|---:|---:|---:|---:|---:|---|")
        for length in lengths:
            for impl in impls:
                record = results.get(impl, workload, length)
                if record is None:
                    continue
                name = NAMES.get(impl, impl)
                load = f"{record.get('load_before', '?')} → {record.get('load_after', '?')}"
                if not record.get("ok"):
                    out.append(f"| {length} | {name} | fails: {record.get('error', '?')} | – | – | – | – | {load} |")
                    continue
                over_floor = ratio(record["median_s"], results.floor(record))
                own_floor, own_dtype = results.own_floor(record)
                out.append(
                    f"| {length} | {name} | {_fmt_s(record['median_s'])} ({len(record['times_s'])}) | "
                    f"{_fmt_s(record.get('first_call_s'))} | {_fmt_s(_gb(record))} | {_fmt_ratio(over_floor)} | "
                    f"{_fmt_ratio(ratio(record['median_s'], own_floor))} ({own_dtype}) | {load} |"
                )
        out.append("")
        out.append("Ratios (> 1× means ours is faster or leaner):\n")
        out.append(results.table_header())
        if workload == "forward":
            out.append(
                "| length | TFLOP | float32 floor s | bf16 floor s | ref TF / ours | ref PyTorch / ours | ours / float32 floor "
                "| ours bf16 / bf16 floor | ours f32 / ours bf16 | dense / ours | ref TF RSS / ours RSS | ref PyTorch RSS / ours RSS |"
            )
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        else:
            out.append(
                "| length | TFLOP | float32 floor s | bf16 floor s | ref PyTorch / ours | ref TF / ours | ours / float32 floor "
                "| ours bf16 / bf16 floor | ours f32 / ours bf16 | ours RSS GB | ours+ckpt RSS GB | ref PyTorch RSS / ours RSS |"
            )
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for length in lengths:
            count = _model_flops(results, workload, length)
            ours = results.median("ours", workload, length)
            bf16 = results.median("ours-bf16", workload, length)
            f32_floor = results.floor(count) if count else None
            bf16_floor = results.floor(count, "bfloat16") if count else None
            ours_rec = results.get("ours", workload, length)
            ours_gb = _gb(ours_rec) if ours_rec and ours_rec.get("ok") else None

            def rss_ratio(impl):  # called within this iteration only
                rec = results.get(impl, workload, length)  # noqa: B023
                return ratio(_gb(rec), ours_gb) if rec and rec.get("ok") else None  # noqa: B023

            tflop = f"{count / 1e12:.3g}" if count else "–"
            if workload == "forward":
                out.append(
                    f"| {length} | {tflop} | {_fmt_s(f32_floor)} | {_fmt_s(bf16_floor)} | "
                    f"{_fmt_ratio(ratio(results.median('ref-tf', workload, length), ours))} | "
                    f"{_fmt_ratio(ratio(results.median('ref-torch', workload, length), ours))} | "
                    f"{_fmt_ratio(ratio(ours, f32_floor))} | {_fmt_ratio(ratio(bf16, bf16_floor))} | "
                    f"{_fmt_ratio(ratio(ours, bf16))} | "
                    f"{_fmt_ratio(ratio(results.median('dense-keras', workload, length), ours))} | "
                    f"{_fmt_ratio(rss_ratio('ref-tf'))} | {_fmt_ratio(rss_ratio('ref-torch'))} |"
                )
            else:
                ckpt = results.get("ours-ckpt", workload, length)
                out.append(
                    f"| {length} | {tflop} | {_fmt_s(f32_floor)} | {_fmt_s(bf16_floor)} | "
                    f"{_fmt_ratio(ratio(results.median('ref-torch', workload, length), ours))} | "
                    f"{_fmt_ratio(ratio(results.median('ref-tf', workload, length), ours))} | "
                    f"{_fmt_ratio(ratio(ours, f32_floor))} | {_fmt_ratio(ratio(bf16, bf16_floor))} | "
                    f"{_fmt_ratio(ratio(ours, bf16))} | "
                    f"{_fmt_s(ours_gb)} | {_fmt_s(_gb(ckpt) if ckpt and ckpt.get('ok') else None)} | "
                    f"{_fmt_ratio(rss_ratio('ref-torch'))} |"
                )
        out.append("")
        plot = f"{stem}-{workload}.png"
        out.append(f"![{title}: time and peak RSS vs length]({plot})\n")

    out.extend(_scaling(results))
    out.extend(_doublings(results))
    out.extend(_keras_doors(results))
    out.extend(_targets(results))
    out.extend(_profiles(stem))
    notes = sorted({f"{r['impl']}: {n}" for r in results.records for n in (r.get("notes") or [])})
    heads = sorted({f"{r['impl']}: {r['head']}" for r in results.records if r.get("head")})
    modes = sorted({f"{r['impl']} {r['workload']}: {r['mode']}" for r in results.records if r.get("mode")})
    if notes or heads or modes:
        out.append("## Notes\n")
        out.extend(f"- {line}" for line in modes + heads + notes)
        out.append("")
    return "\n".join(out) + "\n"


PROFILE_DIR: Path | None = None


def _profiles(stem: str) -> list[str]:
    """Tables of `profile_ours --json <stem>-profile-<n>.json` files beside the results."""
    lines: list[str] = []
    if PROFILE_DIR is None:
        return lines
    for path in sorted(PROFILE_DIR.glob(f"{stem}-profile-*.json")):
        data = json.loads(path.read_text())
        if "policies" in data:  # by dtype
            lines.append(
                f"## Profile: one ours layer by dtype, n = {data['n']} (`python -m benchmarks.profile_ours`)\n"
            )
            lines.extend(profile_tables.markdown_lines(data))
            continue
        lines.append(
            f"## Profile: one ours layer, n = {data['n']} (`python -m benchmarks.profile_ours`, "
            f"tf.matmul {data['rate_gflops']:.0f} GFLOP/s in that process)\n"
        )
        lines.append("| part | ms | GFLOP | floor ms | × floor |")
        lines.append("|---|---:|---:|---:|---:|")
        for part in data["parts"]:
            sec = part["seconds"]
            floor_ms = part["floor_s"] * 1e3
            lines.append(
                f"| {part['part']} | {'n/a' if sec is None else f'{sec * 1e3:.0f}'} | {part['gflop']:.2f} | "
                f"{floor_ms:.0f} | {'n/a' if sec is None else f'{sec * 1e3 / floor_ms:.2f}×'} |"
            )
        lines.append("")
    return lines


def _scaling(results: Results) -> list[str]:
    lines: list[str] = []
    lengths = results.lengths("forward")
    if 4096 in lengths and 16384 in lengths:
        lines.append("## Scaling 4096 → 16384 (forward; linear = 4×, quadratic attention → up to 16×)\n")
        lines.append(results.table_header())
        lines.append("| implementation | time growth | peak RSS growth |")
        lines.append("|---|---:|---:|")
        for impl in results.impls("forward"):
            a, b = results.get(impl, "forward", 4096), results.get(impl, "forward", 16384)
            if a and b and a.get("ok") and b.get("ok"):
                lines.append(
                    f"| {NAMES.get(impl, impl)} | {_fmt_ratio(ratio(b['median_s'], a['median_s']))} | "
                    f"{_fmt_ratio(ratio(_gb(b), _gb(a)))} |"
                )
            else:
                lines.append(f"| {NAMES.get(impl, impl)} | – | – |")
        lines.append("")
    return lines


def _doublings(results: Results) -> list[str]:
    """Growth per doubling of the length past 4096 (linear = 2×), each workload and implementation."""
    lines: list[str] = []
    for workload in ("forward", "train"):
        pairs = [(n, 2 * n) for n in results.lengths(workload) if n >= 4096 and 2 * n in results.lengths(workload)]
        if not pairs:
            continue
        lines.append(f"## Growth per doubling past 4096 ({workload}; linear = 2×; time / peak RSS)\n")
        lines.append(results.table_header())
        lines.append("| implementation | " + " | ".join(f"{a} → {b}" for a, b in pairs) + " |")
        lines.append("|---|" + "---:|" * len(pairs))
        for impl in results.impls(workload):
            cells = []
            for a, b in pairs:
                first, second = results.get(impl, workload, a), results.get(impl, workload, b)
                if first and second and first.get("ok") and second.get("ok"):
                    time_growth = _fmt_ratio(ratio(second["median_s"], first["median_s"]))
                    cells.append(f"{time_growth} / {_fmt_ratio(ratio(_gb(second), _gb(first)))}")
                else:
                    cells.append("–")
            lines.append(f"| {NAMES.get(impl, impl)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _long_targets(results: Results, add) -> None:
    """The long-document targets: time per doubling past 4096, training at 16k and forward at 32k memory."""
    for impl, workload in (("ours", "forward"), ("ours-bf16", "forward"), ("ours-ckpt", "train")):
        for n in results.lengths(workload):
            a, b = results.median(impl, workload, n), results.median(impl, workload, 2 * n)
            if n >= 4096 and a and b:
                add(f"{workload} {n} → {2 * n}: {NAMES[impl]} time growth", _fmt_ratio(b / a), "≤ 2.15×", b / a <= 2.15)
    for impl, goal in (("ours-ckpt", 8), ("ours-bf16-ckpt", 6)):
        rec = results.get(impl, "train", 16384)
        if rec and rec.get("ok"):
            add(f"train 16384: {NAMES[impl]} peak RSS", f"{_gb(rec):.2f} GB", f"≤ {goal} GB", _gb(rec) <= goal)
    rec = results.get("ours", "forward", 32768)
    if rec and rec.get("ok"):
        add("forward 32768: ours peak RSS", f"{_gb(rec):.2f} GB", "≤ 6 GB", _gb(rec) <= 6)


def _keras_doors(results: Results) -> list[str]:
    """`predict` and `fit` against the `tf.function` paths measured in the same worker."""
    rows = []
    for record in results.records:
        if record["workload"] not in ("predict", "predict-built", "fit"):
            continue
        name = f"{record['workload']} {record['length']}"
        if not record.get("ok"):
            rows.append(f"| {name} | fails: {record.get('error')} | | | | | |")
            continue
        steady, first = record["median_s"], record["first_call_s"]
        if record["workload"] == "fit":
            reference, reference_first = record.get("custom_median_s"), record.get("custom_first_call_s")
            what = "custom train step"
        else:
            reference, reference_first = record.get("forward_median_s"), record.get("forward_first_call_s")
            what = "`tf.function` forward"
        rows.append(
            f"| {name} | {_fmt_s(first)} | {_fmt_s(steady)} | {_fmt_ratio(ratio(first, steady))} | "
            f"{what}: {_fmt_s(reference_first)} / {_fmt_s(reference)} | {_fmt_ratio(ratio(steady, reference))} | "
            f"{record.get('load_before', '?')} |"
        )
    if not rows:
        return []
    return [
        "## Keras' doors: `predict` and `fit`\n",
        results.table_header(),
        "First call: the whole first `predict` / `fit` call (for `predict`, creating the weights too; "
        "`predict-built`: after a short eager call built them). Steady: median of the later calls "
        "(`fit`: one step, timed by a callback). Same worker: the suite's `tf.function` path, first call / "
        "median. Targets: steady ≤ 1.1× the `tf.function` path; first call ≤ 2× steady.\n",
        "| workload | first call | steady | first / steady | same worker: first / steady | steady / `tf.function` | load before |",
        "|---|---:|---:|---:|---|---:|---|",
        *rows,
        "",
    ]


def _targets(results: Results) -> list[str]:
    """The project's targets, where this file has the figures."""
    n = 4096
    rows = []

    def add(name, value, goal, met):
        rows.append(f"| {name} | {value} | {goal} | {'met' if met else 'NOT met'} |")

    ours = results.median("ours", "forward", n)
    ref_tf = results.median("ref-tf", "forward", n)
    if ours and ref_tf:
        add("forward 4096: ref TF / ours", _fmt_ratio(ref_tf / ours), "≥ 2.5×", ref_tf / ours >= 2.5)
    count = _model_flops(results, "forward", n)
    if ours and count and results.rate_f32:
        value = ours / results.floor(count)
        add("forward 4096: ours / float32 floor", _fmt_ratio(value), "≤ 1.3×", value <= 1.3)
    bf16 = results.median("ours-bf16", "forward", n)
    if ours and bf16:
        add("forward 4096: ours f32 / ours bf16", _fmt_ratio(ours / bf16), "≥ 1.7×", ours / bf16 >= 1.7)
    if bf16 and count and results.rate_bf16:
        value = bf16 / results.floor(count, "bfloat16")
        add("forward 4096: ours bf16 / bfloat16 floor", _fmt_ratio(value), "≤ 1.5×", value <= 1.5)
    if bf16 and ref_tf:
        add("forward 4096: ref TF float32 / ours bf16", _fmt_ratio(ref_tf / bf16), "≥ 3×", ref_tf / bf16 >= 3)
    train = results.median("ours", "train", n)
    train_bf16 = results.median("ours-bf16", "train", n)
    if train and train_bf16:
        add(
            "train 4096: ours f32 / ours bf16",
            _fmt_ratio(train / train_bf16),
            "≥ 1.8×",
            train / train_bf16 >= 1.8,
        )
    f32_record, bf16_record = results.get("ours", "train", n), results.get("ours-bf16", "train", n)
    if f32_record and bf16_record and f32_record.get("ok") and bf16_record.get("ok"):
        f32_gb, bf16_gb = _gb(f32_record), _gb(bf16_record)
        add(
            "train 4096: peak RSS bf16 vs f32",
            f"{bf16_gb:.2f} vs {f32_gb:.2f} GB",
            "bf16 ≤ f32",
            bf16_gb <= f32_gb,
        )
    torch_train = results.median("ref-torch", "train", n)
    if train and torch_train:
        add("train 4096: ref PyTorch / ours", _fmt_ratio(torch_train / train), "≥ 3×", torch_train / train >= 3)
    rec = results.get("ours", "train", n)
    if rec and rec.get("ok"):
        add("train 4096: ours peak RSS", f"{_gb(rec):.2f} GB", "≤ 6 GB", _gb(rec) <= 6)
    rec = results.get("ours-ckpt", "train", n)
    if rec and rec.get("ok"):
        add("train 4096: ours + checkpointing peak RSS", f"{_gb(rec):.2f} GB", "≤ 3 GB", _gb(rec) <= 3)
    a, b = results.get("ours", "forward", 4096), results.get("ours", "forward", 16384)
    if a and b and a.get("ok") and b.get("ok"):
        t, m = b["median_s"] / a["median_s"], _gb(b) / _gb(a)
        add("forward 4096 → 16384: time growth", _fmt_ratio(t), "≤ 4.3×", t <= 4.3)
        add("forward 4096 → 16384: peak RSS growth", _fmt_ratio(m), "≤ 4.3×", m <= 4.3)
    rec = results.get("ours", "forward", n)
    if rec and rec.get("ok") and rec.get("first_call_s"):
        add("forward 4096: first call (trace + run)", f"{rec['first_call_s']:.2f} s", "≤ 5 s", rec["first_call_s"] <= 5)
    _long_targets(results, add)
    if not rows or results.run.get("model") != "base":
        return []
    return [
        "## Targets (figures from this file)\n",
        results.table_header(),
        "| target | measured | goal | |",
        "|---|---:|---:|---|",
        *rows,
        "",
    ]


def write_report(json_path: Path) -> Path:
    json_path = Path(json_path)
    results = Results(json.loads(json_path.read_text()))
    stem = json_path.with_suffix("")
    md_path = stem.with_suffix(".md")
    global PROFILE_DIR
    PROFILE_DIR = json_path.parent
    md_path.write_text(render(results, stem.name))
    try:
        plots.plot(results, stem)
    except ImportError as error:
        print(f"[bench] no plots ({error}); run bash benchmarks/setup.sh to install matplotlib", file=sys.stderr)
    return md_path


START, END = "<!-- latest-results:start -->", "<!-- latest-results:end -->"


def update_readme(md_path: Path, readme: Path) -> None:
    """Copies the results file's tables into the README between the markers."""
    text = readme.read_text()
    if START not in text or END not in text:
        return
    body = md_path.read_text().split("\n", 1)[1]
    rel = md_path.relative_to(readme.parent).as_posix()
    body = body.replace("](" + md_path.stem, "](" + str(Path(rel).parent) + "/" + md_path.stem)
    block = f"{START}\nFrom [`{rel}`]({rel}):\n{body}\n{END}"
    head, rest = text.split(START, 1)
    readme.write_text(head + block + rest.split(END, 1)[1])


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(write_report(Path(argument)))
