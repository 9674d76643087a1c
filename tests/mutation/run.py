#!/usr/bin/env python3
"""Mutation check: does each unit test fail when the code it guards is wrong?

Reads the versioned list tests/mutation/mutants.txt (format in
tests/README.md), copies the source tree into a work directory
(default $top_builddir/tests/out/mutation, kept between runs so a rerun
only rebuilds what changed), builds the unit tests the list names, and then
for each mutant: replaces the exact FIND text (which must occur exactly once
in the file) with REPLACE, rebuilds only those tests, runs them and restores
the file.  A mutant is killed when one of its tests exits non-zero.

Prints killed/total, the kill rate and every survivor.  Exit status 0 when
every mutant not marked `equivalent:` is killed; 1 when one survives, when a
FIND text matches 0 or more than 1 times, when a mutant does not build, when a
mutant marked equivalent is killed (then it is not equivalent), or when the
tests fail without any mutant.

usage: run.py [--list FILE] [--workdir DIR] [--only ID[,ID...]] [--check]
  --check   only check the list against the sources (every FIND once)
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

FIELDS = ("id", "file", "find", "replace", "tests", "equivalent", "why")
REQUIRED = ("id", "file", "find", "replace", "tests")
TEST_TIMEOUT = 120


class ListError(Exception):
    pass


def parse_list(path):
    """Records of `key: value` lines, separated by blank lines; # comments."""
    mutants, cur, lineno_of = [], {}, {}

    def flush():
        if not cur:
            return
        missing = [k for k in REQUIRED if k not in cur]
        if missing:
            raise ListError("%s:%d: mutant %s lacks %s" % (path, lineno_of["start"], cur.get("id", "?"),
                                                         ", ".join(missing)))
        cur["tests"] = cur["tests"].split()
        cur["line"] = lineno_of["start"]
        mutants.append(dict(cur))
        cur.clear()

    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.strip() == "":
                flush()
                continue
            if line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            if not sep or key not in FIELDS:
                raise ListError("%s:%d: expected one of %s followed by ':'" % (path, n, ", ".join(FIELDS)))
            if key in cur:
                raise ListError("%s:%d: %s given twice" % (path, n, key))
            if not cur:
                lineno_of["start"] = n
            # exactly one space after the colon; the rest is literal
            cur[key] = value[1:] if value.startswith(" ") else value
        flush()
    seen = set()
    for m in mutants:
        if m["id"] in seen:
            raise ListError("%s:%d: duplicate id %s" % (path, m["line"], m["id"]))
        seen.add(m["id"])
        if not m["find"] or m["find"] == m["replace"] or not m["tests"]:
            raise ListError("%s:%d: %s: empty find, no change or no tests" % (path, m["line"], m["id"]))
    return mutants


def check_matches(mutants, tree):
    errors = []
    for m in mutants:
        path = os.path.join(tree, m["file"])
        try:
            text = open(path, encoding="utf-8").read()
        except OSError as e:
            errors.append("%s: %s: %s" % (m["id"], m["file"], e.strerror))
            continue
        n = text.count(m["find"])
        if n != 1:
            errors.append("%s: find text matches %d times in %s (must be exactly once): %s"
                          % (m["id"], n, m["file"], m["find"]))
    return errors


def source_files(src, use_git):
    if not use_git:
        return sorted(os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs)
    out = subprocess.run(["git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, stdout=subprocess.PIPE).stdout
    return sorted(p for p in out.decode().split("\0") if p and os.path.isfile(os.path.join(src, p)))


def sync_tree(src, tree, use_git):
    """Copy the sources into TREE; unchanged files keep their mtime so make
    rebuilds only what differs; files gone from the sources are removed."""
    os.makedirs(tree, exist_ok=True)
    listed = source_files(src, use_git)
    stamp = os.path.join(tree, ".mutation-files")
    before = set(open(stamp).read().split("\n")) if os.path.exists(stamp) else set()
    copied = 0
    for rel in listed:
        s, d = os.path.join(src, rel), os.path.join(tree, rel)
        with open(s, "rb") as f:
            data = f.read()
        try:
            with open(d, "rb") as f:
                if f.read() == data:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copyfile(s, d)
        shutil.copymode(s, d)
        copied += 1
    for rel in before - set(listed):
        if rel and os.path.exists(os.path.join(tree, rel)):
            os.unlink(os.path.join(tree, rel))
    with open(stamp, "w") as f:
        f.write("\n".join(listed))
    return copied


def run(cmd, cwd, log, timeout=None):
    with open(log, "ab") as f:
        f.write(("$ %s\n" % " ".join(cmd)).encode())
        f.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            f.write(b"timed out\n")
            return -1


def build(tree, tests, log):
    return run(["make", "-s", "-j2"] + tests, tree, log) == 0


def failing_tests(tree, tests, log):
    return [t for t in tests if run(["./" + t], tree, log, TEST_TIMEOUT) != 0]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.abspath(os.environ.get("top_srcdir", os.path.join(here, "..", "..")))
    builddir = os.path.abspath(os.environ.get("top_builddir", src))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", default=os.path.join(src, "tests", "mutation", "mutants.txt"))
    ap.add_argument("--workdir", default=os.environ.get("ECIVM_MUTATION_DIR",
                                                        os.path.join(builddir, "tests", "out", "mutation")))
    ap.add_argument("--only", default="")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    try:
        mutants = parse_list(args.list)
    except ListError as e:
        print("mutation: %s" % e, file=sys.stderr)
        return 1
    errors = check_matches(mutants, src)
    if errors:
        for e in errors:
            print("mutation: %s" % e, file=sys.stderr)
        print("mutation: the list no longer matches the sources: fix tests/mutation/mutants.txt", file=sys.stderr)
        return 1
    if args.check:
        print("mutation: %d mutants, every find text matches exactly once" % len(mutants))
        return 0
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutants}
        if unknown:
            print("mutation: unknown mutant(s): %s" % ", ".join(sorted(unknown)), file=sys.stderr)
            return 1
        mutants = [m for m in mutants if m["id"] in wanted]

    start = time.monotonic()
    tree = os.path.join(os.path.abspath(args.workdir), "tree")
    log = os.path.join(os.path.abspath(args.workdir), "mutation.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    open(log, "w").close()
    os.environ.pop("ECIVM_REGENERATE_GOLDEN", None)
    use_git = subprocess.run(["git", "-C", src, "rev-parse", "--is-inside-work-tree"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL).returncode == 0
    if not use_git:
        # a release tarball: its distdir is the source list
        dist = os.path.join(os.path.abspath(args.workdir), "dist")
        shutil.rmtree(dist, ignore_errors=True)
        if run(["make", "-s", "distdir", "distdir=" + dist], builddir, log) != 0:
            print("mutation: not a git checkout and make distdir failed (see %s)" % log, file=sys.stderr)
            return 1
        src = dist
    copied = sync_tree(src, tree, use_git)
    print("mutation: %d mutants; sources synced to %s (%d files copied); log %s" % (len(mutants), tree, copied, log))
    if not os.path.exists(os.path.join(tree, "Makefile")):
        if run(["./autogen.sh"], tree, log) != 0 or run(["./configure", "-q"], tree, log) != 0:
            print("mutation: configure failed (see %s)" % log, file=sys.stderr)
            return 1
    tests = sorted({t for m in mutants for t in m["tests"]})
    if not build(tree, tests, log):
        print("mutation: the unmutated tests do not build (see %s)" % log, file=sys.stderr)
        return 1
    bad = failing_tests(tree, tests, log)
    if bad:
        print("mutation: the unmutated tests fail: %s (see %s)" % (" ".join(bad), log), file=sys.stderr)
        return 1
    print("mutation: baseline built and passing in %.0f s" % (time.monotonic() - start))

    killed, survivors, equivalent, problems = 0, [], [], []
    counted = [m for m in mutants if "equivalent" not in m]
    for i, m in enumerate(mutants, 1):
        path = os.path.join(tree, m["file"])
        with open(path, encoding="utf-8") as f:
            original = f.read()
        if original.count(m["find"]) != 1:
            problems.append("%s: find text does not match exactly once in the copy" % m["id"])
            continue
        t0 = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m["find"], m["replace"], 1))
            with open(log, "a") as f:
                f.write("\n=== mutant %s (%s)\n" % (m["id"], m["file"]))
            if not build(tree, m["tests"], log):
                verdict, by = "no-build", []
                problems.append("%s: the mutant does not build (a compiler error is no test): change it" % m["id"])
            else:
                by = failing_tests(tree, m["tests"], log)
                verdict = "killed" if by else "survived"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        if "equivalent" in m:
            if verdict == "killed":
                problems.append("%s: marked equivalent but killed by %s: drop the mark" % (m["id"], " ".join(by)))
            elif verdict == "survived":
                equivalent.append(m)
                verdict = "equivalent"
        elif verdict == "killed":
            killed += 1
        elif verdict == "survived":
            survivors.append(m)
        print("[%2d/%d] %-10s %s (%s) %.1f s%s" % (i, len(mutants), verdict, m["id"], m["file"],
                                                  time.monotonic() - t0,
                                                  " by " + " ".join(os.path.basename(t) for t in by) if by else ""))
        sys.stdout.flush()

    total = len(counted)
    rate = 100.0 * killed / total if total else 100.0
    print("mutation: killed %d/%d (%.1f%%) non-equivalent mutants; %d marked equivalent; %.0f s"
          % (killed, total, rate, len(equivalent), time.monotonic() - start))
    for m in survivors:
        print("mutation: SURVIVED %s: %s: %s -> %s (tests: %s)" % (m["id"], m["file"], m["find"], m["replace"],
                                                                  " ".join(m["tests"])))
    for m in equivalent:
        print("mutation: equivalent %s: %s" % (m["id"], m["equivalent"]))
    for p in problems:
        print("mutation: ERROR %s" % p, file=sys.stderr)
    return 1 if survivors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
