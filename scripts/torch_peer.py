#!/usr/bin/env python3
"""attnlab's PyTorch SDPA peer (run by src/backends/torch_peer.cpp, or by hand).

stdin:  {"cases": [{"backend": "torch-flash"|"torch-cudnn"|"torch-efficient"|"torch-math", "batch", "heads",
         "heads_k", "seqlen_q", "seqlen_k", "head_dim", "dtype": "bf16"|"fp16", "causal", "scale": null|float,
         "seed": null|int (optional)}], "max_time_s": 15, "target_rel_stdev": 0.005}
stdout: {"schema": "attnlab.peer/1", "torch", "cuda", "cudnn", "device", "capability", "l2_bytes",
         "results": [{<case fields>, "status": "ok"|"skipped"|"failed", "reason" (when not ok), "note",
         "check": {...}, "kernels": [...], "timing": {...}, "tflops"}]}
Only that JSON goes to stdout (fd 1 is pointed at stderr while torch runs); progress goes to stderr.
Exit codes: 0 ran (cases may still be skipped/failed), 2 malformed request, 3 torch or CUDA missing.

Every case is checked before it is timed, as attnlab's own gate does (docs/correctness.md): fresh N(0,1)
inputs from a recorded seed, a float64 reference on the GPU (float32 on a subset of batches/heads when
B*H*Sq*Sk > 2^31), attnlab's tolerances. A case that fails the check is not timed. Timing is a port of
src/measure/timer.cpp and stats.cpp: L2 flushed before every sample, CUDA events around the SDPA call only,
warm-up >= 3 runs and >= 0.1 s, the same adaptive stopping rule; and of src/check/sample_protocol.hpp: the
previous output poisoned before every call, every timed sample's output compared with the gated one
(bitwise when two calls agreed bit for bit, else within the gate's max-abs) — a mismatch fails the case.
"""
import json, math, os, re, sys, time, warnings  # noqa: E401 (torch is imported in main: the stats run without it)

SCHEMA = "attnlab.peer/1"
BACKENDS = {"torch-flash": "FLASH_ATTENTION", "torch-cudnn": "CUDNN_ATTENTION",
            "torch-efficient": "EFFICIENT_ATTENTION", "torch-math": "MATH"}
TOLERANCE = {"bf16": (2e-2, 1e-2), "fp16": (4e-3, 2e-3)}  # O max-abs, O rel-L2 (src/check/metrics.cpp)
CASE_FIELDS = ("backend", "batch", "heads", "heads_k", "seqlen_q", "seqlen_k", "head_dim", "dtype", "causal",
               "scale")
FP64_LIMIT = 2 ** 31        # B*H*Sq*Sk above this: float32 reference on a subset
REF_CHUNK = 2 ** 27         # score elements per reference chunk (1 GiB in float64)


def log(msg):
    print(f"torch_peer: {msg}", file=sys.stderr, flush=True)


def one_line(s, limit=600):
    s = re.sub(r"\s*\(Triggered internally at [^)]*\)\.?", "", str(s))
    s = " ".join(s.split())
    return s if len(s) <= limit else s[:limit - 3] + "..."


# --- statistics and the stopping rule: a line-by-line port of src/measure/stats.cpp ---
def _quantile(s, q):  # s sorted, non-empty; linear interpolation
    pos = q * (len(s) - 1)
    i, f = int(pos), pos - int(pos)
    return s[i] * (1 - f) + s[i + 1] * f if i + 1 < len(s) else s[i]


def summarize(samples):
    s = sorted(samples)
    st = {"count": len(s), "median": 0.0, "min": 0.0, "max": 0.0, "q1": 0.0, "q3": 0.0, "mean": 0.0,
          "rel_stdev": 0.0}
    if not s:
        return st
    mean = sum(s) / len(s)
    var = sum((x - mean) ** 2 for x in s) / (len(s) - 1) if len(s) > 1 else 0.0
    st.update(median=_quantile(s, 0.5), min=s[0], max=s[-1], q1=_quantile(s, 0.25), q3=_quantile(s, 0.75),
              mean=mean, rel_stdev=math.sqrt(var) / mean if mean > 0 else 0.0)
    return st


class StopRule:
    def __init__(self, max_time_s=15.0, target_rel_stdev=0.005):
        self.min_samples, self.min_time_s, self.max_samples = 10, 0.5, 100000
        self.max_time_s, self.target_rel_stdev = max_time_s, target_rel_stdev


def should_stop(rule, samples, gpu_time_s, wall_time_s, history):
    """Returns None or the stop reason, with the names of stop_reason_name()."""
    if wall_time_s >= rule.max_time_s:
        return "timeout"
    if len(samples) >= rule.max_samples:
        return "max-samples"
    if len(samples) < rule.min_samples or gpu_time_s < rule.min_time_s:
        return None
    rsd = summarize(samples)["rel_stdev"]
    if rsd <= rule.target_rel_stdev:
        return "converged"
    # Plateau: over the last 10 checks (one per 10 samples) the noise estimate moved by < 1% relative.
    if len(samples) % 10 == 0:
        history.append(rsd)
        if len(history) >= 10:
            lo, hi = min(history[-10:]), max(history[-10:])
            if hi - lo <= 0.01 * hi:
                return "plateaued"
    return None


# --- request ---
def parse_request(text):
    try:
        req = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"request is not JSON: {e}")
    if not isinstance(req, dict) or not isinstance(req.get("cases"), list):
        raise ValueError('request must be an object with a "cases" array')
    rule = StopRule(req.get("max_time_s", 15.0), req.get("target_rel_stdev", 0.005))
    for name in ("max_time_s", "target_rel_stdev"):
        v = getattr(rule, name)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ValueError(f"{name} must be a positive number (got {v!r})")
    return req["cases"], rule


def case_error(c):
    """None when the case is well formed, else a one-line reason."""
    if not isinstance(c, dict):
        return "case is not an object"
    if c.get("backend") not in BACKENDS:
        return f"backend must be one of {', '.join(BACKENDS)} (got {c.get('backend')!r})"
    for f in ("batch", "heads", "heads_k", "seqlen_q", "seqlen_k", "head_dim"):
        if isinstance(c.get(f), bool) or not isinstance(c.get(f), int) or c[f] < 1:
            return f"{f} must be a positive integer (got {c.get(f)!r})"
    if c["heads"] % c["heads_k"]:
        return f"heads_k ({c['heads_k']}) must divide heads ({c['heads']})"
    if c.get("dtype") not in TOLERANCE:
        return f"dtype must be bf16 or fp16 (got {c.get('dtype')!r})"
    if not isinstance(c.get("causal", False), bool):
        return "causal must be true or false"
    s = c.get("scale")
    if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or not 0 < s < math.inf):
        return f"scale must be null or a positive number (got {s!r})"
    seed = c.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63):
        return f"seed must be null or a non-negative integer (got {seed!r})"
    return None


def flops(c):
    # src/core/problem.cpp: 4*B*H*Sq*Sk*d, exactly half of it when causal (the FlashAttention convention).
    full = 4.0 * c["batch"] * c["heads"] * c["seqlen_q"] * c["seqlen_k"] * c["head_dim"]
    return full / 2 if c.get("causal") else full


# --- correctness ---
def check_output(q, k, v, out, causal, scale, dtype):
    """Compares out (B,Sq,H,d) with a reference computed on the GPU from exactly the rounded inputs."""
    import torch
    B, Sq, H, d = q.shape
    Sk, Hk = k.shape[1], k.shape[2]
    group = H // Hk
    batches, heads = list(range(B)), list(range(H))
    ref_dtype, reference, subset = torch.float64, "torch-fp64", None
    if B * H * Sq * Sk > FP64_LIMIT:
        ref_dtype, reference = torch.float32, "torch-fp32"
        batches = sorted({0, B - 1})
        n = max(1, min(H, FP64_LIMIT // (len(batches) * Sq * Sk)))
        heads = sorted({round(i * (H - 1) / max(1, n - 1)) for i in range(n)})
        subset = f"batches {batches} of {B}, heads {heads} of {H}"
    rows = max(1, min(Sq, REF_CHUNK // Sk))
    hc = max(1, min(len(heads), REF_CHUNK // (rows * Sk)))
    max_abs, num, den, bad, max_abs_empty = 0.0, 0.0, 0.0, 0, 0.0
    for b in batches:
        for h0 in range(0, len(heads), hc):
            hs = torch.tensor(heads[h0:h0 + hc], device=q.device)
            kh = k[b].index_select(1, hs // group).permute(1, 0, 2).to(ref_dtype)  # (hc, Sk, d)
            vh = v[b].index_select(1, hs // group).permute(1, 0, 2).to(ref_dtype)
            for r0 in range(0, Sq, rows):
                r1 = min(Sq, r0 + rows)
                qh = q[b, r0:r1].index_select(1, hs).permute(1, 0, 2).to(ref_dtype)
                s = torch.matmul(qh, kh.transpose(1, 2)).mul_(scale)
                if causal:  # bottom-right: query i sees key j iff j <= i + Sk - Sq
                    i = torch.arange(r0, r1, device=q.device).unsqueeze(1)
                    j = torch.arange(Sk, device=q.device).unsqueeze(0)
                    s.masked_fill_(j > i + (Sk - Sq), -math.inf)
                m = s.amax(-1, keepdim=True)
                s.sub_(torch.where(torch.isfinite(m), m, torch.zeros_like(m))).exp_()
                lsum = s.sum(-1, keepdim=True)
                o = torch.matmul(s, vh)
                o = torch.where(lsum > 0, o / lsum.clamp_min(torch.finfo(ref_dtype).tiny), torch.zeros_like(o))  # no key: O = 0
                del s
                got = out[b, r0:r1].index_select(1, hs).permute(1, 0, 2).to(ref_dtype)
                bad += int((~torch.isfinite(got)).sum().item())
                diff = got - o
                err = torch.nan_to_num(diff.abs(), nan=math.inf)
                empty = max(0, min(r1, Sq - Sk) - r0) if causal else 0  # rows that see no key: O must be 0
                if empty:
                    max_abs_empty = max(max_abs_empty, err[:, :empty].max().item())
                if empty < r1 - r0:
                    max_abs = max(max_abs, err[:, empty:].max().item())
                num += diff.square().sum().item()
                den += o.square().sum().item()
    rel = math.sqrt(num / den) if den > 0 else (0.0 if num == 0 else math.inf)
    tol_abs, tol_rel = TOLERANCE[dtype]
    visible_ok = max_abs <= tol_abs
    max_abs = max(max_abs, max_abs_empty)
    ok = bad == 0 and max_abs <= tol_abs and rel <= tol_rel
    check = {"o_max_abs": max_abs, "o_rel_l2": rel, "pass": ok, "reference": reference, "bad": bad,
             "tol_max_abs": tol_abs, "tol_rel_l2": tol_rel}
    if causal and Sq > Sk:
        check["o_max_abs_empty_rows"] = max_abs_empty
        if max_abs_empty > tol_abs and visible_ok:
            check["diagnosis"] = (f"errors in the {Sq - Sk} query rows that see no key, where attnlab's "
                                  "convention is O = 0 (FlashAttention's); the other rows have max-abs <= tol")
    if subset:
        check["subset"] = subset
    return check


# --- checked samples: src/check/sample_protocol.hpp ---
class VerificationFailed(Exception):
    pass


class SampleCheck:
    """Every sample (and warm-up call) starts from poisoned outputs and every sample's output is compared with
    the gated one afterwards, as attnlab's core does. SDPA allocates its output from torch's caching allocator:
    the previous output is filled with NaN before it is released, so the block the next call reuses holds
    poison. Graph mode keeps one static output per captured call, all poisoned before a replay."""

    def __init__(self, gated, deterministic, tol_abs):
        self.gated, self.deterministic, self.tol_abs = gated, deterministic, tol_abs
        self.held = []  # outputs of the last call (eager) or the graph's static outputs
        self.samples = 0

    def before(self):
        for t in self.held:
            t.fill_(float("nan"))

    def keep(self, outs, static=False):
        self.held = list(outs)
        self.static = static

    def release(self):
        if not getattr(self, "static", False):
            self.held = []

    def after(self, outs, sample):
        import torch
        for n, out in enumerate(outs):
            if self.deterministic:
                ok = bool(torch.equal(out, self.gated))
            else:
                ok = bool(torch.isfinite(out).all()) and float((out.float() - self.gated.float()).abs().max()) <= self.tol_abs
            if not ok:
                where = f"at sample {sample}" + (f" (call {n} of its graph)" if len(outs) > 1 else "")
                raise VerificationFailed(f"timed output differs from gated output {where} "
                                         f"({'bitwise' if self.deterministic else 'tolerance'}; every sample is checked)")
        self.samples += 1


# --- timing: src/measure/timer.cpp ---
def measure(fn, rule, l2_bytes, check=None, graph_outs=None):
    """fn() returns the call's output (eager), or replays a graph whose static outputs are graph_outs."""
    import torch
    flush = torch.empty(2 * max(l2_bytes, 1 << 20), dtype=torch.uint8, device="cuda")
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

    def call():  # poison, release, call, hold: the same before every warm-up call and every sample
        if check:
            check.before()
            check.release()
        out = fn()
        outs = graph_outs if graph_outs is not None else [out]
        if check:
            check.keep(outs, static=graph_outs is not None)
        return outs

    host_us = []
    t0 = time.perf_counter()
    i = 0
    while i < 3 or time.perf_counter() - t0 < 0.1:
        h = time.perf_counter()
        call()
        host_us.append((time.perf_counter() - h) * 1e6)
        torch.cuda.synchronize()
        i += 1
    # Host guard: one SDPA call costs tens of microseconds of Python/dispatcher time, and the GPU would sit
    # idle between the start event and the kernel for that long (the C++ core launches in a few us, hidden
    # behind the flush). A spin kernel queued before the flush keeps the GPU busy until everything is
    # enqueued, so the events time GPU work only, as the core's do. It runs before the flush: not timed.
    start.record()
    torch.cuda._sleep(1_000_000)
    stop.record()
    stop.synchronize()
    cycles_per_us = 1e6 / max(start.elapsed_time(stop) * 1e3, 1e-3)
    guard_us = min(5000.0, max(200.0, 5 * sorted(host_us)[len(host_us) // 2]))
    guard_cycles = int(guard_us * cycles_per_us)

    samples, history, gpu_s, check_s = [], [], 0.0, 0.0
    t0 = time.perf_counter()
    while True:
        if check:
            c0 = time.perf_counter()
            check.before()
            check.release()
            check_s += time.perf_counter() - c0
        torch.cuda._sleep(guard_cycles)
        flush.fill_(len(samples) & 0xFF)
        start.record()
        out = fn()
        stop.record()
        stop.synchronize()
        if check:
            c0 = time.perf_counter()
            outs = graph_outs if graph_outs is not None else [out]
            check.keep(outs, static=graph_outs is not None)
            check.after(outs, len(samples))
            check_s += time.perf_counter() - c0
        del out
        ms = start.elapsed_time(stop)
        samples.append(ms * 1e3)
        gpu_s += ms * 1e-3
        reason = should_stop(rule, samples, gpu_s, time.perf_counter() - t0, history)
        if reason:
            break
    st = summarize(samples)
    timing = {"median_us": st["median"], "min_us": st["min"], "q1_us": st["q1"], "q3_us": st["q3"],
              "max_us": st["max"], "mean_us": st["mean"], "rel_stdev": st["rel_stdev"], "samples": st["count"],
              "stop": reason, "host_guard_us": guard_us, "raw_us": samples, "method": "events+spin"}
    if check:
        timing["verified"] = {"mode": "bitwise" if check.deterministic else "tolerance",
                              "method": "every sample: previous output poisoned before it, compared after it",
                              "samples": len(samples), "samples_checked": len(samples), "cost_s": check_s}
    if reason == "timeout":
        timing["warning"] = (f"stopped at the {rule.max_time_s:.0f} s limit with relative stdev "
                             f"{st['rel_stdev'] * 100:.2f}%")
    return timing


def exceeds_kernels(event_us, kernel_us):
    """The cross-check rule of src/measure/kernel_trace.hpp: the events timed host overhead."""
    return event_us > kernel_us * 1.15 + 3.0


def kernel_sum_us(fn, calls=20):
    """Summed durations of the CUDA kernels of one call (torch.profiler / CUPTI), averaged over `calls`."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(calls):
                fn()
            torch.cuda.synchronize()
    total = sum(e.time_range.elapsed_us() for e in prof.events()
                if e.device_type == torch.autograd.DeviceType.CUDA)
    return total / calls if total > 0 else None


def measure_graph(fn, rule, l2_bytes, kernel_us, check=None):
    """CUDA-graph replay of N calls: one launch for the host, N back-to-back calls for the GPU; every call
    keeps its own static output (all poisoned before a replay, all compared after it)."""
    import torch
    reps = max(1, min(200, int(math.ceil(200.0 / max(kernel_us, 1.0)))))
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        outs = [fn() for _ in range(reps)]
    timing = measure(graph.replay, rule, l2_bytes, check=check, graph_outs=outs)
    for key in ("median_us", "min_us", "q1_us", "q3_us", "max_us", "mean_us"):
        timing[key] /= reps
    timing["raw_us"] = [x / reps for x in timing["raw_us"]]
    timing["method"] = f"cuda-graph({reps})"
    return timing


def measure_checked(fn, rule, l2_bytes, check=None):
    """Events behind a spin kernel; cross-checked with the profiler's kernel durations. When the events
    still exceed the kernels by >15% + 3 us (host overhead timed), the case is re-timed by CUDA-graph
    replay; what remains beyond the rule is flagged (host_overhead)."""
    timing = measure(fn, rule, l2_bytes, check=check)
    try:
        ksum = kernel_sum_us(fn)
    except Exception as e:  # the profiler (CUPTI) is optional
        log(f"profiler unavailable for the kernel-time cross-check: {one_line(e, 200)}")
        ksum = None
    timing["kernel_sum_us"] = ksum
    if ksum and exceeds_kernels(timing["median_us"], ksum):
        log(f"  events {timing['median_us']:.1f} us vs kernels {ksum:.1f} us: re-timing by CUDA-graph replay")
        try:
            graph_timing = measure_graph(fn, rule, l2_bytes, ksum, check=check)
            graph_timing["kernel_sum_us"] = ksum
            graph_timing["events_spin_median_us"] = timing["median_us"]
            timing = graph_timing
        except VerificationFailed:
            raise
        except Exception as e:  # not capturable (e.g. a mask built on the host per call)
            log(f"  CUDA-graph capture failed: {one_line(e, 200)}")
    timing["host_overhead"] = bool(ksum and exceeds_kernels(timing["median_us"], ksum))
    if timing["host_overhead"]:
        w = f"event median {timing['median_us']:.1f} us exceeds the kernels' {ksum:.1f} us by >15% + 3 us"
        timing["warning"] = (timing["warning"] + "; " + w) if timing.get("warning") else w
    return timing


def kernel_names(fn):
    """The CUDA kernels one call launches (shows which implementation the forced backend really ran)."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            fn()
            torch.cuda.synchronize()
    names = []
    for e in prof.events():
        if e.device_type == torch.autograd.DeviceType.CUDA and e.name not in names:
            names.append(e.name[:160])
    return names


# --- one case ---
def run_case(c, rule, l2_bytes, torch_version):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    res = {f: c.get(f) if isinstance(c, dict) else None for f in CASE_FIELDS}
    err = case_error(c)
    if err:
        return dict(res, status="failed", reason=f"invalid case: {err}")
    res["causal"] = causal = c.get("causal", False)
    backend = getattr(SDPBackend, BACKENDS[c["backend"]], None)
    if backend is None:
        return dict(res, status="skipped", reason=f"torch {torch_version} has no SDPBackend.{BACKENDS[c['backend']]}")
    B, H, Hk, Sq, Sk, d = (c[f] for f in ("batch", "heads", "heads_k", "seqlen_q", "seqlen_k", "head_dim"))
    kwargs = {"scale": c.get("scale")}
    if H != Hk:
        if torch_version < (2, 5):
            return dict(res, status="skipped", reason="GQA (enable_gqa) needs torch >= 2.5")
        kwargs["enable_gqa"] = True
    if causal and Sq == Sk:
        kwargs["is_causal"] = True  # top-left in torch; identical to attnlab's bottom-right when Sq == Sk
    elif causal:
        # torch's is_causal is top-left aligned; attnlab's causal is bottom-right. CausalBias(LOWER_RIGHT)
        # dispatches to the flash kernel (natively bottom-right) or to mem-efficient with a lower-right mask
        # type when the backend is enabled, else torch materialises a boolean mask on every call.
        from torch.nn.attention.bias import causal_lower_right
        with warnings.catch_warnings():  # "will produce NaNs when seq_len_q > seq_len_kv": the check tells
            warnings.simplefilter("ignore")
            kwargs["attn_mask"] = causal_lower_right(Sq, Sk)
        res["note"] = {"torch-flash": "lower-right causal via CausalBias: flash kernel, is_causal (bottom-right)",
                       "torch-efficient": "lower-right causal via CausalBias: mem-efficient custom_mask_type",
                       }.get(c["backend"], "lower-right causal via CausalBias: boolean mask materialised by "
                                           "torch on every call (included in the time)")
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[c["dtype"]]
    seed = c.get("seed")
    if seed is None:
        seed = int.from_bytes(os.urandom(6), "little")  # 48 bits, like attnlab's gate
    gen = torch.Generator(device="cuda")
    gen.manual_seed(seed)
    # Layout: the tensors are created (B, S, H, d) contiguous, attnlab's layout and FlashAttention's, and
    # handed to SDPA as transpose(1, 2) views (B, H, S, d). This is what FlashAttention-style models do, the
    # flash/mem-efficient/cuDNN paths consume these strides without a copy, and the kernels read exactly the
    # memory layout attnlab's kernel reads. The output comes back as a (B, H, Sq, d) view; compared as (B, Sq, H, d).
    q, k, v = (torch.randn((B, S, n, d), generator=gen, device="cuda", dtype=torch.float32).to(dtype)
               for S, n in ((Sq, H), (Sk, Hk), (Sk, Hk)))
    qt, kt, vt = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    log(f"{c['backend']} B={B} H={H}/{Hk} Sq={Sq} Sk={Sk} d={d} {c['dtype']} "
        f"{'causal' if causal else 'non-causal'} seed={seed}")

    def fn():
        return F.scaled_dot_product_attention(qt, kt, vt, **kwargs)

    with sdpa_kernel([backend]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = fn().transpose(1, 2)
                torch.cuda.synchronize()
            except RuntimeError as e:
                if "No available kernel" not in str(e):
                    raise
                # torch warns per backend: keep the reasons, not "X not used because:" or "runtime disabled"
                msgs = (one_line(w.message, 300) for w in caught)
                why = "; ".join(dict.fromkeys(m for m in msgs if m and not m.endswith("because:")
                                              and "runtime disabled" not in m)) or one_line(e)
                return dict(res, status="skipped", reason=one_line(f"{c['backend']} refused the case: {why}"))
        out2 = fn().transpose(1, 2)
        deterministic = bool(torch.equal(out, out2))
        del out2
        scale = c.get("scale") or 1.0 / math.sqrt(d)
        check = check_output(q, k, v, out, causal, scale, c["dtype"])
        check.update(seed=seed, deterministic=deterministic)
        res["check"] = check
        gated = out.transpose(1, 2)  # fn()'s own layout; kept to compare every timed sample with
        del out
        if not check["pass"]:
            return dict(res, status="failed",
                        reason=f"check failed: O max-abs {check['o_max_abs']:.3g} (tol {check['tol_max_abs']:g}),"
                               f" rel-L2 {check['o_rel_l2']:.3g} (tol {check['tol_rel_l2']:g}),"
                               f" {check['bad']} non-finite" + (f"; {check['diagnosis']}" if "diagnosis" in check else ""))
        try:
            res["kernels"] = kernel_names(fn)
        except Exception as e:  # the profiler (CUPTI) is optional
            log(f"profiler unavailable: {one_line(e, 200)}")
        try:
            timing = measure_checked(fn, rule, l2_bytes,
                                     SampleCheck(gated, deterministic, TOLERANCE[c["dtype"]][0]))
        except VerificationFailed as e:
            return dict(res, status="failed", reason=str(e))
        del gated
    res.update(status="ok", timing=timing, tflops=flops(c) / (timing["median_us"] * 1e-6) / 1e12)
    log(f"  ok: median {timing['median_us']:.1f} us, {res['tflops']:.1f} TFLOP/s, {timing['samples']} samples "
        f"({timing['stop']}), max-abs {check['o_max_abs']:.2e}, rel-L2 {check['o_rel_l2']:.2e}")
    return res


def finite(x):
    """JSON has no inf/NaN: non-finite numbers are written as null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def main():
    out_fd = os.dup(1)
    os.dup2(2, 1)  # anything torch or CUDA libraries print goes to stderr; stdout carries only the JSON
    try:
        cases, rule = parse_request(sys.stdin.read())
    except ValueError as e:
        log(f"malformed request: {e}")
        return 2
    try:
        import torch
    except Exception as e:
        log(f"cannot import torch ({type(e).__name__}: {one_line(e, 200)}); "
            "the PyTorch peer needs python3 with a CUDA-enabled torch (set ATTNLAB_PYTHON)")
        return 3
    if not torch.cuda.is_available():
        log(f"torch {torch.__version__} reports no CUDA device (torch.version.cuda={torch.version.cuda})")
        return 3
    torch.backends.cuda.matmul.allow_tf32 = False  # the float32 reference must be float32
    props = torch.cuda.get_device_properties(0)
    version = tuple(int(x) for x in re.findall(r"\d+", torch.__version__)[:2])
    results = []
    for c in cases:
        try:
            results.append(run_case(c, rule, props.L2_cache_size, version))
        except Exception as e:  # one broken case must not lose the others
            res = {f: c.get(f) if isinstance(c, dict) else None for f in CASE_FIELDS}
            oom = isinstance(e, torch.cuda.OutOfMemoryError)
            results.append(dict(res, status="failed",
                                reason="out of memory" if oom else f"{type(e).__name__}: {one_line(e)}"))
        if results[-1]["status"] != "ok":
            log(f"  {results[-1]['status']}: {results[-1]['reason']}")
        torch.cuda.empty_cache()
    doc = {"schema": SCHEMA, "torch": torch.__version__, "cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "device": torch.cuda.get_device_name(0),
           "capability": "sm_{}{}".format(*torch.cuda.get_device_capability(0)), "l2_bytes": props.L2_cache_size,
           "results": results}
    with os.fdopen(out_fd, "w") as f:
        f.write(json.dumps(finite(doc), allow_nan=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
