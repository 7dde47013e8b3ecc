"""Reference outputs of PyTorch's bilinear resize (align_corners=False, no antialias) and BT.601 grey for the image
front-end's tests: a seeded RGB frame, a crop, and the float results. Run: python3 make_fixture.py (needs torch, numpy)."""
import json
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(7)
h, w = 60, 80
# Smooth content plus noise, like a camera frame rather than white noise.
yy, xx = np.mgrid[0:h, 0:w]
frame = np.stack([
    127 + 100 * np.sin(xx / 9.0) * np.cos(yy / 13.0),
    127 + 100 * np.cos((xx + yy) / 17.0),
    127 + 60 * np.sin(yy / 5.0),
], axis=-1) + rng.normal(0, 12, (h, w, 3))
frame = np.clip(np.rint(frame), 0, 255).astype(np.uint8)

crop = dict(y=4, x=10, h=52, w=60)
out_h, out_w = 28, 28
window = torch.from_numpy(frame[crop["y"]:crop["y"] + crop["h"], crop["x"]:crop["x"] + crop["w"]].astype(np.float32))
chw = window.permute(2, 0, 1).unsqueeze(0)
resized = F.interpolate(chw, size=(out_h, out_w), mode="bilinear", align_corners=False, antialias=False)[0]
rgb = resized.permute(1, 2, 0).numpy()
grey = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]

json.dump({
    "frame": {"height": h, "width": w, "channels": 3, "pixels": frame.reshape(-1).tolist()},
    "crop": crop,
    "output": {"height": out_h, "width": out_w},
    "rgb": [round(float(v), 4) for v in rgb.reshape(-1)],
    "grey": [round(float(v), 4) for v in grey.reshape(-1)],
}, open("bilinear_reference.json", "w"))
print("wrote bilinear_reference.json")
