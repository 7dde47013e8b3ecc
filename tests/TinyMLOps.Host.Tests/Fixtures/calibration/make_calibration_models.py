#!/usr/bin/python3
"""Regenerates the calibration fixtures (issue 17, "better calibration than min/max"): two small CNNs whose
long-tailed activations make textbook min/max int8 calibration lose points, trained on the first 8,000 images of
the Fashion-MNIST test set (the last 2,000 are the held-out images the C# tests measure on) and exported with
torch.onnx.export (opset 13, input 'input' [N,1,28,28] = pixels / 255, output 'output' = logits).

CI does not have PyTorch: the .onnx files are committed; this script only documents/regenerates them.

Run (Debian: python3-torch python3-onnx; NOT the pyenv python3 on PATH):
    /usr/bin/python3 make_calibration_models.py          # in this folder
It prints each model's float (PyTorch) accuracy on the held-out images and, as a guide only, a numpy simulation of
per-tensor min/max activation quantization (the C# tests measure the real int8 interpreter).
"""
import gzip
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist"
OPSET = 13
TRAIN = 8000
POOL_CHANNELS, POOL_ALPHA = 2, 60.0
DW_CHANNELS, DW_ALPHA = 2, 3000.0

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


X = (read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0)[:, None]
Y = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)


def tap(q, x):
    return x if q is None else q(x)


class PoolBnCnn(nn.Module):
    """Conv-BN-ReLU blocks with padded 3x3/2 average pools (count_include_pad=False), then a dense head without BN."""

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.c3 = nn.Conv2d(32, 32, 3, padding=1)  # no BN: its ReLU output is long-tailed
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.fc1 = nn.Linear(32 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x, q=None):
        x = tap(q, self.pool(tap(q, F.relu(self.b1(self.c1(x))))))
        x = tap(q, self.pool(tap(q, F.relu(self.b2(self.c2(x))))))
        x = tap(q, self.pool(tap(q, F.relu(self.c3(x)))))
        x = tap(q, F.relu(self.fc1(torch.flatten(x, 1))))
        return tap(q, self.fc2(x))


class DepthwiseCnn(nn.Module):
    """Depthwise-separable blocks without BN and with plain (unbounded) ReLU: per-tensor ranges span channels of very different sizes."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, stride=2, padding=1)
        layers, cin = [], 16
        for cout, s in [(32, 1), (64, 2), (64, 1)]:
            layers.append((nn.Conv2d(cin, cin, 3, stride=s, padding=1, groups=cin), nn.Conv2d(cin, cout, 1)))
            cin = cout
        self.dw = nn.ModuleList([d for d, _ in layers])
        self.pw = nn.ModuleList([p for _, p in layers])
        self.fc = nn.Linear(cin, 10)

    def forward(self, x, q=None):
        x = tap(q, F.relu(self.stem(x)))
        for d, p in zip(self.dw, self.pw):
            x = tap(q, F.relu(d(x)))
            x = tap(q, F.relu(p(x)))
        x = tap(q, x.mean((2, 3)))
        return tap(q, self.fc(x))


def train(make, epochs, lr, seed):
    torch.manual_seed(seed)  # before the model exists: its initial weights come from this generator
    model = make()
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xs, ys = torch.from_numpy(X[:TRAIN]), torch.from_numpy(Y[:TRAIN])
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(TRAIN)
        for i in range(0, TRAIN, 64):
            idx = torch.from_numpy(order[i:i + 64])
            opt.zero_grad()
            F.cross_entropy(model(xs[idx]), ys[idx]).backward()
            opt.step()
    model.eval()
    return model


def sparsest_channels(model, layer_output, count, min_rate=0.01):
    """The channels of a ReLU output that fire least often on the training images, among those that fire at all (min_rate+)."""
    seen = []
    with torch.no_grad():
        model(torch.from_numpy(X[:1000]), q=lambda t: seen.append(t) or t)
    rate = (seen[layer_output] > 0).float().mean((0, 2, 3))
    rate[rate < min_rate] = 2.0
    return torch.argsort(rate)[:count].tolist()


def spread(producer_w, producer_b, consumer_w, channels, alpha, depthwise_consumer):
    """
    Multiplies a few ReLU channels by alpha and divides their consumer's weights by it: the float function is
    unchanged (ReLU(a x) = a ReLU(x), average pooling is linear), but a few rarely firing channels now reach alpha
    times the range of the rest, as a large folded BatchNorm gamma does in real networks. One per-tensor min/max
    range then spends almost all its 256 levels on those rare values.
    """
    with torch.no_grad():
        for c in channels:
            producer_w[c] *= alpha
            producer_b[c] *= alpha
            if depthwise_consumer:
                consumer_w[c] /= alpha
            else:
                consumer_w[:, c] /= alpha


def simulated_minmax_accuracy(model, calibration=1000):
    """Fake-quantizes every tapped tensor per tensor at its calibrated min/max (weights left float)."""
    ranges = []
    with torch.no_grad():
        model(torch.from_numpy(X[TRAIN - calibration:TRAIN]), q=lambda t: ranges.append((t.min().item(), t.max().item())) or t)
        it = iter(ranges)

        def fq(t):
            lo, hi = next(it)
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            s = (hi - lo) / 255.0
            zp = round(-128 - lo / s)
            return (torch.clamp(torch.round(t / s) + zp, -128, 127) - zp) * s

        pred = model(torch.from_numpy(X[TRAIN:]), q=fq).argmax(1).numpy()
    return (pred == Y[TRAIN:]).mean()


def export(model, name):
    path = os.path.join(HERE, name)
    torch.onnx.export(model, torch.from_numpy(X[:1]), path, opset_version=OPSET,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}},
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    with torch.no_grad():
        acc = (model(torch.from_numpy(X[TRAIN:])).argmax(1).numpy() == Y[TRAIN:]).mean()
    print(f"{name}: {os.path.getsize(path):,} bytes, float {acc * 100:.2f}%, "
          f"simulated min/max int8 {simulated_minmax_accuracy(model) * 100:.2f}%", flush=True)


if __name__ == "__main__":
    # `make_calibration_models.py pool` or `... depthwise` builds one (two processes train both in parallel).
    start = time.time()
    which = sys.argv[1:] or ["pool", "depthwise"]
    if "pool" in which:
        pool = train(PoolBnCnn, epochs=6, lr=3e-3, seed=17)
        spread(pool.b2.weight, pool.b2.bias, pool.c3.weight, sparsest_channels(pool, 2, POOL_CHANNELS), POOL_ALPHA, False)
        export(pool, "pool_bn_cnn.onnx")
    if "depthwise" in which:
        dw = train(DepthwiseCnn, epochs=8, lr=3e-3, seed=17)
        spread(dw.pw[0].weight, dw.pw[0].bias, dw.dw[1].weight, sparsest_channels(dw, 2, DW_CHANNELS), DW_ALPHA, True)
        export(dw, "depthwise_cnn.onnx")
    print(f"{time.time() - start:.0f} s", file=sys.stderr)
