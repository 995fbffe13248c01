# Writes checkpoints whose unpickling would run code, for test/interop/pickle.test.ts. Each payload, if it ever
# ran, would create the file named on the command line; the test asserts that file never appears.
# Usage: write_malicious.py OUT_DIR MARKER_PATH
import os, subprocess, sys
import torch

out, marker = sys.argv[1], sys.argv[2]


class OsSystem:
    def __reduce__(self):
        return (os.system, (f"touch {marker}",))


class Popen:
    def __reduce__(self):
        return (subprocess.Popen, (["touch", marker],))


class Eval:
    def __reduce__(self):
        return (eval, (f"open({marker!r}, 'w')",))


# the payload sits inside an otherwise ordinary state dict, next to real tensors
torch.save({"weight": torch.ones(3), "evil": OsSystem()}, os.path.join(out, "os_system.pt"))
torch.save({"weight": torch.ones(3), "evil": Popen()}, os.path.join(out, "popen.pt"))
torch.save({"weight": torch.ones(3), "evil": Eval()}, os.path.join(out, "eval.pt"))
