#!/usr/bin/env python3
"""PyTorch reference for `repro bench --compare-pytorch`.

The same model math as the C# Qwen3ForCausalLM (HF transformers' Qwen3, eager attention): RMSNorm in float32 then
cast and weight, q/k head-dim RMSNorm before RoPE, half-split RoPE with float32 tables, GQA by repeat-interleave,
causal softmax in float32, SiLU-gated MLP, tied lm_head. Weights come from the safetensors folder the C# side wrote
(SavePretrained), so both run the same seeded model. Workloads (same names as the C# figures): forward prefill
(logits of the last position), a training step (completion-only loss, logits only at completion positions, AdamW),
greedy generation with a preallocated KV cache.

It runs as a worker (`--serve`): the C# bench sends one JSON command a line on stdin and reads one JSON answer a line
on stdout, so that it can alternate repetitions, ours then PyTorch's, and the ratio of each pair of medians is measured
under the same machine load (on shared machines absolute times are noise; ratios measured side by side are not).

Commands (each answer is {"ok": true, ...} or {"ok": false, "error": "..."}):
  {"cmd": "hello", "threads": N}                         -> torch version, threads, BLAS library and config
  {"cmd": "load", "model": DIR, "dtype": "float32"|"bfloat16"}   (frees the previous model)
  {"cmd": "check", "ids": [[...]], "out": PATH}          -> writes float32 logits of every position to PATH
  {"cmd": "forward", "b": B, "t": T}                     -> {"seconds": s} of one prefill
  {"cmd": "train", "b": B, "t": T, "c": C}               -> {"seconds": s} of one step (optimizer made on first use)
  {"cmd": "generate", "b": B, "n": N}                    -> {"seconds": s} of one greedy generation (16-token prompt)
  {"cmd": "peak_reset"} / {"cmd": "peak"}                -> VmHWM reset via /proc/self/clear_refs / {"bytes": n}
  {"cmd": "quit"}
Needs only torch (and the standard library).
"""
import argparse, json, os, struct, sys, time

import torch
import torch.nn.functional as F


def read_safetensors(folder):
    files = [f for f in sorted(os.listdir(folder)) if f.endswith(".safetensors")]
    out = {}
    for name in files:
        with open(os.path.join(folder, name), "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(n))
            data = fh.read()
        for key, meta in header.items():
            if key == "__metadata__":
                continue
            start, end = meta["data_offsets"]
            dtype = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "F64": torch.float64}[meta["dtype"]]
            t = torch.frombuffer(bytearray(data[start:end]), dtype=dtype) if end > start else torch.zeros(0, dtype=dtype)
            out[key] = t.reshape(meta["shape"]).clone()
    return out


class Qwen3:
    def __init__(self, folder, dtype):
        with open(os.path.join(folder, "config.json")) as fh:
            c = json.load(fh)
        self.c = c
        self.dtype = dtype
        self.h, self.nh, self.nkv, self.hd = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c.get("head_dim", 128)
        self.layers, self.eps, self.vocab = c["num_hidden_layers"], c["rms_norm_eps"], c["vocab_size"]
        self.w = {k: v.to(dtype).requires_grad_(True) for k, v in read_safetensors(folder).items()}
        self.inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))

    def params(self):
        return list(self.w.values())

    def norm(self, x, w):
        dt = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return w * x.to(dt)

    def rope(self, pos):
        freqs = pos[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), -1)
        return emb.cos().to(self.dtype)[:, None], emb.sin().to(self.dtype)[:, None]

    @staticmethod
    def rotate_half(x):
        x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
        return torch.cat((-x2, x1), -1)

    def hidden(self, ids, past=0, cache=None):
        b, t = ids.shape
        w = self.w
        x = F.embedding(ids, w["model.embed_tokens.weight"])
        pos = torch.arange(past, past + t).unsqueeze(0).expand(b, t)
        cos, sin = self.rope(pos)
        total = past + t
        mask = torch.full((t, total), float("-inf")).triu(past + 1).to(self.dtype)
        g = self.nh // self.nkv
        for i in range(self.layers):
            p = f"model.layers.{i}."
            r = x
            x = self.norm(x, w[p + "input_layernorm.weight"])
            q = self.norm(F.linear(x, w[p + "self_attn.q_proj.weight"]).view(b, t, self.nh, self.hd), w[p + "self_attn.q_norm.weight"]).transpose(1, 2)
            k = self.norm(F.linear(x, w[p + "self_attn.k_proj.weight"]).view(b, t, self.nkv, self.hd), w[p + "self_attn.k_norm.weight"]).transpose(1, 2)
            v = F.linear(x, w[p + "self_attn.v_proj.weight"]).view(b, t, self.nkv, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if cache is not None:
                ck, cv = cache[i]
                ck[:, :, past:total] = k
                cv[:, :, past:total] = v
                k, v = ck[:, :, :total], cv[:, :, :total]
            k = k.repeat_interleave(g, dim=1)
            v = v.repeat_interleave(g, dim=1)
            a = torch.matmul(q, k.transpose(2, 3)) * (self.hd ** -0.5) + mask
            a = F.softmax(a, dim=-1, dtype=torch.float32).to(self.dtype)
            o = torch.matmul(a, v).transpose(1, 2).reshape(b, t, self.nh * self.hd)
            x = r + F.linear(o, w[p + "self_attn.o_proj.weight"])
            r = x
            x = self.norm(x, w[p + "post_attention_layernorm.weight"])
            x = r + F.linear(F.silu(F.linear(x, w[p + "mlp.gate_proj.weight"])) * F.linear(x, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
        return self.norm(x, w["model.norm.weight"])

    def logits(self, h):
        return F.linear(h, self.w["model.embed_tokens.weight"])


def randint(vocab, b, t, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, vocab, (b, t), generator=g, dtype=torch.int64)


def generate(m, ids, n):
    b, t0 = ids.shape
    with torch.no_grad():
        cache = [(torch.zeros(b, m.nkv, t0 + n, m.hd, dtype=m.dtype), torch.zeros(b, m.nkv, t0 + n, m.hd, dtype=m.dtype)) for _ in range(m.layers)]
        logits = m.logits(m.hidden(ids, 0, cache)[:, -1])
        out = []
        for s in range(n):
            scores = logits.float()
            nxt = scores.argmax(-1)
            scores.log_softmax(-1).gather(1, nxt[:, None])
            out.append(nxt)
            if s == n - 1:
                break
            logits = m.logits(m.hidden(nxt[:, None], t0 + s, cache)[:, -1])
    return torch.stack(out, 1)


def peak_reset():
    import ctypes, gc
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)   # as the C# side: free heap pages go back before the reading starts
    except OSError:
        pass
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_bytes():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return -1


class Worker:
    """One loaded model and the state a workload keeps between repetitions (inputs, the optimizer)."""

    def __init__(self):
        self.m = None
        self.inputs = {}
        self.opt = None

    def hello(self, cmd):
        if cmd.get("threads", 0) > 0:
            torch.set_num_threads(cmd["threads"])
        blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")   # Debian's torch: BLAS_INFO=generic -> this alternative
        return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas_library": blas, "config": torch.__config__.show()}

    def load(self, cmd):
        self.m, self.inputs, self.opt = None, {}, None
        self.m = Qwen3(cmd["model"], {"float32": torch.float32, "bfloat16": torch.bfloat16}[cmd["dtype"]])
        return {}

    def check(self, cmd):
        ids = torch.tensor(cmd["ids"], dtype=torch.int64)
        with torch.no_grad():
            lg = self.m.logits(self.m.hidden(ids)).float().contiguous()
        with open(cmd["out"], "wb") as fh:
            fh.write(lg.numpy().tobytes())
        return {}

    def forward(self, cmd):
        b, t = cmd["b"], cmd["t"]
        ids = self.inputs.setdefault(("forward", b, t), randint(self.m.vocab, b, t, 1))
        t0 = time.perf_counter()
        with torch.no_grad():
            self.m.logits(self.m.hidden(ids)[:, -1:]).sum().item()
        return {"seconds": time.perf_counter() - t0}

    def train(self, cmd):
        b, t, c = cmd["b"], cmd["t"], cmd["c"]
        m = self.m
        ids = self.inputs.setdefault(("train", b, t), randint(m.vocab, b, t, 2))
        if self.opt is None:
            self.opt = torch.optim.AdamW(m.params(), lr=1e-5, weight_decay=0.0)
        t0 = time.perf_counter()
        h = m.hidden(ids)[:, t - c - 1 : t - 1].reshape(-1, m.h)
        lp = m.logits(h).float().log_softmax(-1).gather(1, ids[:, t - c :].reshape(-1, 1))
        loss = -lp.mean()
        loss.backward()
        self.opt.step()
        self.opt.zero_grad()
        loss.item()
        return {"seconds": time.perf_counter() - t0}

    def generate(self, cmd):
        b, n = cmd["b"], cmd["n"]
        ids = self.inputs.setdefault(("generate", b), randint(self.m.vocab, b, 16, 3))
        t0 = time.perf_counter()
        generate(self.m, ids, n)
        return {"seconds": time.perf_counter() - t0}

    def peak_reset(self, cmd):
        return {"reset": peak_reset()}

    def peak(self, cmd):
        return {"bytes": peak_bytes()}


def serve():
    w = Worker()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd["cmd"] == "quit":
                break
            answer = getattr(w, cmd["cmd"])(cmd)
            answer["ok"] = True
        except Exception as e:  # the C# side reports the error with the command that caused it
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--serve", action="store_true", help="run the line protocol on stdin/stdout (what repro bench uses)")
    a = ap.parse_args()
    if not a.serve:
        ap.print_help()
        return 2
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
