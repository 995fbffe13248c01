"""CPU peer for `npm run bench:train`: the same model, batch and optimizer as plmscale in PyTorch's Python
API, on Debian's python3-torch (the same libtorch 1.13). Reads the batch from a JSON file written by the
TS bench so both sides train on identical tokens. Prints one JSON line."""
import json, sys, time, argparse
import torch
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from plm_ref import PlmRef, make_optimizer, train_step

ap = argparse.ArgumentParser()
ap.add_argument("--batch", required=True)
ap.add_argument("--layers", type=int, default=6)
ap.add_argument("--d", type=int, default=320)
ap.add_argument("--heads", type=int, default=20)
ap.add_argument("--steps", type=int, default=3)
ap.add_argument("--warmup", type=int, default=1)
ap.add_argument("--micro", type=int, default=1)
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--attention", choices=["mask", "spans"], default="mask")
a = ap.parse_args()
if a.threads:
    torch.set_num_threads(a.threads)
torch.manual_seed(0)
with open(a.batch) as f:
    b = json.load(f)
B, T = b["rows"], b["context"]
shape = lambda k: torch.tensor(b[k], dtype=torch.long).view(B, T)
batch = (shape("input"), shape("position"), shape("segment"), shape("target"))
model = PlmRef(a.layers, a.d, a.heads, 4 * a.d)
opt = make_optimizer(model)
causal = b["objective"] == "clm"
spans = a.attention == "spans"
for _ in range(a.warmup):
    train_step(model, opt, batch, causal, a.micro, spans)
t0, c0 = time.perf_counter(), time.process_time()
losses = [train_step(model, opt, batch, causal, a.micro, spans) for _ in range(a.steps)]
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"impl": "pytorch", "objective": b["objective"], "tokensPerSecond": B * T * a.steps / dt, "tokensPerCpuSecond": B * T * a.steps / cpu,
                  "secondsPerStep": dt / a.steps, "losses": losses, "threads": torch.get_num_threads(),
                  "torch": torch.__version__, "attention": a.attention}))
