#!/usr/bin/env python3
"""An LLM proposer for `attnlab tune --strategy proposer --proposer CMD` (docs/proposer-protocol.md).

Each generation: reads the request on stdin, builds an EvoEngineer-style prompt (task context, the family's
kernel sources, the scored history with errors, registers and counters, an insight memory kept in a file),
asks an OpenAI-compatible chat-completions endpoint for //@@ edits, validates every answer with
`attnlab check-source` (the one implementation of the edit format, family and include-policy rules), and
writes only the candidates that pass to stdout. Every prompt and answer is appended to a log file.

Environment (stdlib only; nothing is sent anywhere else):
  ATTNLAB_LLM_URL      endpoint base (".../v1") or full ".../chat/completions" URL (required)
  ATTNLAB_LLM_MODEL    model name (required)
  ATTNLAB_LLM_API_KEY  bearer token (optional: a local server may need none)
Options: see --help. Rejected answers are listed on stderr and under "rejected" in the response (attnlab
ignores that field); an endpoint that fails (HTTP error, timeout, malformed JSON) costs one call, never a crash.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FAMILY_FILES = {
    "sm90": ["flash_fwd_kernel.cuh", "consumer.cuh", "producer.cuh", "scheduler.cuh", "epilogue.cuh", "gemm.cuh",
             "smem.cuh", "tile_config.cuh"],
    "sm80": ["flash_fwd_kernel.cuh"],
}
TASK = """You optimise a FlashAttention forward kernel of attnlab (CUDA, {family} family, {arch}, head dim {head_dim}).
Fitness is TFLOP/s measured by attnlab; a candidate that fails to compile, fails the correctness gate, races,
reads or writes outside its buffers, or keeps state across launches scores 0. You cannot report numbers.
Answer with ONE JSON object and nothing else:
{{"candidates": [{{"config": "<one of the valid configs>", "edits": "<//@@ edits>", "note": "<why>"}}],
 "insights": ["<short lesson worth remembering for later generations>"]}}
Edits format (one string, newline-separated lines):
//@@ file {family}/consumer.cuh     (the blocks below patch this file; any of: {files})
//@@ replace
<lines copied exactly from the file; they must occur exactly once>
//@@ with
<replacement lines>
//@@ end
Also: "//@@ prelude" ... "//@@ end" inserts lines after the file's "namespace attnlab::{family} {{" line.
Only #include attnlab's own headers (e.g. "{family}/smem.cuh"); no __device__ variables, printf or malloc."""


def fail(msg):
    print(f"llm.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attnlab", default=os.environ.get("ATTNLAB_BIN", "attnlab"), help="attnlab binary for check-source")
    ap.add_argument("--work", default="llm-proposer", help="folder for candidates, insight memory and the log")
    ap.add_argument("--family", choices=sorted(FAMILY_FILES), help="default: from the request's config names")
    ap.add_argument("--kernels", default=str(REPO / "kernels"), help="the kernel sources shown to the model")
    ap.add_argument("--calls", type=int, default=3, help="most endpoint calls per generation")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per endpoint call")
    ap.add_argument("--compile", action="store_true", help="also NVRTC-compile each candidate (check-source --config)")
    ap.add_argument("--history", type=int, default=12, help="best and latest history entries shown")
    return ap.parse_args()


class Log:
    def __init__(self, path):
        self.path = path

    def write(self, kind, payload):
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"time": time.time(), "kind": kind, "payload": payload}) + "\n")


def read_request():
    try:
        req = json.load(sys.stdin)
    except json.JSONDecodeError as e:
        fail(f"the request on stdin is not JSON ({e})")
    if not isinstance(req, dict) or not isinstance(req.get("valid_configs"), list) or not isinstance(req.get("history"), list):
        fail("the request lacks valid_configs / history (not attnlab.proposer/1?)")
    return req


def request_family(req):
    return "sm90" if any(str(c).startswith("sm90-") for c in req["valid_configs"]) else "sm80"


def kernel_sources(kernels, family):
    out = []
    for name in FAMILY_FILES[family]:
        p = Path(kernels) / family / name
        if p.is_file():
            out.append(f"=== {family}/{name} ===\n{p.read_text(encoding='utf-8', errors='replace')}")
    return "\n".join(out)


def history_text(history, n):
    """The best n by fitness and the latest n (failures with their errors), one line each."""
    def line(h):
        extra = {k: v for k, v in h.items() if k in ("counters", "profile", "metrics")}
        err = str(h.get("error", ""))[:300].replace("\n", " ")
        return (f"- gen {h.get('generation')} {h.get('config')} src={h.get('source_file') or '-'} "
                f"tflops={h.get('tflops', 0)} regs={h.get('registers', -1)} spill={h.get('spill_bytes', 0)}"
                + (f" error: {err}" if err else "") + (f" counters: {json.dumps(extra)}" if extra else ""))
    best = sorted(history, key=lambda h: -float(h.get("tflops") or 0))[:n]
    latest = [h for h in history[-n:] if h not in best]
    return "\n".join(line(h) for h in best + latest) or "(no evaluations yet)"


def load_memory(path):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


def build_messages(req, family, sources, memory, n):
    files = ", ".join(f"{family}/{f}" for f in FAMILY_FILES[family])
    system = TASK.format(family=family, arch=req.get("arch", "?"), head_dim=req.get("head_dim", "?"), files=files)
    insights = "\n".join(f"- {i}" for i in memory.get("insights", [])[-30:]) or "(none yet)"
    user = (f"Generation {req.get('generation', 0)}: propose up to {req.get('want', 1)} candidates.\n"
            f"Valid configs: {', '.join(map(str, req['valid_configs'][:64]))}\n\n"
            f"Scored history (best first, then the latest):\n{history_text(req['history'], n)}\n\n"
            f"Insights so far:\n{insights}\n\nKernel sources:\n{sources}")
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def endpoint_url():
    url = os.environ.get("ATTNLAB_LLM_URL", "")
    if not url:
        fail("set ATTNLAB_LLM_URL (an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1)")
    if not os.environ.get("ATTNLAB_LLM_MODEL"):
        fail("set ATTNLAB_LLM_MODEL")
    return url if url.rstrip("/").endswith("/chat/completions") else url.rstrip("/") + "/chat/completions"


def ask(url, messages, timeout, seed):
    """The model's answer as a dict, or (None, reason)."""
    body = json.dumps({"model": os.environ["ATTNLAB_LLM_MODEL"], "messages": messages, "seed": seed,
                       "temperature": 0.8}).encode()
    headers = {"Content-Type": "application/json"}
    if os.environ.get("ATTNLAB_LLM_API_KEY"):
        headers["Authorization"] = "Bearer " + os.environ["ATTNLAB_LLM_API_KEY"]
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=timeout) as r:
            raw = r.read(16 << 20).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as e:
        return None, f"endpoint answered HTTP {e.code}", ""
    except (urllib.error.URLError, OSError, ValueError) as e:
        return None, f"endpoint unreachable ({e})", ""
    try:
        content = json.loads(raw)["choices"][0]["message"]["content"]
        return parse_answer(content), "", raw
    except (json.JSONDecodeError, KeyError, IndexError, TypeError, ValueError) as e:
        return None, f"malformed answer ({type(e).__name__}: {str(e)[:120]})", raw


def parse_answer(content):
    """The JSON object in the model's text (a ```json fence is allowed)."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1].rsplit("```", 1)[0]
    answer = json.loads(text)
    if not isinstance(answer, dict) or not isinstance(answer.get("candidates"), list):
        raise ValueError("no candidates list")
    return answer


def check_edits(attnlab, path, family, config, head_dim, compile_too):
    cmd = [attnlab, "check-source", str(path), "--family", family]
    if compile_too:
        cmd += ["--config", config, "--head-dim", str(head_dim)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"check-source did not run ({e})"
    if r.returncode == 0:
        return ""
    lines = (r.stderr or r.stdout).strip().splitlines()
    return lines[-1] if lines else f"check-source exited {r.returncode}"


def validate(cand, req, family, args, work, seen):
    """(candidate for attnlab, "") or (None, reason)."""
    if not isinstance(cand, dict) or not isinstance(cand.get("config"), str):
        return None, "not an object with a string config"
    if cand["config"] not in req["valid_configs"]:
        return None, f"config {cand['config'][:80]!r} is not a valid config"
    edits = cand.get("edits", "")
    out = {"config": cand["config"], "note": str(cand.get("note", ""))[:200]}
    if not edits:
        return out, ""
    if not isinstance(edits, str):
        return None, "edits is not a string"
    digest = hashlib.sha256((cand["config"] + "\0" + edits).encode()).hexdigest()[:16]
    if digest in seen:
        return None, "already proposed"
    path = work / f"gen{req.get('generation', 0)}_{digest}.cuh"
    path.write_text(edits if edits.endswith("\n") else edits + "\n", encoding="utf-8")
    why = check_edits(args.attnlab, path, family, cand["config"], req.get("head_dim", 128), args.compile)
    if why:
        return None, why
    seen.add(digest)
    out["source_file"] = str(path)
    return out, ""


def main():
    args = parse_args()
    req = read_request()
    url = endpoint_url()
    family = args.family or request_family(req)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    log, memory_path = Log(work / "llm.log.jsonl"), work / "memory.json"
    memory = load_memory(memory_path)
    seen = set(memory.get("proposed", []))
    want = max(0, int(req.get("want", 1)))
    messages = build_messages(req, family, kernel_sources(args.kernels, family), memory, args.history)
    accepted, rejected = [], []
    for call in range(args.calls):
        if len(accepted) >= want:
            break
        log.write("prompt", {"generation": req.get("generation"), "call": call, "messages": messages})
        answer, why, raw = ask(url, messages, args.timeout, int(req.get("seed", 0)) + call)
        log.write("answer", {"generation": req.get("generation"), "call": call, "raw": raw[:200000], "error": why})
        if answer is None:
            rejected.append({"call": call, "reason": why})
            continue
        for i in answer.get("insights", []) if isinstance(answer.get("insights"), list) else []:
            memory.setdefault("insights", []).append(str(i)[:300])
        for cand in answer["candidates"]:
            ok, why = validate(cand, req, family, args, work, seen) if len(accepted) < want else (None, "beyond want")
            if ok:
                accepted.append(ok)
            else:
                config = cand.get("config") if isinstance(cand, dict) else None
                rejected.append({"call": call, "config": config, "reason": why})
    for r in rejected:
        print(f"llm.py: rejected (call {r['call']}{', ' + str(r.get('config')) if r.get('config') else ''}): {r['reason']}",
              file=sys.stderr)
    memory["proposed"] = sorted(seen)
    memory_path.write_text(json.dumps(memory, indent=1), encoding="utf-8")
    log.write("response", {"generation": req.get("generation"), "accepted": accepted, "rejected": rejected})
    json.dump({"candidates": accepted, "rejected": rejected}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
