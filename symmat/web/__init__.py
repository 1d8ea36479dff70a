"""The page: `symmat serve`, a local web page and JSON API over the public API.

`server` (http.server: routing, limits, security headers) hands each request
to `jobs` (what a request computes) run in a child process by `worker`, so
that a derivation or verification past its limit can be stopped. `static/`
holds the page (HTML, JavaScript, CSS, the worked examples) and KaTeX,
vendored from its npm release. Non-public symmat imports live in `adapter`.
"""
