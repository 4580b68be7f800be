"""The report's figures: time and peak memory against length, per workload, with the matmul floors."""

from __future__ import annotations

from pathlib import Path

from benchmarks.results_data import MARKERS, NAMES, Results, _gb, _model_flops


def plot(results: Results, path_stem: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    written = []
    for workload, title in (("forward", "Forward"), ("train", "Training step")):
        lengths = results.lengths(workload)
        if not lengths:
            continue
        fig, (ax_time, ax_mem) = plt.subplots(1, 2, figsize=(12, 4.8))
        for index, impl in enumerate(results.impls(workload)):
            points = [
                (r["length"], r["median_s"], _gb(r))
                for r in (results.get(impl, workload, n) for n in lengths)
                if r and r.get("ok")
            ]
            if not points:
                continue
            xs, ts, ms = zip(*points)
            style = dict(marker=MARKERS[index % len(MARKERS)], label=NAMES.get(impl, impl))
            ax_time.plot(xs, ts, **style)
            ax_mem.plot(xs, ms, **style)
        for dtype, style in (("float32", "k--"), ("bfloat16", "k:")):
            floors = [(n, results.floor(_model_flops(results, workload, n) or 0, dtype)) for n in lengths]
            floors = [(n, f) for n, f in floors if f]
            if floors:
                xs, fs = zip(*floors)
                ax_time.plot(xs, fs, style, marker="_", markersize=14, label=f"{dtype} matmul floor")
        for ax, label in ((ax_time, "median time (s)"), (ax_mem, "peak RSS (GB)")):
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlim(400, 20000)
            ax.set_xticks([512, 1024, 2048, 4096, 8192, 16384])
            ax.set_xticklabels(["512", "1k", "2k", "4k", "8k", "16k"])
            ax.set_xlabel("sequence length (batch 1)")
            ax.set_ylabel(label)
            ax.grid(True, which="both", alpha=0.3)
            ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
            ax.yaxis.set_minor_formatter(ticker.FormatStrFormatter("%g"))
        if ax_time.get_legend_handles_labels()[0]:
            ax_time.legend(fontsize=8)
        fig.suptitle(
            f"{title}, {results.run['model']} config, {results.run['date']} ({results.run.get('machine', '')[:60]})",
            fontsize=9,
        )
        fig.tight_layout()
        path = path_stem.parent / f"{path_stem.name}-{workload}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
