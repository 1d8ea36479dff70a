"""How fast the page answers: the server's cold start and the time from submit to rendered math.

Measures, as medians over N runs (default 7):
  * cold start: from launching ``python -m symmat serve --port 0`` to the
    first answer of ``GET /`` (the page), and to the first answer of
    ``POST /api/derive`` (which waits for the workers' fork server to import
    NumPy and SymPy, started in the background at launch);
  * a warm API call: ``POST /api/derive`` for ``x^T A x`` (a worker forked,
    the derivation, its self-check, the notes and code of the page);
  * in headless Chromium (when Playwright and /usr/bin/chromium are there):
    from clicking Derive (or Check) to the result rendered by KaTeX, for a
    few examples of the page.

    python benchmarks/bench_web.py [--runs 7]
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time

CASES = [
    ("derive", {"expr": "x^T A x", "wrt": "x"}),
    ("derive", {"expr": "||X w - y||^2 + lambda ||w||^2", "wrt": "w"}),
    ("derive", {"expr": "1/2 ||W2 sigmoid(W1 x + b1) + b2 - y||^2", "wrt": "W1"}),
    ("check", {"expr": "x^T A x", "wrt": "x", "claim": "2 A x"}),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch():
    """Start the server; return (process, port, seconds until its URL was printed)."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "symmat", "serve", "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, text=True)
    port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
    return proc, port, t


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body=json.dumps(body) if body else None,
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def cold_start(runs):
    page, api = [], []
    for _ in range(runs):
        proc, port, t = launch()
        assert call(port, "GET", "/") == 200
        page.append(time.perf_counter() - t)
        assert call(port, "POST", "/api/derive", {"expr": "x^T A x", "wrt": "x", "view": True}) == 200
        api.append(time.perf_counter() - t)
        proc.terminate()
        proc.wait()
    return page, api


def warm_calls(port, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        assert call(port, "POST", "/api/derive", {"expr": "x^T A x", "wrt": "x", "view": True}) == 200
        out.append(time.perf_counter() - t)
    return out


def in_browser(port, runs):
    """{case: [seconds from click to rendered result]} in headless Chromium, or None."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not os.path.exists("/usr/bin/chromium"):
        return None
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        for endpoint, fields in CASES:
            times = []
            for _ in range(runs):
                page.goto(f"http://127.0.0.1:{port}/")
                page.check(f"[name=mode][value={'check' if endpoint == 'check' else 'derive'}]")
                for name, value in fields.items():
                    page.fill(f"[name={name}]", value)
                t = time.perf_counter()
                page.click("#submit")
                page.wait_for_selector("#verdict .katex" if endpoint == "check" else "#result .math.display .katex")
                times.append(time.perf_counter() - t)
            out[f"{endpoint} {fields['expr']}"] = times
        browser.close()
    return out


def ms(values):
    return f"median {statistics.median(values) * 1000:7.1f} ms   (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    page, api = cold_start(args.runs)
    print(f"cold start, launch → page served:          {ms(page)}")
    print(f"cold start, launch → first derivation:     {ms(api)}")
    proc, port, _ = launch()
    try:
        call(port, "POST", "/api/derive", {"expr": "x^T x", "wrt": "x"})
        print(f"warm POST /api/derive (x^T A x, view):     {ms(warm_calls(port, args.runs))}")
        browser = in_browser(port, args.runs)
        if browser is None:
            print("in the browser: skipped (needs Playwright and /usr/bin/chromium)")
        else:
            print("in headless Chromium, click → rendered result:")
            for case, times in browser.items():
                print(f"  {case[:48]:48s} {ms(times)}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
