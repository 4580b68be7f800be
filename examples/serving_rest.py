"""Serve a classifier with TF Serving and query its REST API with plain strings.

Exports a `LongformerForSequenceClassification` (from the default model) as a SavedModel in
TF Serving's layout with its tokenizer, so the export has the `serving_text` signature: the
request carries the texts themselves, tokenized inside the graph (no tokenizer on the client).
Start the server with Docker:

    docker run -p 8501:8501 \\
      --mount type=bind,source=$EXPORT_BASE/colour,target=/models/colour \\
      -e MODEL_NAME=colour -t tensorflow/serving

and run this script with `--server http://localhost:8501` to POST the requests. Without a
server it prints the request body and answers it locally with `tf.saved_model.load`, exactly
as TF Serving would (same signature, same JSON shapes).

    python examples/serving_rest.py [--smoke] [--server http://localhost:8501] [--export-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import urllib.request

import numpy as np

import tf_longformer as tfl


def request_body(texts, signature=tfl.export.TEXT_SIGNATURE) -> dict:
    """REST predict body, row format: one instance per text, the strings as they are."""
    return {"signature_name": signature, "instances": [{"text": text} for text in texts]}


def answer_locally(version_dir: str, body: dict) -> dict:
    """What TF Serving returns for `body` (row format in -> `{"predictions": [...]}` out)."""
    import tensorflow as tf

    signature = tf.saved_model.load(version_dir).signatures[body["signature_name"]]
    columns = {name: tf.constant([row[name] for row in body["instances"]]) for name in body["instances"][0]}
    outputs = signature(**columns)
    rows = len(body["instances"])
    return {"predictions": [{k: v[i].numpy().tolist() for k, v in outputs.items()} for i in range(rows)]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--server", help="TF Serving REST address, e.g. http://localhost:8501")
    parser.add_argument("--export-dir", default=None, help="export base directory (default: a temp dir)")
    args = parser.parse_args(argv)

    model_dir = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(model_dir)
    model = tfl.LongformerForSequenceClassification.from_pretrained(model_dir, num_labels=2)
    base = args.export_dir or tempfile.mkdtemp(prefix="serving-")
    version_dir = tfl.export.saved_model(model, base, model_name="colour", overwrite=True, tokenizer=tokenizer)
    print(f"exported {version_dir}  (TF Serving: mount {base}/colour at /models/colour, MODEL_NAME=colour)")

    texts = [
        "what colour does the guard wear ? the guard wears red .",
        "the old river crosses the bridge near the mill . the visitor wears blue .",
    ]
    texts = texts[:1] if args.smoke else texts
    body = request_body(texts)
    printable = json.dumps(body)
    print(f"POST /v1/models/colour:predict\n{printable[:300]}{' ...' if len(printable) > 300 else ''}")
    if args.server:
        request = urllib.request.Request(
            f"{args.server.rstrip('/')}/v1/models/colour:predict",
            data=printable.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            reply = json.load(response)
        print("server:", reply)
    else:
        reply = answer_locally(version_dir, body)
        print("no --server: answered locally with tf.saved_model.load")
    features = tokenizer(texts, padding=True, truncation=True, return_tensors="np", global_attention="classification")
    keras_logits = np.asarray(model(dict(features))["logits"])
    served = np.array([p["logits"] for p in reply["predictions"]])
    print(json.dumps(reply)[:200])
    print(
        f"max |served - Keras| = {np.max(np.abs(served - keras_logits)):.2e}  (the head is untrained: "
        "fine-tune it first, see examples/fine_tune_classifier.py)"
    )


if __name__ == "__main__":
    main()
