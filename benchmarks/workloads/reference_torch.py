"""The reference PyTorch Longformer: transformers 4.x (its own venv)."""

from __future__ import annotations

import os
import time

from benchmarks.workloads.measure import Timer, random_inputs, rss_mb


def bench(spec: dict, result: dict) -> None:
    import torch
    import transformers
    from transformers import LongformerConfig, LongformerForSequenceClassification, LongformerModel

    threads = int(os.environ.get("BENCH_THREADS") or 2)
    torch.set_num_threads(threads)
    torch.manual_seed(int(spec.get("seed", 0)))
    config = LongformerConfig(**spec["model"])
    ids, attention, global_mask, labels = (torch.from_numpy(x) for x in random_inputs(spec))
    result["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    result["threads"] = threads
    start = time.perf_counter()
    if spec["workload"] == "forward":
        model = LongformerModel(config).eval()
        result["mode"] = "eager, eval, torch.inference_mode"

        def step():
            with torch.inference_mode():
                out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask)
                out.last_hidden_state.sum().item()

    elif spec["workload"] == "train":
        config.num_labels = 2
        model = LongformerForSequenceClassification(config).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)
        result["mode"] = "eager train step, Adam"

        def step():
            optimizer.zero_grad(set_to_none=True)
            out = model(input_ids=ids, attention_mask=attention, global_attention_mask=global_mask, labels=labels)
            out.loss.backward()
            optimizer.step()
            out.loss.item()

    else:
        raise ValueError(f"unknown workload {spec['workload']}")
    result["build_s"] = time.perf_counter() - start
    result["rss_after_build_mb"] = rss_mb()
    Timer(spec, result).run(step)
