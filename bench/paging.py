"""Times a paged search and each page after it (the `next` links) on a running server.

Usage: paging.py BASE_URL LABEL. Creates 300 and 3000 Patients of fresh family names, then for
each size three rounds of: the first page (_count=50) and the next pages (up to five). Prints one
markdown table row per size: median first page, median second page, median later pages (ms).
"""
import json
import statistics
import sys
import time
import urllib.request

base, label = sys.argv[1], sys.argv[2]


def call(method, url, body=None):
    data = json.dumps(body).encode() if body else None
    request = urllib.request.Request(
        url, data=data, method=method,
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        out = json.loads(response.read())
    return out, (time.perf_counter() - started) * 1000


for size in (300, 3000):
    family = "Pager%d%d" % (size, int(time.time() * 1000))
    for start in range(0, size, 300):
        entries = [{"resource": {"resourceType": "Patient",
                                 "name": [{"family": family, "given": ["P%d" % i]}]},
                    "request": {"method": "POST", "url": "Patient"}} for i in range(start, start + 300)]
        call("POST", base, {"resourceType": "Bundle", "type": "transaction", "entry": entries})
    first, second, later = [], [], []
    for _ in range(3):
        page, ms = call("GET", base + "/Patient?family=" + family + "&_count=50")
        first.append(ms)
        for k in range(5):
            links = [l["url"] for l in page.get("link", []) if l["relation"] == "next"]
            if not links:
                break
            page, ms = call("GET", links[0])
            (second if k == 0 else later).append(ms)
    print("| %s | %d | %.0f | %.0f | %.0f |" % (
        label, size, statistics.median(first), statistics.median(second), statistics.median(later)))
