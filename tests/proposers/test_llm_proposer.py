#!/usr/bin/env python3
"""scripts/proposers/llm.py end to end against a fake OpenAI-compatible server on 127.0.0.1 (random free port),
which answers in turn: HTTP 500, a body that is not JSON, a model answer that is not JSON, and one answer with
four candidates: a good edit of sm90/consumer.cuh, one that does not apply, one with a disallowed #include, and
a config outside the space. The proposer must hand in only the good one, report the others with reasons,
log every prompt and answer, keep its insight memory, and exit 0. Run by ctest (LlmProposer.FakeServer)."""
import argparse
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONSUMER_LINE = "inline constexpr int kSchedulerBarrier0 = 4;  // named barriers 4..6"
GOOD = f"//@@ file sm90/consumer.cuh\n//@@ replace\n{CONSUMER_LINE}\n//@@ with\n{CONSUMER_LINE}  // same\n//@@ end\n"
BROKEN = "//@@ file sm90/consumer.cuh\n//@@ replace\nint this_line_is_not_in_the_kernel;\n//@@ with\n\n//@@ end\n"
MALICIOUS = "//@@ file sm90/producer.cuh\n//@@ prelude\n#include \"/etc/passwd\"\n//@@ end\n"
CONFIG = "sm90-m128n128s2-pp-ov-pers"


def chat(content):
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()


SCRIPT = [
    (500, b'{"error": "overloaded"}'),
    (200, b"<html>not json</html>"),
    (200, chat("Sure! Here are some ideas: make it faster.")),
    (200, chat("```json\n" + json.dumps({"candidates": [
        {"config": CONFIG, "edits": GOOD, "note": "good"},
        {"config": CONFIG, "edits": BROKEN, "note": "broken"},
        {"config": CONFIG, "edits": MALICIOUS, "note": "malicious"},
        {"config": "sm90-m999n1s1-pp-ov-pers", "note": "outside the space"}],
        "insights": ["ping-pong barriers must stay paired"]}) + "\n```")),
]


def serve(requests):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            code, payload = SCRIPT[min(len(requests), len(SCRIPT)) - 1] if len(requests) <= len(SCRIPT) else (500, b"{}")
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def check(cond, what, failures):
    if not cond:
        failures.append(what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attnlab", required=True)
    args = ap.parse_args()
    requests = []
    server = serve(requests)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        request = {"schema": "attnlab.proposer/1", "generation": 2, "want": 4, "seed": 7, "head_dim": 128,
                   "arch": "sm_90a", "valid_configs": [CONFIG, "sm90-m64n128s2-nopp-ov-grid"],
                   "history": [{"generation": 0, "config": CONFIG, "source_file": "", "compiled": True, "correct": True,
                                "tflops": 612.5, "error": "", "registers": 168, "spill_bytes": 0,
                                "counters": {"tensor_pipe_pct": 71.0}},
                               {"generation": 1, "config": CONFIG, "source_file": "/x/gen1.cuh", "compiled": False,
                                "correct": False, "tflops": 0, "error": "NVRTC: expected a ';'", "registers": -1,
                                "spill_bytes": 0}]}
        env = dict(os.environ, ATTNLAB_LLM_URL=f"http://127.0.0.1:{server.server_port}/v1", ATTNLAB_LLM_MODEL="fake",
                   ATTNLAB_LLM_API_KEY="sk-test")
        cmd = [sys.executable, str(REPO / "scripts/proposers/llm.py"), "--attnlab", args.attnlab, "--work", str(work),
               "--calls", "5", "--timeout", "20"]
        r = subprocess.run(cmd, input=json.dumps(request), capture_output=True, text=True, env=env, timeout=300)
        check(r.returncode == 0, f"exit {r.returncode}: {r.stderr[-2000:]}", failures)
        try:
            out = json.loads(r.stdout)
        except json.JSONDecodeError:
            out = {"candidates": [], "rejected": []}
            failures.append(f"stdout is not JSON: {r.stdout[:500]!r}")
        cands = out.get("candidates", [])
        check(len(cands) == 1 and cands[0].get("config") == CONFIG and cands[0].get("note") == "good",
              f"exactly the good candidate handed in, got {cands}", failures)
        if cands:
            src = Path(cands[0].get("source_file", ""))
            check(src.is_file() and src.read_text() == GOOD, "the good candidate's file holds its edits", failures)
        reasons = [x["reason"] for x in out.get("rejected", [])]
        for want in ("HTTP 500", "malformed answer", "malformed answer", "matches 0 times", "sm90/producer.cuh: ",
                     "is not a valid config"):
            hit = next((x for x in reasons if want in x), None)
            check(hit is not None, f"a rejection mentioning {want!r} in {reasons}", failures)
            if hit is not None:
                reasons.remove(hit)
        check(len(requests) == 5, f"5 endpoint calls (4 scripted + one more for want=4), got {len(requests)}", failures)
        if requests:
            first = requests[0]
            check(first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-test", "URL and key", failures)
            prompt = json.dumps(first["body"]["messages"])
            for want in ("//@@ file sm90/consumer.cuh", "=== sm90/consumer.cuh ===", "tflops=612.5", "tensor_pipe_pct",
                         "expected a ';'", CONFIG):
                check(want in prompt, f"the prompt carries {want!r}", failures)
        log = (work / "llm.log.jsonl").read_text().splitlines() if (work / "llm.log.jsonl").exists() else []
        kinds = [json.loads(x)["kind"] for x in log]
        check(kinds.count("prompt") == 5 and kinds.count("answer") == 5 and kinds[-1] == "response", f"log {kinds}",
              failures)
        memory = json.loads((work / "memory.json").read_text()) if (work / "memory.json").exists() else {}
        check("ping-pong barriers must stay paired" in memory.get("insights", []), "the insight is remembered", failures)
        # The next generation's prompt carries the insight.
        requests.clear()
        r2 = subprocess.run(cmd[:-4] + ["--calls", "1", "--timeout", "20"], input=json.dumps(request), capture_output=True,
                            text=True, env=env, timeout=300)
        check(r2.returncode == 0 and requests and "ping-pong barriers must stay paired" in json.dumps(requests[0]["body"]),
              f"the insight reaches the next prompt (exit {r2.returncode})", failures)
        # Bad input: a one-line error and a non-zero exit, never a traceback.
        for bad_input, bad_env in (("not json", env), (json.dumps(request), {k: v for k, v in env.items()
                                                                               if k != "ATTNLAB_LLM_URL"})):
            b = subprocess.run(cmd, input=bad_input, capture_output=True, text=True, env=bad_env, timeout=60)
            check(b.returncode == 2 and len(b.stderr.strip().splitlines()) == 1 and "Traceback" not in b.stderr,
                  f"bad input: exit {b.returncode}, stderr {b.stderr!r}", failures)
    server.shutdown()
    for f in failures:
        print("FAIL:", f)
    print("LlmProposer.FakeServer:", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
