#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_report.py - the report of "make bench" from its raw results.

    bench_report.py --out DIR [--chart] RESULTS.TSV...

Each RESULTS.TSV is what one run of selftests/bench.sh wrote (one VM, one
vCPU count), with its meta.tsv beside it.  Writes DIR/bench.txt (also
printed): per vCPU count the tables of medians and spreads, the ratios of
every kind to xfrmi and WireGuard, the crypto ceiling and each tunnel's
fraction of it, kernel memory per idle tunnel, one tunnel among many; then
the scaling over vCPU counts and the issue's targets next to what was
measured.  With several inputs also DIR/results.tsv, all of them in one
file.  With --chart, DIR/bench-<N>cpu.svg and .png drawn by gnuplot (data
and script kept as DIR/chart-<N>cpu.*), if gnuplot is installed.

Results lines: vcpus kind suite encap test rep value unit (tab-separated,
with a header line).  Only the Python standard library.
"""
import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys

TESTS = ["tcp1-ab", "tcp1-ba", "tcp4-ab", "tcp4-ba", "udp64-ab", "udp64-ba",
         "rtt"]
TITLE = {
    "tcp1-ab": "tcp1 a>b", "tcp1-ba": "tcp1 b>a",
    "tcp4-ab": "tcp4 a>b", "tcp4-ba": "tcp4 b>a",
    "udp64-ab": "udp64 a>b", "udp64-ba": "udp64 b>a", "rtt": "rtt",
}
LONG = {
    "tcp1-ab": "TCP, 1 stream, a -> b (Mbit/s)",
    "tcp1-ba": "TCP, 1 stream, b -> a (Mbit/s)",
    "tcp4-ab": "TCP, 4 streams, a -> b (Mbit/s)",
    "tcp4-ba": "TCP, 4 streams, b -> a (Mbit/s)",
    "udp64-ab": "UDP 64-byte packets received, a -> b (kpkt/s)",
    "udp64-ba": "UDP 64-byte packets received, b -> a (kpkt/s)",
    "rtt": "ping round-trip time, median (us)",
}
REFS = ["xfrmi", "wireguard"]
NOT_COMPARED = set(REFS) | {"plain", "crypto"}


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def scale(test, v):
    """Display unit: packets/s as kpkt/s."""
    return v / 1000.0 if test.startswith("udp") else v


class Run:
    """The results of one vCPU count."""

    def __init__(self, vcpus):
        self.vcpus = vcpus
        self.values = collections.defaultdict(list)  # key -> [(rep, v)]
        self.text = {}                               # key -> str
        self.cases = []                              # (kind, suite, encap)
        self.meta = {}

    def add(self, kind, suite, encap, test, rep, value):
        case = (kind, suite, encap)
        if test in TESTS and case not in self.cases:
            self.cases.append(case)
        key = case + (test,)
        try:
            self.values[key].append((rep, float(value)))
        except ValueError:
            self.text[key] = value

    def vals(self, kind, suite, encap, test):
        return [v for _, v in self.values.get((kind, suite, encap, test), [])]

    def med(self, kind, suite, encap, test):
        v = self.vals(kind, suite, encap, test)
        return statistics.median(v) if v else None

    def cell(self, case, test):
        v = [scale(test, x) for x in self.vals(*case, test)]
        if not v:
            return "-"
        m = statistics.median(v)
        if len(v) == 1:
            return fmt(m)
        return "%s [%s-%s]" % (fmt(m), fmt(min(v)), fmt(max(v)))

    def kinds(self):
        seen = []
        for k, _, _ in self.cases:
            if k not in seen:
                seen.append(k)
        return seen

    def compared(self):
        """Kinds compared with xfrmi and WireGuard."""
        return [k for k in self.kinds()
                if k not in NOT_COMPARED and "@" not in k]

    def esp_groups(self):
        """(suite, encap) of the kinds that follow BENCH_SUITES."""
        out = []
        for k, s, e in self.cases:
            if k in ("plain", "wireguard") or "@" in k:
                continue
            if (s, e) not in out:
                out.append((s, e))
        return out

    def ordered_cases(self):
        """plain; per (suite, encap) every kind; then the rest."""
        out = [c for c in self.cases if c[0] == "plain"]
        kinds = [k for k in self.kinds() if k != "plain" and "@" not in k]
        for s, e in self.esp_groups():
            for k in kinds:
                if (k, s, e) in self.cases:
                    out.append((k, s, e))
        out += [c for c in self.cases if c not in out and "@" not in c[0]]
        return out

    def ref_case(self, ref, suite, encap):
        if (ref, suite, encap) in self.cases:
            return (ref, suite, encap)
        if ref == "wireguard":
            for c in self.cases:
                if c[0] == "wireguard":
                    return c
        return None

    def ceiling(self, suite, allcpu=False):
        """min(encryption, decryption) of the suite's AEAD, Mbit/s."""
        sfx = "-all" if allcpu else ""
        e = self.med("crypto", suite, "-", "enc" + sfx)
        d = self.med("crypto", suite, "-", "dec" + sfx)
        if e is None or d is None:
            return None
        return min(e, d)

    def ceil_suites(self):
        out = []
        for k, s, _, _ in self.values:
            if k == "crypto" and s not in out:
                out.append(s)
        return out


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def table(rows, header, out):
    w = [max(len(str(r[i])) for r in [header] + rows)
         for i in range(len(header))]
    line = lambda r: "  ".join(
        str(c).ljust(w[i]) if i < 3 else str(c).rjust(w[i])
        for i, c in enumerate(r)).rstrip()
    out.append(line(header))
    out.extend(line(r) for r in rows)


def read(paths):
    runs = {}
    rows = []
    for p in paths:
        meta = {}
        mp = os.path.join(os.path.dirname(p), "meta.tsv")
        if os.path.exists(mp):
            with open(mp) as f:
                for line in f:
                    k, _, v = line.rstrip("\n").partition("\t")
                    meta[k] = v
        with open(p) as f:
            for n, line in enumerate(f):
                f_ = line.rstrip("\n").split("\t")
                if n == 0 and f_[0] == "vcpus":
                    continue
                if len(f_) != 8:
                    continue
                rows.append(f_)
                vc, kind, suite, encap, test, rep, value, _ = f_
                r = runs.setdefault(int(vc), Run(int(vc)))
                r.meta = r.meta or meta
                r.add(kind, suite, encap, test, rep, value)
    return [runs[k] for k in sorted(runs)], rows


def report_run(r, out):
    m = r.meta
    out.append("=" * 78)
    out.append("%s vCPU%s - kernel %s, QEMU TCG, %s rep%s x %s s per test, %s"
               % (r.vcpus, "" if r.vcpus == 1 else "s", m.get("kernel", "?"),
                  m.get("reps", "?"), "" if m.get("reps") == "1" else "s",
                  m.get("time", "?"), m.get("date", "?")))
    if m.get("cpu"):
        out.append("guest CPU: %s" % m["cpu"])
    out.append("=" * 78)
    cases = r.ordered_cases()
    tests = [t for t in TESTS if any(r.vals(*c, t) for c in cases)]
    out.append("")
    out.append("Median [min-max] over the reps.  Mbit/s; udp64: kpkt/s received; "
               "rtt: us")
    for part in ([t for t in tests if t.startswith("tcp")],
                 [t for t in tests if not t.startswith("tcp")]):
        if not part:
            continue
        rows = []
        for c in cases:
            mtu = r.text.get(c + ("mtu",)) or fmt(r.med(*c, "mtu"))
            rows.append(list(c) + [mtu] + [r.cell(c, t) for t in part])
        out.append("")
        table(rows, ["kind", "suite", "encap", "mtu"] + [TITLE[t] for t in part],
              out)

    for k in r.compared():
        for ref in REFS:
            rows = []
            for s, e in r.esp_groups():
                rc = r.ref_case(ref, s, e)
                if (k, s, e) not in r.cases or rc is None:
                    continue
                rows.append([s, e, ""] + [
                    fmt(ratio(r.med(k, s, e, t), r.med(*rc, t)))
                    for t in tests])
            if rows:
                out.append("")
                out.append("%s / %s, ratio of medians (> 1: %s is faster; "
                           "rtt: > 1 is slower)" % (k, ref, k))
                table(rows, ["suite", "encap", ""] + [TITLE[t] for t in tests],
                      out)

    cs = r.ceil_suites()
    if cs:
        out.append("")
        out.append("Crypto ceiling: the suite's AEAD alone on 1400-byte "
                   "packets (tools/cryptobench), Mbit/s")
        rows = []
        for s in cs:
            rows.append([s, r.text.get(("crypto", s, "-", "driver"), "?"), ""]
                        + [r.cell(("crypto", s, "-"), t)
                           for t in ("enc", "dec", "enc-all", "dec-all")])
        hdr = ["suite", "driver", "", "enc 1 CPU", "dec 1 CPU",
               "enc %d CPUs" % r.vcpus, "dec %d CPUs" % r.vcpus]
        if r.vcpus == 1:
            rows = [x[:5] for x in rows]
            hdr = hdr[:5]
        table(rows, hdr, out)
        rows = []
        for c in cases:
            if c[0] == "plain":
                continue
            c1 = r.ceiling(c[1])
            ca = r.ceiling(c[1], True)
            rows.append(list(c) + [
                pct(ratio(r.med(*c, "tcp1-ab"), c1)),
                pct(ratio(r.med(*c, "tcp1-ba"), c1)),
                pct(ratio(r.med(*c, "tcp4-ab"), ca if r.vcpus > 1 else c1))])
        out.append("")
        out.append("Fraction of the ceiling: TCP throughput / min(enc, dec); "
                   "1 stream: of one CPU, 4 streams: of all")
        table(rows, ["kind", "suite", "encap", "tcp1 a>b", "tcp1 b>a",
                     "tcp4 a>b"], out)

    mem = [(k, s) for (k, s, e, t) in r.values if t == "mem-all-slab"]
    floor = netdev_floor(r)
    if mem:
        out.append("")
        out.append("Kernel memory per idle tunnel, bytes: Slab + Percpu deltas of "
                   "/proc/meminfo over %s tunnels"
                   % (int(m.get("many", "1000")) - 1))
        out.append("(median of the samples; device: up, configured; SAs: the "
                   "SA pair, or for xfrmi 2 states + 4 policies)")
        rows = []
        for k, s in dict.fromkeys(mem):
            g = lambda part: mem_bytes(r, k, s, part)
            rows.append([k, s, "", "%.0f" % g("all"), "%.1f" % (g("all") / 1024),
                         "%.0f" % g("dev"), "%.0f" % g("sa"),
                         fmt(r.med(k, s, "raw", "mem-all-slab")),
                         fmt(r.med(k, s, "raw", "mem-all-percpu"))])
        if floor:
            rows.append(["netdev (dummy, up)", "-", "", "", "", "%.0f" % floor,
                         "", "", ""])
        table(rows, ["kind", "suite", "", "total", "KiB", "device", "SAs",
                     "(slab", "percpu)"], out)
        if floor:
            out.append("Above the floor any netdevice costs (a dummy device, "
                       "up): " + "; ".join(
                           "%s %s %.1f KiB" % (k, s, (mem_bytes(r, k, s, "all")
                                                      - floor) / 1024)
                           for k, s in dict.fromkeys(mem)))

    many = [k for k in r.kinds() if "@" in k and not k.endswith("@1")]
    for k in many:
        base = k.split("@")[0]
        one = base + "@1"
        c = next(c for c in r.cases if c[0] == k)
        ct = [t for t in TESTS if r.vals(*c, t)]
        out.append("")
        out.append("One tunnel among %s (%s idle ones in each of its namespaces) "
                   "and one alone, interleaved;" % (k.split("@")[1],
                                                    int(k.split("@")[1]) - 1))
        out.append("\"now / main\": the lone tunnel while the idle ones exist / "
                   "in the main reps (system-wide cost, or drift)")
        main = (base, c[1], c[2])
        rows = [["among many", c[1], c[2]] + [r.cell(c, t) for t in ct],
                ["alone", c[1], c[2]] + [r.cell((one, c[1], c[2]), t)
                                         for t in ct],
                ["ratio", "", ""] + [fmt(ratio(r.med(*c, t),
                                               r.med(one, c[1], c[2], t)))
                                     for t in ct]]
        if main in r.cases:
            rows += [["alone, main reps", c[1], c[2]] +
                     [r.cell(main, t) for t in ct],
                     ["alone: now / main", "", ""] +
                     [fmt(ratio(r.med(one, c[1], c[2], t), r.med(*main, t)))
                      for t in ct]]
        table(rows, [base, "suite", "encap"] + [TITLE[t] for t in ct], out)


def mem_bytes(r, kind, suite, part):
    return ((r.med(kind, suite, "raw", "mem-%s-slab" % part) or 0) +
            (r.med(kind, suite, "raw", "mem-%s-percpu" % part) or 0))


def netdev_floor(r):
    """Bytes per dummy device (bench.sh's floor), None if not measured."""
    return mem_bytes(r, "netdev", "-", "dev") or None


def pct(x):
    return "-" if x is None else "%.0f%%" % (100 * x)


def report_scaling(runs, out):
    lo, hi = runs[0], runs[-1]
    out.append("")
    out.append("=" * 78)
    out.append("Scaling: medians with %d and %d vCPUs, and their ratio"
               % (lo.vcpus, hi.vcpus))
    out.append("=" * 78)
    tests = [t for t in ("tcp1-ab", "tcp1-ba", "tcp4-ab", "tcp4-ba",
                         "udp64-ab", "udp64-ba")
             if any(lo.vals(*c, t) for c in lo.cases)]
    rows = []
    for c in hi.ordered_cases():
        if c not in lo.cases:
            continue
        row = list(c)
        for t in tests:
            a, b = lo.med(*c, t), hi.med(*c, t)
            row.append("%s/%s %s" % (fmt(a and scale(t, a)),
                                     fmt(b and scale(t, b)), fmt(ratio(b, a))))
        rows.append(row)
    table(rows, ["kind", "suite", "encap"] + [TITLE[t] for t in tests], out)


def cbc(suite):
    return "+" in suite


def report_targets(runs, out):
    """The issue's targets next to what was measured (never pass/fail)."""
    out.append("")
    out.append("=" * 78)
    out.append("Targets (issue 12), measured here; TCG numbers, for direction only")
    out.append("=" * 78)
    by = {r.vcpus: r for r in runs}

    def line(text, vals, goal, higher=True):
        ok = [v for v in vals if v is not None]
        if not ok:
            out.append("  %-58s not measured" % text)
            return
        worst = min(ok) if higher else max(ok)
        met = worst >= goal if higher else worst <= goal
        out.append("  %-58s %s  (%s)" % (text, " ".join(fmt(v) for v in ok),
                                         "met" if met else "not met"))

    for r in runs:
        floor = netdev_floor(r)
        for k in r.compared():
            out.append("%s, %d vCPU%s:" % (k, r.vcpus, "" if r.vcpus == 1 else "s"))
            for s, e in r.esp_groups():
                if e != "raw" or (k, s, e) not in r.cases:
                    continue
                x = r.ref_case("xfrmi", s, e)
                w = r.ref_case("wireguard", s, e)
                if x:
                    line("1 stream >= 1.3x xfrmi, %s (a>b b>a)" % s,
                         [ratio(r.med(k, s, e, t), r.med(*x, t))
                          for t in ("tcp1-ab", "tcp1-ba")], 1.3)
                if w:
                    line("1 stream >= 1.0x WireGuard, %s" % s,
                         [ratio(r.med(k, s, e, t), r.med(*w, t))
                          for t in ("tcp1-ab", "tcp1-ba")], 1.0)
                if x and r.vcpus >= 4:
                    line("4 streams >= 1.5x xfrmi, %s" % s,
                         [ratio(r.med(k, s, e, t), r.med(*x, t))
                          for t in ("tcp4-ab", "tcp4-ba")], 1.5)
                c1 = r.ceiling(s)
                if c1:
                    line(">= 0.8 of the crypto ceiling (1 CPU), %s" % s,
                         [ratio(r.med(k, s, e, t), c1)
                          for t in ("tcp1-ab", "tcp1-ba")], 0.8)
                if (cbc(s) and 1 in by and r.vcpus >= 4 and
                        (k, s, e) in by[1].cases):
                    line("%d vCPUs >= 1.7x 1 vCPU, %s" % (r.vcpus, s),
                         [ratio(r.med(k, s, e, t), by[1].med(k, s, e, t))
                          for t in ("tcp1-ab", "tcp1-ba")], 1.7)
            for kk, s in dict.fromkeys((kk, s) for (kk, s, e, t) in r.values
                                       if kk == k and t == "mem-all-slab"):
                line("<= 16 KiB per idle tunnel (KiB)",
                     [mem_bytes(r, k, s, "all") / 1024], 16, higher=False)
                if floor:
                    line("  the same above a bare netdevice (KiB)",
                         [(mem_bytes(r, k, s, "all") - floor) / 1024], 16,
                         higher=False)
            many = [kk for kk in r.kinds() if kk.startswith(k + "@")
                    and not kk.endswith("@1")]
            for mk in many:
                c = next(c for c in r.cases if c[0] == mk)
                line("%s tunnels within 10%% of one (tcp1, udp64)"
                     % mk.split("@")[1],
                     [ratio(r.med(*c, t), r.med(k + "@1", c[1], c[2], t))
                      for t in ("tcp1-ab", "tcp1-ba", "udp64-ab", "udp64-ba")],
                     0.9)
    if 1 not in by or max(by) < 4:
        out.append("  (scaling targets need BENCH_CPUS=\"1 4\")")


def chart(r, outdir):
    """A grouped bar chart per test (median, min-max bars) for one run."""
    groups = r.esp_groups()
    kinds = [k for k in r.kinds() if k not in ("plain", "wireguard")
             and "@" not in k]
    wg = next((c for c in r.cases if c[0] == "wireguard"), None)
    if not groups or not kinds:
        return None
    base = os.path.join(outdir, "chart-%dcpu" % r.vcpus)
    panels = [t for t in TESTS if any(r.vals(k, s, e, t) for k in kinds
                                      for s, e in groups)]
    # The ceiling panel plots tcp1 a>b against the ceiling: only with both.
    if "tcp1-ab" in panels and any(r.ceiling(s) for s, _ in groups):
        panels.append("ceiling")
    if not panels:
        return None
    gp = []
    for t in panels:
        dat = "%s-%s.dat" % (base, t)
        with open(dat, "w") as f:
            f.write("# group " + " ".join("%s(med min max)" % k
                                          for k in kinds) + "\n")
            for s, e in groups:
                row = ['"%s\\n%s"' % (s, e)]
                for k in kinds:
                    if t == "ceiling":
                        c1 = r.ceiling(s)
                        v = [100 * x / c1 for x in r.vals(k, s, e, "tcp1-ab")] \
                            if c1 else []
                    else:
                        v = [scale(t, x) for x in r.vals(k, s, e, t)]
                    if v:
                        row += ["%g" % statistics.median(v), "%g" % min(v),
                                "%g" % max(v)]
                    else:
                        row += ["NaN"] * 3
                f.write(" ".join(row) + "\n")
        title = LONG.get(t, "TCP 1 stream a -> b, % of the 1-CPU crypto ceiling")
        plots = []
        for i, k in enumerate(kinds):
            col = 2 + 3 * i
            plots.append("'%s' using %d:%d:%d%s title '%s'"
                         % (os.path.basename(dat), col, col + 1, col + 2,
                            ":xtic(1)" if i == 0 else "", k))
        if wg and t != "ceiling" and r.med(*wg, t) is not None:
            plots.append("%g with lines dt 2 lw 2 lc rgb '#444444' "
                         "title 'wireguard'" % scale(t, r.med(*wg, t)))
        gp.append("set title \"%s\"" % title)
        gp.append("set xrange [-0.6:%g]" % (len(groups) - 0.4))
        gp.append("plot " + ", \\\n     ".join(plots))
    rows = (len(panels) + 1) // 2
    m = r.meta
    head = [
        "set multiplot layout %d,2 title \"awsvpn benchmark, %d vCPUs, "
        "kernel %s (QEMU TCG: compare bars, not absolute values)\""
        % (rows, r.vcpus, m.get("kernel", "?")),
        "set style data histograms",
        "set style histogram errorbars gap 1 lw 1",
        "set style fill solid 0.7 border -1",
        "set boxwidth 0.9",
        "set yrange [0:*]",
        # room above the tallest bar for the key
        "set offsets 0, 0, graph 0.22, 0",
        "set bmargin 4",
        "set grid ytics",
        "set key top left horizontal font ',8'",
        "set xtics font ',8' nomirror",
        "set bars 0.5",
    ]
    script = "\n".join(head + gp + ["unset multiplot"]) + "\n"
    with open(base + ".gp", "w") as f:
        f.write(script)
    made = []
    for term, ext in (("svg size 1400,%d dynamic font 'sans,10'"
                       % (340 * rows), "svg"),
                      ("pngcairo size 1400,%d font 'sans,9'" % (340 * rows),
                       "png")):
        img = os.path.join(outdir, "bench-%dcpu.%s" % (r.vcpus, ext))
        res = subprocess.run(
            ["gnuplot", "-e", "set terminal %s; set output '%s'"
             % (term, os.path.basename(img)), os.path.basename(base + ".gp")],
            cwd=outdir, capture_output=True, text=True)
        if res.returncode == 0:
            made.append(img)
        else:
            sys.stderr.write("gnuplot (%s): %s\n" % (ext, res.stderr.strip()))
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--chart", action="store_true")
    ap.add_argument("results", nargs="+")
    a = ap.parse_args()
    runs, rows = read(a.results)
    if not runs:
        sys.stderr.write("no results in %s\n" % " ".join(a.results))
        return 1
    os.makedirs(a.out, exist_ok=True)
    out = ["awsvpn benchmark (make bench; Documentation/benchmark.rst).  "
           "Under QEMU TCG only",
           "the ratios between tunnels of one run mean something."]
    for r in runs:
        report_run(r, out)
    if len(runs) > 1:
        report_scaling(runs, out)
    report_targets(runs, out)
    merged = os.path.join(a.out, "results.tsv")
    if len(a.results) > 1 or os.path.abspath(a.results[0]) != os.path.abspath(merged):
        with open(merged, "w") as f:
            f.write("vcpus\tkind\tsuite\tencap\ttest\trep\tvalue\tunit\n")
            for row in rows:
                f.write("\t".join(row) + "\n")
    if a.chart:
        if shutil.which("gnuplot"):
            for r in runs:
                for img in chart(r, a.out) or []:
                    out.append("chart: %s" % img)
        else:
            out.append("(no chart: gnuplot is not installed)")
    text = "\n".join(out) + "\n"
    with open(os.path.join(a.out, "bench.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
