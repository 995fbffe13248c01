# Peer for bench:distributed: the Gloo all-reduce of N float32 elements in PyTorch's Python API (Debian
# python3-torch, the same libtorch 1.13 and gloo as the addon), 2 processes over a FileStore.
# Usage: python3 dist_peer.py NUMEL ITERS STORE_FILE  -> prints {"seconds": mean seconds per all-reduce}
import json, os, sys, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def worker(rank, numel, iters, store, q):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    x = torch.ones(numel)
    for _ in range(3):
        dist.all_reduce(x)
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(iters):
        dist.all_reduce(x)
    dt = (time.perf_counter() - t0) / iters
    if rank == 0:
        q.put(dt)
    dist.destroy_process_group()


if __name__ == "__main__":
    numel, iters, store = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    ps = [ctx.Process(target=worker, args=(r, numel, iters, store, q)) for r in range(2)]
    for p in ps:
        p.start()
    dt = q.get(timeout=300)
    for p in ps:
        p.join()
    print(json.dumps({"seconds": dt}))
