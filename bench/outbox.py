#!/usr/bin/env python3
"""Delivery latency of the outbox: how long from the Centrale's alert (the start of the API call
that alerts the field operator, which writes the dispatch and queues the e-mail in one
transaction) to the alert e-mail in a local SMTP sink, over ALERTS alerts, one after the other;
the API call's own time; and, in the same run, the machine's own limit: a bare SMTP message from
this script to the same sink. Prints p50 and p99 and the ratio. SQLite, a throwaway data folder.

    cargo build --release && python3 bench/outbox.py
"""
import json
import os
import socket
import socketserver
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import smtplib

ALERTS = int(os.environ.get("ALERTS", "200"))
BIN = os.environ.get("PRESIDIO_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "release", "presidio")
PASSWORD = "cavallo batteria graffetta"
received = {}
lock = threading.Lock()


class Sink(socketserver.StreamRequestHandler):
    """A minimal SMTP server that notes when each message's data ends."""

    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                text = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    text += l
                at = time.monotonic()
                with lock:
                    for word in text.decode(errors="replace").split():
                        if word.startswith(("PIS-", "BENCH-")):
                            received.setdefault(word.strip(".,:()"), at)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, token, method, path, body=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"content-type": "application/json",
                                              **({"authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def wait_for(code, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with lock:
            if code in received:
                return received[code]
        time.sleep(0.0005)
    raise SystemExit(f"{code} never arrived")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit("build first: cargo build --release")
    sink = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Sink)
    sink.daemon_threads = True
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_port = sink.server_address[1]
    folder = tempfile.mkdtemp()
    db = os.path.join(folder, "presidio.db")
    env = {**os.environ, "PRESIDIO_DATA_DIR": folder, "PRESIDIO_LOG": "warn"}
    for user, role in [("coord", "coordinatore"), ("desk", "operatore_centrale"), ("field", "operatore_pis")]:
        subprocess.run([BIN, "user", "add", "--username", user, "--name", f"Bench {user}", "--role", role,
                        "--password-stdin", "--database", f"sqlite://{db}"], input=PASSWORD.encode(),
                       env=env, check=True, stdout=subprocess.DEVNULL)
    with sqlite3.connect(db) as c:
        c.execute("UPDATE users SET alert_email = 'campo@bench.invalid' WHERE username = 'field'")
    port = free_port()
    server = subprocess.Popen([BIN, "serve", "--addr", f"127.0.0.1:{port}", "--database", f"sqlite://{db}",
                               "--smtp-url", f"smtp://127.0.0.1:{sink_port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/readyz")
                break
            except OSError:
                time.sleep(0.05)
        tokens = {u: call(base, None, "POST", "/api/v1/auth/token", {"username": u, "password": PASSWORD})["token"]
                  for u in ("coord", "desk", "field")}
        field = call(base, tokens["field"], "GET", "/api/v1/me")["id"]
        alerts, calls = [], []
        for _ in range(ALERTS):
            report = call(base, tokens["desk"], "POST", "/api/v1/reports", {
                "channel": "telefono", "reporter": {"kind": "carabinieri", "organization": "Stazione di Rho"},
                "municipality": "015182", "target_group": "senza_dimora",
                "persons": [{"role": "beneficiario", "sex": "M", "age": 50}], "description": "Prova"})
            call(base, tokens["desk"], "POST", f"/api/v1/reports/{report['id']}/triage",
                 {"outcome": "emergenza", "rationale": "Prova di latenza", "criteria": ["pericolo_immediato"]})
            start = time.monotonic()
            call(base, tokens["desk"], "POST", f"/api/v1/reports/{report['id']}/dispatches", {"operator_id": field})
            answered = time.monotonic()
            arrived = wait_for(report["code"])
            alerts.append((arrived - start) * 1000)
            calls.append((answered - start) * 1000)
        bare = []
        for i in range(ALERTS):
            start = time.monotonic()
            with smtplib.SMTP("127.0.0.1", sink_port) as s:
                s.sendmail("b@bench.invalid", ["c@bench.invalid"], f"Subject: BENCH-{i}\r\n\r\nBENCH-{i}\r\n")
            bare.append((wait_for(f"BENCH-{i}") - start) * 1000)
        print(f"machine: {os.cpu_count()} cores")
        print(f"alerts: {ALERTS}")
        print(f"alert to sink (ms): p50 {statistics.median(alerts):.1f}  p99 {pct(alerts, 99):.1f}")
        print(f"  of which the API call alerting (ms): p50 {statistics.median(calls):.1f}  p99 {pct(calls, 99):.1f}")
        print(f"bare SMTP (ms):     p50 {statistics.median(bare):.1f}  p99 {pct(bare, 99):.1f}")
        print(f"ratio p50 {statistics.median(alerts) / statistics.median(bare):.1f}  "
              f"p99 {pct(alerts, 99) / pct(bare, 99):.1f}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
