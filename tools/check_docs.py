#!/usr/bin/env python3
"""Checks that the docs cannot drift silently from the code (issue 17, item 7). Python 3, stdlib only.

    python3 tools/check_docs.py --attnlab build/attnlab [--root .]

Exit 0 when every check passes, 1 with one line per problem (`file:line: ...`), 2 on a usage error.

(a) Flags. Every `attnlab <subcommand> ... --flag` named in README.md and docs/*.md must be an option that
    `attnlab <subcommand> --help` of the given binary lists (needs --attnlab; skipped with a note without it).
    Attribution rule: only text in code is read — inline code spans (`...`, which may wrap lines) and the lines of
    fenced code blocks (a line ending in a backslash, or followed by an indented line starting with `-` or `[`,
    continues on the next: a usage synopsis wrapped over two lines is one command). In such a piece a command starts
    at a word `attnlab` (or a path ending in `/attnlab`) followed by a subcommand, or at the piece's first word when
    that word is a subcommand the binary lists (`tune --resume` as a span of its own). Its flags are the `-x` /
    `--xxx` words that follow, up to the end of the piece, a shell separator (`;`, `&&`, `||`, `|`, a redirect) or the
    next command (`attnlab` again, or another program: ncu, python3, pip, nvidia-smi, compute-sanitizer, cmake,
    ctest, git, bash, timeout, ...), so flags of other programs are never attributed. A nested subcommand
    (`attnlab db migrate`) is checked against its own help; hidden subcommands (`sanitize-run`) by their --help too.
    `\\|` (an escaped pipe in a table) separates values, not commands. Prose outside code is not read, nor are flags
    standing alone in code with no subcommand before them (`--quick`). An unknown subcommand is reported only when
    flags follow it (`attnlab frobnicate` alone is an example of a wrong call). A piece of code on a line holding
    `check_docs: ignore` (e.g. an HTML comment `<!-- check_docs: ignore -->`) is not read: for a wrong flag quoted on
    purpose.
(b) Experiments. Every experiments/*/ folder has run.sh (which sources experiments/lib.sh) and README.md with the
    headed fields ## Question, ## Command, ## Commit, ## GPU, ## Evidence, ## Verdict, ## Superseded by, each
    non-empty.
(c) Evidence index. Every folder directly under evidence/<gpu>/, and every deeper folder that records a run of its
    own (it holds devices.txt, gpu.txt, summary.txt or README.md), appears in evidence/README.md as `path/` (in
    backticks, relative to evidence/<gpu>/) in the section headed `## evidence/<gpu>/`.
"""
import argparse
import os
import re
import subprocess
import sys

FIELDS = ["Question", "Command", "Commit", "GPU", "Evidence", "Verdict", "Superseded by"]
OTHER_PROGRAMS = {"ncu", "nsys", "python", "python3", "pip", "pip3", "nvidia-smi", "compute-sanitizer", "cmake",
                  "ctest", "git", "bash", "sh", "timeout", "chromium", "nvdisasm", "cuobjdump", "ptxas", "nvcc",
                  "sudo", "apt", "apt-get", "make", "ninja", "tar", "gzip", "cat", "grep", "sed"}
SEPARATORS = {";", "&&", "||", "|", ">", ">>", "2>", "2>>", "<", "&"}
IGNORE = "check_docs: ignore"
FLAG = re.compile(r"^(--?[A-Za-z][A-Za-z0-9_-]*)")


class Help:
    """`attnlab ... --help` of one binary, cached: subcommands and option names."""

    def __init__(self, binary):
        self.binary = binary
        self.cache = {}

    def get(self, path):  # path: tuple of subcommand names; None when the binary does not know it
        if path not in self.cache:
            try:
                p = subprocess.run([self.binary, *path, "--help"], capture_output=True, text=True, timeout=60)
                text = p.stdout + p.stderr
                # An unknown subcommand prints the parent's help (exit 0): its Usage line lacks the name.
                usage = next((l for l in text.splitlines() if l.startswith("Usage:")), "")
                known = p.returncode == 0 and (not path or f" {' '.join(path)} " in usage + " ")
                self.cache[path] = parse_help(text) if known else None
            except (OSError, subprocess.TimeoutExpired) as e:
                usage_error(f"cannot run {self.binary}: {e}")
        return self.cache[path]


def usage_error(msg):
    print(f"check_docs: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_help(text):
    options, subcommands, section = {"-h", "--help"}, set(), None
    for line in text.splitlines():
        if re.match(r"^\S.*:$", line):
            section = line[:-1].strip()
            continue
        if section == "Options" and re.match(r"^\s+-", line):
            for name in line.split()[0].split(","):
                m = FLAG.match(name)
                if m:
                    options.add(m.group(1))
        elif section == "Subcommands" and re.match(r"^\s+\S", line):
            subcommands.add(line.split()[0])
    return {"options": options, "subcommands": subcommands}


def code_pieces(text):
    """(offset, code) for every fenced-block line and inline code span of a Markdown text."""
    pieces, masked, pos = [], list(text), 0
    fence = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
    for m in fence.finditer(text):
        # One piece per logical line: a line ending in a backslash, or followed by an indented line that starts with
        # an option or `[`, continues on the next line (the raw text is kept, so offsets still give line numbers).
        start, logical = m.start(2), ""
        lines = m.group(2).splitlines(keepends=True)
        for k, line in enumerate(lines):
            logical += line
            nxt = lines[k + 1] if k + 1 < len(lines) else ""
            if line.rstrip("\n").endswith("\\") or re.match(r"^\s+[-\[]", nxt):
                continue
            pieces.append((start, logical.rstrip("\n").replace("\\\n", "  ")))
            start += len(logical)
            logical = ""
        for i in range(m.start(), m.end()):
            if masked[i] != "\n":
                masked[i] = " "
    flat = "".join(masked)
    # Inline spans: a run of N backticks up to the next run of exactly N, not across a blank line.
    span = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
    while True:
        m = span.search(flat, pos)
        if not m:
            break
        if "\n\n" not in m.group(2):
            pieces.append((m.start(2), m.group(2)))
            pos = m.end()
        else:
            pos = m.start() + len(m.group(1))
    return pieces


def tokens(code):
    """(offset, word) of a piece of code, `\\|` read as a value alternative."""
    code = code.replace("\\|", "/ ")
    return [(m.start(), m.group()) for m in re.finditer(r"[^\s\[\](){}]+", code)]


def is_attnlab(word):
    return word == "attnlab" or word.endswith("/attnlab")


def commands(code, top_level):
    """(offset, subcommand words, [(offset, flag)]) for each attnlab command in a piece of code."""
    toks, out, i = tokens(code), [], 0
    while i < len(toks):
        off, w = toks[i]
        start = None
        if is_attnlab(w) and i + 1 < len(toks) and re.fullmatch(r"[a-z][a-z0-9-]*", toks[i + 1][1]):
            start = i + 1
        elif i == 0 and w in top_level:
            start = i
        if start is None:
            i += 1
            continue
        words, j = [toks[start][1]], start + 1
        if j < len(toks) and re.fullmatch(r"[a-z][a-z0-9-]*", toks[j][1]):
            words.append(toks[j][1])  # a possible nested subcommand; kept only if the help lists it
        flags = []
        while j < len(toks):
            t = toks[j][1]
            if t in SEPARATORS or t.rstrip(";") != t or is_attnlab(t) or os.path.basename(t) in OTHER_PROGRAMS:
                if t.rstrip(";") != t and FLAG.match(t):
                    flags.append((toks[j][0], FLAG.match(t).group(1)))
                break
            m = FLAG.match(t)
            if m and not re.match(r"^-\d", t):
                flags.append((toks[j][0], m.group(1)))
            j += 1
        out.append((off, words, flags))
        i = j
    return out


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def check_flags(root, binary, problems):
    helper = Help(binary)
    top = helper.get(())
    if top is None:
        usage_error(f"`{binary} --help` failed")
    top_level = top["subcommands"]
    files = [os.path.join(root, "README.md")] + sorted(
        os.path.join(root, "docs", f) for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
    checked = 0
    for path in files:
        text = open(path, encoding="utf-8").read()
        rel = os.path.relpath(path, root)
        lines = text.splitlines()
        for start, code in code_pieces(text):
            if IGNORE in lines[line_of(text, start) - 1]:
                continue
            for off, words, flags in commands(code, top_level):
                sub = (words[0],)
                h = helper.get(sub)
                if h is None:
                    if not flags:  # `attnlab frobnicate` as an example of a wrong call: nothing to check
                        continue
                    problems.append(f"{rel}:{line_of(text, start + off)}: `attnlab {words[0]}`: no such subcommand "
                                    f"in {binary}")
                    continue
                if len(words) > 1 and words[1] in h["subcommands"]:
                    sub = (words[0], words[1])
                    h = helper.get(sub) or h
                for foff, flag in flags:
                    checked += 1
                    if flag not in h["options"]:
                        problems.append(f"{rel}:{line_of(text, start + foff)}: `attnlab {' '.join(sub)} {flag}`: "
                                        f"not in `attnlab {' '.join(sub)} --help`")
    return checked


def check_experiments(root, problems):
    base = os.path.join(root, "experiments")
    if not os.path.isdir(base):
        problems.append("experiments/: missing")
        return 0
    n = 0
    for name in sorted(os.listdir(base)):
        d = os.path.join(base, name)
        if not os.path.isdir(d) or name.startswith((".", "_")):
            continue
        n += 1
        run, readme = os.path.join(d, "run.sh"), os.path.join(d, "README.md")
        if not os.path.isfile(run):
            problems.append(f"experiments/{name}/: no run.sh")
        elif not re.search(r"^\s*(source|\.)\s+.*\.\./lib\.sh", open(run, encoding="utf-8").read(), re.M):
            problems.append(f"experiments/{name}/run.sh: does not source ../lib.sh")
        if not os.path.isfile(readme):
            problems.append(f"experiments/{name}/: no README.md")
            continue
        text = open(readme, encoding="utf-8").read()
        heads = [(m.group(1).strip(), m.end()) for m in re.finditer(r"^##\s+(.+)$", text, re.M)]
        for field in FIELDS:
            at = [i for i, (h, _) in enumerate(heads) if h.lower() == field.lower()]
            if not at:
                problems.append(f"experiments/{name}/README.md: no '## {field}' field")
                continue
            i = at[0]
            body = text[heads[i][1]: text.find("\n##", heads[i][1]) if i + 1 < len(heads) else len(text)]
            if not body.strip():
                problems.append(f"experiments/{name}/README.md:{line_of(text, heads[i][1])}: '## {field}' is empty")
    return n


def check_evidence(root, problems):
    base = os.path.join(root, "evidence")
    index = os.path.join(base, "README.md")
    if not os.path.isfile(index):
        problems.append("evidence/README.md: missing")
        return 0
    text = open(index, encoding="utf-8").read()
    n = 0
    for gpu in sorted(os.listdir(base)):
        gdir = os.path.join(base, gpu)
        if not os.path.isdir(gdir):
            continue
        m = re.search(rf"^##\s+evidence/{re.escape(gpu)}/?\s*$", text, re.M)
        section = ""
        if m:
            nxt = re.search(r"^##\s", text[m.end():], re.M)
            section = text[m.end(): m.end() + nxt.start()] if nxt else text[m.end():]
        else:
            problems.append(f"evidence/README.md: no section '## evidence/{gpu}/'")
        for dirpath, dirnames, filenames in os.walk(gdir):
            dirnames.sort()
            rel = os.path.relpath(dirpath, gdir)
            if rel == ".":
                continue
            own_run = any(f in filenames for f in ("devices.txt", "gpu.txt", "summary.txt", "README.md"))
            if os.sep in rel and not own_run:
                continue
            n += 1
            if f"`{rel.replace(os.sep, '/')}/`" not in section:
                problems.append(f"evidence/README.md: evidence/{gpu}/{rel}/ is not in the section '## evidence/{gpu}/'")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attnlab", help="attnlab binary whose --help the docs are checked against")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                    help="repository root (default: this script's parent folder)")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    problems = []
    if a.attnlab:
        nflags = check_flags(root, a.attnlab, problems)
        summary = [f"{nflags} documented flags"]
    else:
        summary = ["flags not checked (no --attnlab)"]
    summary.append(f"{check_experiments(root, problems)} experiments")
    summary.append(f"{check_evidence(root, problems)} evidence folders")
    def order(p):
        m = re.match(r"^([^:]+):(\d+):", p)
        return (m.group(1), int(m.group(2))) if m else (p.split(":")[0], 0)
    for p in sorted(problems, key=order):
        print(p)
    print(f"check_docs: {', '.join(summary)}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
