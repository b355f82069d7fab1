#!/usr/bin/env python3
"""A load client that accounts for every request (scripts/scale-test.sh).

    load.py URL BODY OUT [--connections N]

POSTs BODY (JSON) to URL over N keep-alive connections until SIGTERM or SIGINT, then writes
OUT: one line per request, "start end status" (Unix times in seconds; status 0 when the
connection failed, with no HTTP answer). A request succeeds when it is answered 200 with a
JSON body holding "cipher". Reconnects after any failure.
"""
import http.client
import json
import signal
import sys
import threading
import time
import urllib.parse


def main():
    url, body_text, out = sys.argv[1:4]
    connections = int(sys.argv[sys.argv.index("--connections") + 1]) if "--connections" in sys.argv else 8
    target = urllib.parse.urlsplit(url)
    body = body_text.encode()
    stop = threading.Event()
    results = [[] for _ in range(connections)]

    def worker(records):
        connection = None
        while not stop.is_set():
            start = time.time()
            status = 0
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                connection.request("POST", target.path, body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                status = response.status
                if status == 200 and b'"cipher"' not in data:
                    status = -1
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
            records.append((start, time.time(), status))

    threads = [threading.Thread(target=worker, args=(records,), daemon=True) for records in results]
    for thread in threads:
        thread.start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        stop.wait(0.2)
    for thread in threads:
        thread.join(timeout=15)
    with open(out, "w") as file:
        for records in results:
            for start, end, status in records:
                file.write(f"{start:.6f} {end:.6f} {status}\n")


if __name__ == "__main__":
    main()
