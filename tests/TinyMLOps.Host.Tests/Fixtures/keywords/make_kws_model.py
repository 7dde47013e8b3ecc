#!/usr/bin/python3
"""kws_mfcc_dscnn.onnx: the MLPerf Tiny DS-CNN (small) trained on the keyword corpus's float MFCC features.

CI does not have PyTorch: the .onnx file is committed; this script documents/regenerates it (README.md, "Regenerate").
    /usr/bin/python3 make_kws_model.py FEATURES_DIR      # FEATURES_DIR holds train.npy, train_y.npy, test.npy, test_y.npy
"""
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
CLASSES = ["_silence_", "_unknown_", "down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"]
SEED, EPOCHS, BATCH, LR = 1, 40, 64, 3e-3


class DSCNN(nn.Module):  # MLPerf Tiny KWS DS-CNN (small), as in ../reference/make_reference_models.py
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


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def main():
    folder = sys.argv[1]
    load = lambda n: torch.from_numpy(np.load(os.path.join(folder, n)))
    xtr, ytr, xte, yte = load("train.npy"), load("train_y.npy"), load("test.npy"), load("test_y.npy")
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    model = DSCNN(len(CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=EPOCHS * ((len(xtr) + BATCH - 1) // BATCH))
    t0 = time.time()
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), BATCH):
            idx = perm[i:i + BATCH]
            xb = xtr[idx]
            # Time shift of up to 5 frames (100 ms), the only augmentation.
            xb = torch.roll(xb, int(torch.randint(-5, 6, ())), dims=2)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, train {accuracy(model, xtr, ytr):.4f}, test {accuracy(model, xte, yte):.4f}")
    secs = time.time() - t0
    acc = accuracy(model, xte, yte)
    path = os.path.join(HERE, "kws_mfcc_dscnn.onnx")
    model.eval()
    torch.onnx.export(model, xte[:1], path, opset_version=13, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}}, do_constant_folding=True)
    m = onnx.load(path)
    p = m.metadata_props.add()
    p.key, p.value = "labels", json.dumps(CLASSES)
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    params = sum(p.numel() for p in model.parameters())
    print(f"{len(xtr)} train, {len(xte)} test clips; {params} parameters; {secs:.0f} s; "
          f"float test accuracy {acc:.4f} ({int(round(acc * len(xte)))} of {len(xte)}); {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
