#!/usr/bin/python3
"""Regenerates the reference-architecture ONNX fixtures (issue 17): MLPerf Tiny v1.0 style models
(KWS DS-CNN, VWW MobileNetV1-0.25, IC ResNet-8, AD dense autoencoder) plus two "any PyTorch model
of the same op set" fixtures, trained briefly on Fashion-MNIST and exported with torch.onnx.export
(opset 13, input 'input', output 'output', dynamic batch axis 'batch_size').

CI does not have PyTorch: the .onnx files are committed; this script only documents/regenerates them.

Run (Debian bookworm: apt-get install python3-torch python3-onnx; NOT the pyenv python3 on PATH):
    /usr/bin/python3 make_reference_models.py            # in this folder
Every input transform used here is described exactly in README.md (the C# tests replicate them).
"""
import collections
import gzip
import json
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
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

torch.set_num_threads(2)
torch.use_deterministic_algorithms(True)


# ----------------------------------------------------------------------------------------------
# Data (IDX format, gzip).  Images uint8 [N,28,28], labels uint8 [N].
# ----------------------------------------------------------------------------------------------
def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


TRAIN_X = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
TRAIN_Y = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64)
TEST_X = read_idx(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"))
TEST_Y = read_idx(os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)


# Input transforms (uint8 [N,28,28] -> float32 model input).  Keep in sync with README.md.
def tf_kws(x):  # [N,1,49,10]: nearest resize, row r <- floor(r*28/49), col c <- floor(c*28/10)
    rows = (np.arange(49) * 28) // 49
    cols = (np.arange(10) * 28) // 10
    return (x[:, rows][:, :, cols].astype(np.float32) / 255.0)[:, None]


def tf_vww(x):  # [N,3,96,96]: nearest upsample x3 -> 84x84, zero pad 6 each side, 3 equal channels
    up = np.repeat(np.repeat(x, 3, axis=1), 3, axis=2).astype(np.float32) / 255.0
    up = np.pad(up, ((0, 0), (6, 6), (6, 6)))
    return np.repeat(up[:, None], 3, axis=1)


def tf_ic(x):  # [N,3,32,32]: zero pad 2 each side, 3 equal channels
    p = np.pad(x.astype(np.float32) / 255.0, ((0, 0), (2, 2), (2, 2)))
    return np.repeat(p[:, None], 3, axis=1)


def tf_ad(x):  # [N,640]: flatten row-major to 784, keep elements [72, 712)
    return x.reshape(len(x), 784)[:, 72:712].astype(np.float32) / 255.0


def tf_mix(x):  # [N,1,28,28]
    return (x.astype(np.float32) / 255.0)[:, None]


def tf_conv1d(x):  # [N,28,28] = [N, C=image row, T=image column]
    return x.astype(np.float32) / 255.0


VWW_GARMENT = np.array([1, 1, 1, 1, 1, 0, 1, 0, 0, 0])  # class 1 'garment' = labels {0,1,2,3,4,6}
AD_NORMAL = [5, 7, 9]  # footwear: Sandal, Sneaker, Ankle boot


# ----------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------
class DSCNN(nn.Module):  # MLPerf Tiny KWS DS-CNN (small)
    def __init__(self, classes=12, ch=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, ch, (10, 4), stride=(2, 2), padding=(5, 1), bias=False)
        self.bn1 = nn.BatchNorm2d(ch)
        self.drop1 = nn.Dropout(0.2)
        blocks = []
        for _ in range(4):
            blocks += [nn.Conv2d(ch, ch, 3, padding=1, groups=ch, bias=False), nn.BatchNorm2d(ch), nn.ReLU(),
                       nn.Conv2d(ch, ch, 1, bias=False), nn.BatchNorm2d(ch), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        self.drop2 = nn.Dropout(0.4)
        self.pool = nn.AvgPool2d((25, 5))
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(ch, classes)

    def forward(self, x):
        x = self.drop1(F.relu(self.bn1(self.conv1(x))))
        x = self.drop2(self.blocks(x))
        return self.fc(self.flatten(self.pool(x)))


class MobileNetV1(nn.Module):  # MobileNetV1, alpha 0.25, 96x96 (MLPerf Tiny VWW)
    def __init__(self, classes=2, alpha=0.25):
        super().__init__()
        c = lambda n: int(n * alpha)
        cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
               (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
        layers = [nn.Conv2d(3, c(32), 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c(32)), nn.ReLU6()]
        cin = c(32)
        for cout, s in cfg:
            layers += [nn.Conv2d(cin, cin, 3, stride=s, padding=1, groups=cin, bias=False),
                       nn.BatchNorm2d(cin), nn.ReLU6(),
                       nn.Conv2d(cin, c(cout), 1, bias=False), nn.BatchNorm2d(c(cout)), nn.ReLU6()]
            cin = c(cout)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.pool(self.features(x))
        x = x.view(x.size(0), -1)  # the common hand-written idiom (Shape/Gather/... /Reshape in ONNX)
        return self.fc(x)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:  # MLPerf Tiny: plain 1x1 conv projection (no BN)
            self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet8(nn.Module):  # MLPerf Tiny IC ResNet-8
    def __init__(self, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.stage1 = ResBlock(16, 16, 1)
        self.stage2 = ResBlock(16, 32, 2)
        self.stage3 = ResBlock(32, 64, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.stage3(self.stage2(self.stage1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class AutoEncoder(nn.Module):  # MLPerf Tiny AD (ToyADMOS) dense autoencoder
    def __init__(self, n=640, h=128, z=8):
        super().__init__()
        dims = [n, h, h, h, h, z, h, h, h, h]
        layers = []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        layers += [nn.Linear(h, n)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class SqueezeExcite(nn.Module):
    def __init__(self, ch, r=4):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(ch, ch // r, 1)
        self.fc2 = nn.Conv2d(ch // r, ch, 1)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(self.pool(x)))))
        return x * s


class OpsMix(nn.Module):  # 2-D potpourri of what the exporter emits around such models
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(16)
        self.down = nn.Conv2d(16, 24, 3, stride=2)           # preceded by an explicit F.pad
        self.down_bn = nn.BatchNorm2d(24)
        self.branch_a = nn.Conv2d(24, 16, 1)                  # -> Tanh
        self.branch_b_dw = nn.Conv2d(24, 24, 3, padding=1, groups=24)
        self.branch_b_pw = nn.Conv2d(24, 16, 1)
        self.cat_bn = nn.BatchNorm2d(32)                      # standalone BN (after Concat, not a conv)
        self.se = SqueezeExcite(32)
        self.head = nn.Conv2d(32, 16, 1)
        self.fc = nn.Linear(7 * 7 * 16, classes)

    def forward(self, x):
        x = F.hardswish(self.stem_bn(self.stem(x)))
        x = F.pad(x, (1, 1, 1, 1))                            # explicit zero Pad node, 28 -> 30
        x = F.relu(self.down_bn(self.down(x)))                # 30 -> 14
        a = torch.tanh(self.branch_a(x))
        b = F.relu(self.branch_b_pw(F.relu6(self.branch_b_dw(x))))
        x = self.cat_bn(torch.cat([a, b], dim=1))
        x = self.se(x)
        x = F.max_pool2d(x, 2)                                # 14 -> 7
        x = F.hardswish(self.head(x))
        x = x.permute(0, 2, 3, 1)                             # NCHW -> NHWC (layout only)
        return self.fc(torch.flatten(x, 1))


class OpsConv1d(nn.Module):  # 1-D convolution model on [N, C, T]
    def __init__(self, classes=10):
        super().__init__()
        self.in_bn = nn.BatchNorm1d(28)                       # standalone BN on the input
        self.conv1 = nn.Conv1d(28, 32, 5, padding=2)
        self.bn1 = nn.BatchNorm1d(32)
        self.conv2 = nn.Conv1d(32, 32, 3)                     # preceded by a causal F.pad
        self.conv3 = nn.Conv1d(32, 48, 3, padding=1, groups=16)
        self.se1 = nn.Linear(48, 12)
        self.se2 = nn.Linear(12, 48)
        self.fc = nn.Linear(48, classes)

    def forward(self, x):
        x = self.in_bn(x)
        x = F.relu(self.bn1(self.conv1(x)))
        x = torch.tanh(self.conv2(F.pad(x, (2, 0))))          # left (causal) pad only
        x = F.max_pool1d(x, 2)                                # 28 -> 14
        x = F.hardswish(self.conv3(x))
        s = x.mean(dim=2)                                     # ReduceMean over time
        s = torch.sigmoid(self.se2(F.relu(self.se1(s))))
        x = x * s.unsqueeze(2)
        return self.fc(x.mean(dim=2))


# ----------------------------------------------------------------------------------------------
# Training / evaluation
# ----------------------------------------------------------------------------------------------
def train(model, x, y, epochs, batch, lr, loss_fn, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model.train()
    for ep in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        total = 0.0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f"    epoch {ep + 1}/{epochs}: loss {total / len(x):.4f}", flush=True)
    model.eval()


@torch.no_grad()
def predict(model, x, batch=500):
    model.eval()
    return np.concatenate([model(torch.from_numpy(x[i:i + batch])).numpy() for i in range(0, len(x), batch)])


def near_ties(logits):
    """Test images whose top-1/top-2 gap is < 1 % of the output range over the test set (~2.5 int8 steps)."""
    s = np.sort(logits, axis=1)
    gap = s[:, -1] - s[:, -2]
    return int((gap < 0.01 * (logits.max() - logits.min())).sum())


def auc(scores, positive):
    """ROC AUC (Mann-Whitney) of 'scores' for 'positive' (bool) samples."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    npos, nneg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def export(model, example, name, metadata=None):
    path = os.path.join(HERE, name)
    model.eval()
    torch.onnx.export(model, torch.from_numpy(example), path, opset_version=OPSET,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}},
                      do_constant_folding=True)
    m = onnx.load(path)
    for k, v in (metadata or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    return m


def subset(n, seed, mask=None):
    idx = np.arange(len(TRAIN_X)) if mask is None else np.nonzero(mask)[0]
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(idx, size=min(n, len(idx)), replace=False))


SUMMARY = []


def run(name, build, tf, target, n_train, epochs, batch, lr, seed, metadata=None, kind="classifier"):
    t0 = time.time()
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = build()
    if kind == "classifier":
        idx = subset(n_train, seed)
        xtr, ytr = tf(TRAIN_X[idx]), target(TRAIN_Y[idx])
        print(f"{name}: training on {len(idx)} images, {epochs} epochs", flush=True)
        train(model, xtr, ytr, epochs, batch, lr, nn.CrossEntropyLoss(), seed)
        logits = predict(model, tf(TEST_X))
        acc = float((logits.argmax(1) == target(TEST_Y)).mean())
        quality = f"test top-1 {acc * 100:.2f} % (10,000 images), near-ties {near_ties(logits)}"
    else:  # autoencoder: train on normal classes only, score = mean squared reconstruction error
        idx = subset(n_train, seed, np.isin(TRAIN_Y, AD_NORMAL))
        xtr = tf(TRAIN_X[idx])
        print(f"{name}: training on {len(idx)} normal images, {epochs} epochs", flush=True)
        train(model, xtr, xtr, epochs, batch, lr, nn.MSELoss(), seed)
        xte = tf(TEST_X)
        err = ((predict(model, xte) - xte) ** 2).mean(1)
        anomalous = ~np.isin(TEST_Y, AD_NORMAL)
        quality = (f"test AUC {auc(err, anomalous):.4f} (10,000 images, anomalous = not {AD_NORMAL}), "
                   f"MSE normal {err[~anomalous].mean():.4f} / anomalous {err[anomalous].mean():.4f}")
    m = export(model, tf(TEST_X[:2]), name, metadata)
    secs = time.time() - t0
    ops = collections.Counter(n.op_type for n in m.graph.node)
    size = os.path.getsize(os.path.join(HERE, name))
    params = sum(p.numel() for p in model.parameters())
    SUMMARY.append((name, size, params, secs, quality, ops))
    print(f"  {name}: {quality}; {secs:.0f} s", flush=True)


def main():
    t_all = time.time()
    print("torch", torch.__version__, "onnx", onnx.__version__, "python", sys.version.split()[0])
    run("kws_dscnn.onnx", DSCNN, tf_kws, lambda y: y, 30000, 3, 64, 3e-3, seed=1)
    run("vww_mobilenetv1_025.onnx", MobileNetV1, tf_vww, lambda y: VWW_GARMENT[y], 10000, 2, 64, 3e-3, seed=2,
        metadata={"classes": "no_garment,garment"})
    run("ic_resnet8.onnx", ResNet8, tf_ic, lambda y: y, 15000, 2, 64, 3e-3, seed=3,
        metadata={"labels": json.dumps(FASHION_NAMES)})
    run("ad_autoencoder.onnx", AutoEncoder, tf_ad, None, 18000, 20, 128, 1e-3, seed=4, kind="autoencoder")
    run("ops_mix.onnx", OpsMix, tf_mix, lambda y: y, 20000, 2, 64, 3e-3, seed=5)
    run("ops_conv1d.onnx", OpsConv1d, tf_conv1d, lambda y: y, 30000, 3, 64, 3e-3, seed=6)

    print("\n==== summary ====")
    for name, size, params, secs, quality, ops in SUMMARY:
        print(f"{name}: {size} bytes, {params} parameters, {secs:.0f} s")
        print(f"  {quality}")
        print(f"  ops: {dict(sorted(ops.items()))}")
    print(f"total size {sum(s[1] for s in SUMMARY)} bytes, total time {time.time() - t_all:.0f} s")


if __name__ == "__main__":
    main()
