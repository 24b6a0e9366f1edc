#!/usr/bin/env python3
"""No dead relative links: every Markdown link [text](target) in the repository's .md files that is not a URL must name
a file or folder that exists (relative to the page), and an anchor (#name) in it a heading of the target page; every
mention of a docs page (docs/ + name + .md) in the sources, tests, configurations and the Makefile must name a page that exists."""
import os, re, sys

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
skip = {".git", "build", "out", "lib", "bin", "node_modules"}


def files(exts):
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if x not in skip and not x.startswith(".")]
        for n in names:
            if n.endswith(exts) or n in exts:
                yield os.path.join(d, n)


def slug(heading):
    # GitHub's anchors: lower case, punctuation dropped except '-' and '_', spaces to '-'
    h = re.sub(r"[`*]", "", heading.strip().lower())
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path):
    out, seen = set(), {}
    fence = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"#{1,6}\s+(.*)", line)
        if m:
            s = slug(m.group(1))
            k = seen.get(s, 0)
            out.add(s if k == 0 else f"{s}-{k}")
            seen[s] = k + 1
    return out


dead = []
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
for md in files((".md",)):
    text = open(md, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks are not links
    for target in link.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
        where = os.path.relpath(md, root)
        if not os.path.exists(full):
            dead.append(f"{where}: ({target}): {os.path.relpath(full, root)} does not exist")
        elif anchor and full.endswith(".md") and anchor not in anchors(full):
            dead.append(f"{where}: ({target}): no heading '#{anchor}' in {os.path.relpath(full, root)}")

mention = re.compile(r"\bdocs/[A-Za-z0-9_./-]*[A-Za-z0-9_]\.md\b")
for src in files((".c", ".h", ".py", ".sh", ".yaml", ".txt", "Makefile")):
    for no, line in enumerate(open(src, encoding="utf-8", errors="replace"), 1):
        for m in mention.findall(line):
            if not os.path.exists(os.path.join(root, m)):
                dead.append(f"{os.path.relpath(src, root)}:{no}: {m} does not exist")

for d in dead:
    print("  dead link:", d)
n_md = sum(1 for _ in files((".md",)))
print(f"{n_md} Markdown pages and the sources checked: {len(dead)} dead link(s)")
print("PASSED" if not dead else "FAILED")
sys.exit(1 if dead else 0)
