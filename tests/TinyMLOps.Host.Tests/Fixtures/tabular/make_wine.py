"""Wine fixture: a real tabular data set whose columns differ by orders of magnitude, and a tiny MLP trained on it.

The data is scikit-learn's copy of the UCI Wine recognition data (178 wines, 13 chemical measurements, 3 cultivars),
shipped in Debian's python3-sklearn package (sklearn/datasets/data/wine_data.csv). To regenerate, without installing:

    apt-get download python3-sklearn && dpkg-deb -x python3-sklearn_*.deb /tmp/skl
    /usr/bin/python3 make_wine.py /tmp/skl/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv

Writes wine/train.csv and wine/test.csv (a stratified 70/30 split, seed 0; a header row, the 13 raw measurements
and a 'cultivar' column class_0..class_2) and wine_mlp.onnx: 13 -> 16 ReLU -> 3, trained on the RAW values (no
scaling in the model), so the importer's per-feature front-end is what keeps hue (0.5-1.7) and proline (278-1680)
both visible to the int8 input.
"""
import csv
import os
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
           "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline"]


def main(source):
    with open(source) as f:
        rows = list(csv.reader(f))[1:]
    x = np.array([[float(v) for v in r[:13]] for r in rows], dtype=np.float32)
    y = np.array([int(r[13]) for r in rows], dtype=np.int64)
    rng = np.random.default_rng(0)
    test = np.zeros(len(y), dtype=bool)
    for k in range(3):
        idx = np.nonzero(y == k)[0]
        test[rng.choice(idx, size=round(0.3 * len(idx)), replace=False)] = True
    os.makedirs(os.path.join(HERE, "wine"), exist_ok=True)
    for name, mask in (("train", ~test), ("test", test)):
        with open(os.path.join(HERE, "wine", name + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS + ["cultivar"])
            for xi, yi in zip(x[mask], y[mask]):
                w.writerow([f"{v:g}" for v in xi] + [f"class_{yi}"])

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(13, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    xt, yt = torch.from_numpy(x[~test]), torch.from_numpy(y[~test])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(6000):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for name, mask in (("train", ~test), ("test", test)):
            acc = (model(torch.from_numpy(x[mask])).argmax(1).numpy() == y[mask]).mean()
            print(f"float accuracy on {name}: {acc:.4f} ({mask.sum()} wines)")
    path = os.path.join(HERE, "wine_mlp.onnx")
    torch.onnx.export(model, torch.from_numpy(x[:1]), path, opset_version=13, input_names=["input"],
                      output_names=["output"], dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}},
                      do_constant_folding=True)
    m = onnx.load(path)
    p = m.metadata_props.add()
    p.key, p.value = "classes", "class_0,class_1,class_2"
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)


if __name__ == "__main__":
    main(sys.argv[1])
