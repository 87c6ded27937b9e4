#!/usr/bin/env python3
"""PyTorch reference for `repro bench --compare-pytorch`.

The same model math as the C# Qwen3ForCausalLM (HF transformers' Qwen3, eager attention): RMSNorm in float32 then
cast and weight, q/k head-dim RMSNorm before RoPE, half-split RoPE with float32 tables, GQA by repeat-interleave,
causal softmax in float32, SiLU-gated MLP, tied lm_head. Weights come from the safetensors folder the C# side wrote
(SavePretrained), so both run the same seeded model. Workloads (same names as the C# figures): forward prefill
(logits of the last position), a training step (completion-only loss, logits only at completion positions, AdamW),
greedy generation with a preallocated KV cache. Prints one JSON document (figures, torch version, BLAS config).
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


def timed(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    xs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t0)
    xs.sort()
    return xs[len(xs) // 2], xs[0], xs[-1]


def rate(workload, name, t, units, unit, reps):
    med, lo, hi = t
    return {"Workload": workload, "Name": name, "Median": units / med, "Min": units / hi, "Max": units / lo, "Unit": unit, "Repetitions": reps}


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--shape", required=True, help="shape name used in figure names")
    ap.add_argument("--dtypes", default="float32,bfloat16")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--forward", default="", help="BxT,... prefill grid")
    ap.add_argument("--train", default="", help="BxTxC training point")
    ap.add_argument("--generate", default="", help="BxN[@reps],... cached greedy generation points (16-token prompts)")
    ap.add_argument("--check-ids", help="JSON [[ids]]: write float32 logits of all positions (float32 model) to --check-out")
    ap.add_argument("--check-out")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave torch's default)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    figures = []
    for dname in a.dtypes.split(","):
        dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[dname]
        label = f"{a.shape} {'bf16' if dtype == torch.bfloat16 else 'f32'}"
        m = Qwen3(a.model, dtype)
        if a.check_ids and dtype == torch.float32:
            with open(a.check_ids) as fh:
                ids = torch.tensor(json.load(fh), dtype=torch.int64)
            with torch.no_grad():
                lg = m.logits(m.hidden(ids)).float().contiguous()
            with open(a.check_out, "wb") as fh:
                fh.write(lg.numpy().tobytes())
        for pt in filter(None, a.forward.split(",")):
            b, t = map(int, pt.split("x"))
            ids = randint(m.vocab, b, t, 1)

            def fwd():
                with torch.no_grad():
                    m.logits(m.hidden(ids)[:, -1:]).sum().item()
            figures.append(rate("forward", f"{label} B{b}×T{t} prefill", timed(fwd, a.reps), b * t, "tokens/s", a.reps))
        if a.train:
            b, t, c = map(int, a.train.split("x"))
            ids = randint(m.vocab, b, t, 2)
            opt = torch.optim.AdamW(m.params(), lr=1e-5, weight_decay=0.0)

            def step():
                h = m.hidden(ids)[:, t - c - 1 : t - 1].reshape(-1, m.h)
                lp = m.logits(h).float().log_softmax(-1).gather(1, ids[:, t - c :].reshape(-1, 1))
                loss = -lp.mean()
                loss.backward()
                opt.step()
                opt.zero_grad()
                loss.item()
            figures.append(rate("train", f"{label} B{b}×T{t} (loss on last {c})", timed(step, a.reps), b * t, "tokens/s", a.reps))
            del opt
        for pt in filter(None, a.generate.split(",")):
            spec, reps = pt.split("@") if "@" in pt else (pt, str(a.reps))
            b, n = map(int, spec.split("x"))
            reps = int(reps)
            ids = randint(m.vocab, b, 16, 3)
            generate(m, ids, 4)                              # warm-up: a 4-token generation, as the C# side
            t = timed(lambda: generate(m, ids, n), reps, warmup=0)
            figures.append(rate("generate", f"{label} B{b} {n} new, KV cache", t, b * n, "new tokens/s", reps))
        del m
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")   # Debian's torch: BLAS_INFO=generic -> this alternative
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas_library": blas,
                      "config": torch.__config__.show(), "figures": figures}))


if __name__ == "__main__":
    sys.exit(main())
