#!/usr/bin/env python3
"""Crash safety of order submission (issue 10, O7): SIGKILL the release binary at random
moments while clients submit members' orders, restart it on the same SQLite file, and prove
that every acknowledged order is there exactly once, as sent, and that the database is sound.

Python 3 standard library only. Run through scripts/crash.sh, or directly:

    scripts/crash/driver.py --bin "$CARGO_TARGET_DIR/release/tongyao" --kills 100

What it does:
1. a fresh SQLite file in a temporary folder, `tongyao demo` into it (the demo opens the
   procurement cycle of the current month; the day is fixed with TONGYAO__CLOCK__TODAY to the
   China day the run starts on, so a run across midnight keeps the same open cycle), then
   `tongyao serve` on a free port;
2. one client thread per orderer (demo-pharmacist at a township centre, demo-village at a
   village clinic; more threads reuse them) signs in (session cookie + `X-Tongyao-Csrf: 1`);
3. each client loops: create a draft for its institution, put 1..N lines of products its
   institution may order with typed quantities, submit with a fresh `Idempotency-Key`. An
   order is *acknowledged* only when the submission answered 200 with that order, submitted,
   with exactly the lines sent. A request cut off by a kill is sent again — the SAME key and
   the SAME body bytes for a submission — once the server is back, until it answers. Meanwhile
   the killer SIGKILLs the server: a few milliseconds after a client sent a submission; at a
   commit (the first change of the -wal file or of the WAL-index header in -shm after a
   submission was sent, so the commit is cut short or its answer lost); right after a restart
   while the clients reconnect; later; during start-up — and restarts it, waiting for /readyz;
4. at the end the server is stopped and the database file is read directly (sqlite3):
   `PRAGMA integrity_check` is ok, `PRAGMA foreign_key_check` is empty, the submitted orders
   made during the run are exactly the acknowledged ones, each with exactly the lines and
   quantities sent, each idempotency key the run used maps to its one order (and no order has
   two keys), each submitted order has one `order.submit` audit record and its member and
   submitter; the check is then run on copies of the file each broken in one way (an order
   lost, back to draft, a quantity changed, a line lost or added, an order copied, a key lost
   or pointing elsewhere, a second audit record, garbage over a page) and must see each; then
   the server is started once more and every acknowledged order is read through
   `GET /api/v1/orders/{id}`.

Prints one summary line; exits 1 on any violation (keeping the folder with the database and
the server's log), 2 when the run itself could not be carried out.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

PASSWORD = "tongyao-demo"  # api/src/demo.rs DEMO_PASSWORD (demo only)
ORDERERS = ["demo-pharmacist", "demo-village"]  # township centre, village clinic
READY_TIMEOUT = 60.0  # seconds for one start-up to answer /readyz
REQUEST_TIMEOUT = 30.0  # seconds for one HTTP request
SUBMIT_DEADLINE = 180.0  # seconds a submission may take to get an answer, kills included


class Down(Exception):
    """The server did not answer (killed, restarting, connection refused or cut)."""

    def __init__(self, msg, refused):
        super().__init__(msg)
        self.refused = refused  # never reached a server (nothing listened)


class Fatal(Exception):
    """The run itself cannot go on (the binary does not start, the demo has no products…)."""


class Violations:
    def __init__(self, quiet=False):
        self.lock = threading.Lock()
        self.items = []
        self.quiet = quiet

    def add(self, msg):
        with self.lock:
            self.items.append(msg)
        if not self.quiet:
            print(f"VIOLATION: {msg}", file=sys.stderr, flush=True)


def china_today():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The binary serving one SQLite file; killed and started again on the same file."""

    def __init__(self, binary, env, workdir, port, db_path):
        self.binary = binary
        self.db_path = db_path
        self.env = env
        self.workdir = workdir
        self.port = port
        self.log_path = os.path.join(workdir, "server.log")
        self.proc = None
        self.up = threading.Event()  # set while a started server answers /readyz
        self.submitting = threading.Event()  # a client just sent a submission
        self.starts = 0
        self.start_seconds = []

    def spawn(self):
        log = open(self.log_path, "ab")
        log.write(f"\n=== start {self.starts + 1} at {time.strftime('%H:%M:%S')} ===\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [self.binary, "serve"], env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.starts += 1

    def wait_ready(self):
        t0 = time.monotonic()
        while time.monotonic() - t0 < READY_TIMEOUT:
            if self.proc.poll() is not None:
                raise Fatal(f"the server exited with {self.proc.returncode} during start-up\n{self.log_tail()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/readyz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    self.start_seconds.append(time.monotonic() - t0)
                    self.up.set()
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.01)
        raise Fatal(f"the server did not answer /readyz within {READY_TIMEOUT:.0f} s\n{self.log_tail()}")

    def start(self):
        self.spawn()
        self.wait_ready()

    def kill(self):
        self.up.clear()
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """Graceful stop (SIGTERM), SIGKILL after 30 s."""
        self.up.clear()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no server log)"


class Api:
    """A signed-in user over HTTP (cookie session, CSRF header on writes)."""

    def __init__(self, server, username):
        self.server = server
        self.username = username
        self.cookie = None

    def request(self, method, path, body=None, headers=None):
        """(status, decoded JSON or None); raises Down when the server does not answer."""
        h = {"Accept": "application/json"}
        if method not in ("GET", "HEAD"):
            h["X-Tongyao-Csrf"] = "1"
        if self.cookie:
            h["Cookie"] = self.cookie
        if body is not None:
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=REQUEST_TIMEOUT)
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                raw = r.read()
                set_cookie = r.getheader("Set-Cookie")
            finally:
                c.close()
        except (OSError, http.client.HTTPException) as e:
            raise Down(f"{method} {path}: {type(e).__name__}: {e}", isinstance(e, ConnectionRefusedError)) from e
        if set_cookie and set_cookie.startswith("tongyao_session="):
            self.cookie = set_cookie.split(";", 1)[0]
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode("utf-8", "replace")
        return r.status, data

    def wait_up(self, deadline=None):
        if not self.server.up.wait(timeout=READY_TIMEOUT * 2):
            raise Fatal("the server did not come back")

    def call(self, method, path, body=None, headers=None, stop_after=SUBMIT_DEADLINE):
        """A request sent again (same bytes) after every failure to answer, until it answers."""
        t0 = time.monotonic()
        while True:
            self.wait_up()
            try:
                return self.request(method, path, body, headers)
            except Down:
                if time.monotonic() - t0 > stop_after:
                    raise
                time.sleep(0.005)

    def sign_in(self):
        st, me = self.call("POST", "/api/v1/session", {"username": self.username, "password": PASSWORD})
        if st != 200:
            raise Fatal(f"sign-in of {self.username} answered {st}: {me}")
        st, me = self.call("GET", "/api/v1/me")
        if st != 200:
            raise Fatal(f"/api/v1/me of {self.username} answered {st}: {me}")
        return me


def lines_of(order):
    """Sorted (entry id, quantity, typed) of an order as the API answers it."""
    return sorted((l["entry_id"], l["quantity"], bool(l["typed"])) for l in order.get("lines", []))


class Client(threading.Thread):
    def __init__(self, n, server, username, me, products, rng, stop, violations, max_lines):
        super().__init__(name=f"client-{n}", daemon=True)
        self.api = Api(server, username)
        self.username = username
        self.me = me
        self.institution = me["institution"]["id"]
        self.products = products
        self.rng = rng
        self.stop = stop
        self.violations = violations
        self.max_lines = max_lines
        self.server = server
        self.acknowledged = []  # {key, order_id, lines, body}
        self.drafts = set()  # drafts whose creation was answered
        self.lost_creates = 0  # creations cut off by a kill (a draft may or may not exist)
        self.submit_retries = 0  # submissions sent again after a kill (the same key and body)
        self.replayed = 0  # ... whose first attempt had committed (the answer was lost)
        self.rerun = 0  # ... whose first attempt had not committed
        self.submit_refused = 0  # submission attempts refused (the server down), sent again
        self.submit_cut = 0  # submission attempts cut off in flight by a kill, sent again
        self.server_errors = 0
        self.unauthorized = 0
        self.error = None

    def run(self):
        try:
            self.api.cookie = None
            self.api.sign_in()
            while not self.stop.is_set():
                self.one_order()
        except Fatal as e:
            self.error = str(e)
        except Exception as e:  # a bug of the driver: report it, do not hide it
            self.error = f"{type(e).__name__}: {e}"

    def authed(self, method, path, body=None, headers=None):
        """`Api.call`, signing in again if the session was lost (counted)."""
        st, data = self.api.call(method, path, body, headers)
        if st == 401:
            self.unauthorized += 1
            self.api.sign_in()
            st, data = self.api.call(method, path, body, headers)
        return st, data

    def one_order(self):
        # 1. A draft. Cut off by a kill: it may exist or not; either way it stays a draft.
        self.api.wait_up()
        try:
            st, o = self.api.request("POST", "/api/v1/orders", {"institution_id": self.institution})
        except Down:
            self.lost_creates += 1
            return
        if st == 401:
            self.unauthorized += 1
            self.api.sign_in()
            return
        if st >= 500:
            self.server_errors += 1
            return
        if st != 201:
            self.violations.add(f"{self.username}: creating a draft answered {st}: {o}")
            time.sleep(0.5)
            return
        oid = o["id"]
        self.drafts.add(oid)

        # 2. Its lines: typed quantities of products the institution may order.
        k = self.rng.randint(1, min(self.max_lines, len(self.products)))
        want = sorted((e, self.rng.randint(1, 60), True) for e in self.rng.sample(self.products, k))
        version = o["version"]
        while True:
            body = {"version": version, "lines": [{"entry_id": e, "quantity": q} for e, q, _ in want]}
            try:
                st, o = self.api.request("PUT", f"/api/v1/orders/{oid}/lines", body)
            except Down:
                # Did it commit before the kill? Read the draft once the server is back.
                st, o = self.authed("GET", f"/api/v1/orders/{oid}")
                if st != 200:
                    self.violations.add(f"{self.username}: draft {oid} (created, answered 201) reads {st}: {o}")
                    return
                if lines_of(o) == want:
                    version = o["version"]
                    break
                version = o["version"]
                continue
            if st == 401:
                self.unauthorized += 1
                self.api.sign_in()
                continue
            if st >= 500:
                self.server_errors += 1
                time.sleep(0.05)
                st, o = self.authed("GET", f"/api/v1/orders/{oid}")
                version = o["version"] if st == 200 else version
                continue
            if st != 200 or lines_of(o) != want:
                self.violations.add(f"{self.username}: putting the lines of draft {oid} answered {st}: {o}")
                return
            version = o["version"]
            break

        # 3. Submit with a fresh key; after a kill the SAME key and the SAME bytes, until answered.
        key = str(uuid.uuid4())
        body = json.dumps({"version": version}).encode()
        headers = {"Idempotency-Key": key}
        t0 = time.monotonic()
        cut = 0
        while True:
            if time.monotonic() - t0 > SUBMIT_DEADLINE:
                self.violations.add(f"{self.username}: submission of order {oid} (key {key}) got no answer in {SUBMIT_DEADLINE:.0f} s")
                return
            self.api.wait_up()
            self.server.submitting.set()
            try:
                st, ans = self.api.request("POST", f"/api/v1/orders/{oid}/submit", body, headers)
            except Down as e:
                cut += 1
                if e.refused:
                    self.submit_refused += 1
                else:
                    self.submit_cut += 1
                # Diagnostic only: had the cut-off attempt committed? (The retry is the same
                # request either way.)
                gst, g = self.authed("GET", f"/api/v1/orders/{oid}")
                if gst == 200:
                    if g["status"] == "submitted":
                        self.replayed += 1
                    else:
                        self.rerun += 1
                continue
            if st == 401:
                self.unauthorized += 1
                self.api.sign_in()
                continue
            if st >= 500:
                self.server_errors += 1
                time.sleep(0.05)
                continue
            break
        if cut:
            self.submit_retries += 1
        if st != 200:
            self.violations.add(
                f"{self.username}: submission of order {oid} (key {key}, {cut} attempts cut off by kills) answered {st}: {ans}"
            )
            return
        if ans.get("id") != oid or ans.get("status") != "submitted" or lines_of(ans) != want:
            self.violations.add(
                f"{self.username}: submission of order {oid} (key {key}) answered 200 with another order: "
                f"id {ans.get('id')}, status {ans.get('status')}, lines {lines_of(ans)} (sent {want})"
            )
            return
        self.acknowledged.append(
            {"key": key, "order_id": oid, "lines": want, "body": body, "user_id": self.me["id"], "institution": self.institution}
        )


def orderable_products(api, level):
    """Active entries the level may use (O2), from the formulary list."""
    ids, cursor = [], None
    while True:
        path = f"/api/v1/formulary?status=active&level={level}&limit=200"
        if cursor:
            path += f"&cursor={cursor}"
        st, page = api.call("GET", path)
        if st != 200:
            raise Fatal(f"the formulary list answered {st}: {page}")
        ids += [e["id"] for e in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


def commit_mark(db_path):
    """What a commit changes first on SQLite in WAL mode: the -wal file (size, modification
    time) and the WAL-index header at the start of the -shm file (its change counter)."""
    mark = []
    try:
        st = os.stat(db_path + "-wal")
        mark += [st.st_size, st.st_mtime_ns]
    except OSError:
        mark.append(None)
    try:
        fd = os.open(db_path + "-shm", os.O_RDONLY)
        try:
            mark.append(os.pread(fd, 48, 0))
        finally:
            os.close(fd)
    except OSError:
        mark.append(None)
    return mark


def killer(server, rng, kills, progress):
    """SIGKILL the server `kills` times at random moments, each time starting it again."""
    modes = {"in-submit": 0, "at-commit": 0, "after-restart": 0, "later": 0, "in-start-up": 0}
    t0 = time.monotonic()
    done = 0

    def kill(mode):
        nonlocal done
        server.kill()
        modes[mode] += 1
        done += 1
        if done % 10 == 0 or done == kills:
            progress(done, time.monotonic() - t0)

    while done < kills:
        r = rng.random()
        if r < 0.20:
            # Within a few milliseconds after a client sent a submission: before its
            # transaction, inside it, or between the commit and the answer.
            server.submitting.clear()
            server.submitting.wait(timeout=3)
            time.sleep(rng.uniform(0, 0.008))
            kill("in-submit")
        elif r < 0.55:
            # At a commit: a client sent a submission, then the first sign of a commit —
            # the write-ahead log written (its size or modification time moves; a transaction
            # writes nothing to it before its commit) or the commit published in the WAL index
            # (the header of the -shm file changes) — and the kill follows within microseconds,
            # before the answer has left. Another client's commit may be the one caught; either
            # is a commit cut short.
            server.submitting.clear()
            server.submitting.wait(timeout=3)
            until = time.monotonic() + 0.2
            first = commit_mark(server.db_path)
            while time.monotonic() < until and commit_mark(server.db_path) == first:
                pass
            kill("at-commit")
        elif r < 0.70:
            # Right after the restart, while every client's retry is in flight.
            time.sleep(rng.uniform(0, 0.05))
            kill("after-restart")
        elif r < 0.90 or done + 2 > kills:
            time.sleep(rng.uniform(0.05, 1.5))
            kill("later")
        else:
            # Then once more during start-up (migrations check, WAL recovery, caches), or just
            # after it when it is quicker than the delay.
            time.sleep(rng.uniform(0.05, 1.0))
            kill("later")
            server.spawn()
            time.sleep(rng.uniform(0, 0.03))
            kill("in-start-up")
        server.start()
    return modes


def check_database(db_path, baseline_max_order, acked, users, known_drafts, violations):
    """Everything the run acknowledged, read from the file itself (the server stopped)."""
    try:
        return check_database_once(db_path, baseline_max_order, acked, users, known_drafts, violations)
    except sqlite3.DatabaseError as e:
        violations.add(f"reading the database: {type(e).__name__}: {e}")
        return {"orders": 0, "submitted": 0, "drafts": 0, "drafts_unanswered": 0, "integrity": "unreadable"}


def check_database_once(db_path, baseline_max_order, acked, users, known_drafts, violations):
    con = sqlite3.connect(db_path)
    try:
        integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            violations.add(f"PRAGMA integrity_check: {integrity[:20]}")
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            violations.add(f"PRAGMA foreign_key_check: {len(fk)} rows, first {fk[:5]}")

        orders = con.execute(
            "SELECT id, status FROM member_orders WHERE id > ?", (baseline_max_order,)
        ).fetchall()
        who = {
            i: (inst, by)
            for i, inst, by in con.execute(
                "SELECT id, institution_id, submitted_by FROM member_orders WHERE id > ?", (baseline_max_order,)
            )
        }
        for a in acked:
            if a["order_id"] in who and who[a["order_id"]] != (a["institution"], a["user_id"]):
                violations.add(
                    f"order {a['order_id']}: institution and submitter {who[a['order_id']]} in the database, "
                    f"{(a['institution'], a['user_id'])} acknowledged"
                )
        status = {i: s for i, s in orders}
        submitted = {i for i, s in orders if s == "submitted"}
        others = {i: s for i, s in orders if s not in ("draft", "submitted")}
        if others:
            violations.add(f"orders of the run neither draft nor submitted: {others}")

        by_order = {}
        for a in acked:
            by_order.setdefault(a["order_id"], []).append(a["key"])
        twice = {o: k for o, k in by_order.items() if len(k) > 1}
        if twice:
            violations.add(f"orders acknowledged under two keys: {twice}")
        keys = {a["key"] for a in acked}
        if len(keys) != len(acked):
            violations.add("a key acknowledged twice")

        lost = sorted(set(by_order) - submitted)
        for o in lost:
            violations.add(f"acknowledged order {o} is {status.get(o, 'MISSING')} in the database")
        unknown = sorted(submitted - set(by_order))
        if unknown:
            violations.add(f"submitted orders the driver never had acknowledged: {unknown}")
        if len(submitted) != len(keys):
            violations.add(f"{len(submitted)} submitted orders in the database, {len(keys)} acknowledged keys")

        for a in acked:
            rows = con.execute(
                "SELECT entry_id, quantity, typed FROM member_order_lines WHERE order_id = ?", (a["order_id"],)
            ).fetchall()
            got = sorted((e, q, bool(t)) for e, q, t in rows)
            if got != a["lines"]:
                violations.add(f"order {a['order_id']}: lines {got} in the database, {a['lines']} sent")

        user_ids = sorted(users)
        marks = ",".join("?" * len(user_ids))
        krows = con.execute(
            f"SELECT user_id, idem_key, operation, object_id FROM idempotency_keys WHERE user_id IN ({marks})", user_ids
        ).fetchall()
        stored = {}
        for u, k, op, obj in krows:
            if (u, k) in stored:
                violations.add(f"idempotency key {k} of user {u} stored twice")
            stored[(u, k)] = (op, obj)
        want = {(a["user_id"], a["key"]): ("submit_order", a["order_id"]) for a in acked}
        for uk, v in want.items():
            if stored.get(uk) != v:
                violations.add(f"idempotency key {uk[1]}: stored {stored.get(uk)}, acknowledged {v}")
        extra = sorted(set(stored) - set(want))
        if extra:
            violations.add(f"idempotency keys never acknowledged: {extra[:10]} ({len(extra)})")
        objs = [obj for (_, obj) in stored.values()]
        if len(objs) != len(set(objs)):
            violations.add("one order stored under two idempotency keys")

        audit = dict(
            con.execute(
                "SELECT object_id, COUNT(*) FROM audit_log WHERE action = 'order.submit' AND object_type = 'member_order' "
                "AND CAST(object_id AS INTEGER) > ? GROUP BY object_id",
                (baseline_max_order,),
            ).fetchall()
        )
        for o in submitted:
            if audit.get(str(o), 0) != 1:
                violations.add(f"order {o}: {audit.get(str(o), 0)} order.submit audit records")
        drafts_left = sum(1 for s in status.values() if s == "draft")
        unanswered_drafts = sum(1 for i, s in orders if s == "draft" and i not in known_drafts)
        return {
            "orders": len(orders),
            "submitted": len(submitted),
            "drafts": drafts_left,
            "drafts_unanswered": unanswered_drafts,
            "integrity": integrity[0] if integrity else "?",
        }
    finally:
        con.close()


def copy_row(con, table, where, params, overrides):
    """Insert a copy of the first row matching `where` (a new id), some columns overridden;
    the columns are read from the file, whatever migrations have added."""
    cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
    exprs = ["?" if c in overrides else c for c in cols]
    values = [overrides[c] for c in cols if c in overrides]
    con.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table} WHERE {where} LIMIT 1",
        values + list(params),
    )


def self_test(db_path, workdir, baseline_max_order, acked, users, known_drafts):
    """The check's own check: copies of the final database, each broken in one way the check
    must see; returns the ways it did not see."""
    if not acked:
        return ["nothing acknowledged to break"]
    a = acked[len(acked) // 2]
    o, key = a["order_id"], a["key"]
    e, q, _ = a["lines"][0]

    def corrupt(path):
        # Garbage over the middle of a page of the orders' lines (a b-tree page, not the header).
        con = sqlite3.connect(path)
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'member_order_lines'").fetchone()[0]
        con.close()
        with open(path, "r+b") as f:
            f.seek((root - 1) * page_size + 8)
            f.write(b"\xff" * 64)

    breaks = {
        "an acknowledged order lost": lambda c: c.execute("DELETE FROM member_orders WHERE id = ?", (o,)),
        "an acknowledged order back to draft": lambda c: c.execute("UPDATE member_orders SET status = 'draft' WHERE id = ?", (o,)),
        "a quantity changed": lambda c: c.execute(
            "UPDATE member_order_lines SET quantity = quantity + 1 WHERE order_id = ? AND entry_id = ?", (o, e)),
        "a line lost": lambda c: c.execute("DELETE FROM member_order_lines WHERE order_id = ? AND entry_id = ?", (o, e)),
        "a line added": lambda c: copy_row(
            c, "member_order_lines",
            "order_id <> ? AND entry_id NOT IN (SELECT entry_id FROM member_order_lines WHERE order_id = ?)", (o, o),
            {"order_id": o, "quantity": 1, "typed": 1}),
        "an order submitted twice (a copy)": lambda c: copy_row(c, "member_orders", "id = ?", (o,), {}),
        "a key lost": lambda c: c.execute("DELETE FROM idempotency_keys WHERE idem_key = ?", (key,)),
        "a key pointing at another order": lambda c: c.execute(
            "UPDATE idempotency_keys SET object_id = object_id + 1 WHERE idem_key = ?", (key,)),
        "a second submission audited": lambda c: copy_row(
            c, "audit_log", "action = 'order.submit' AND object_id = ?", (str(o),), {}),
        "the file corrupted": None,
    }
    src = sqlite3.connect(db_path)
    unseen = []
    for what, change in breaks.items():
        path = os.path.join(workdir, "self-test.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        dst = sqlite3.connect(path)
        src.backup(dst)
        if change is not None:
            change(dst)
            dst.commit()
        dst.close()
        if change is None:
            corrupt(path)
        v = Violations(quiet=True)
        check_database(path, baseline_max_order, acked, users, known_drafts, v)
        if not v.items:
            unseen.append(what)
    src.close()
    return unseen


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", required=True, help="the tongyao binary (release)")
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--clients", type=int, default=2, help="client threads (orderers reused round-robin)")
    p.add_argument("--max-lines", type=int, default=8)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--config-dir", default=None, help="TONGYAO_CONFIG_DIR (default: none, built-in settings)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder also on success")
    args = p.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    rng = random.Random(seed)
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="tongyao-crash-")
    db_path = os.path.join(workdir, "crash.db")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGYAO")}
    env.update(
        {
            "TONGYAO_ENV": "development",
            "TONGYAO_CONFIG_DIR": args.config_dir or os.path.join(workdir, "no-config"),
            "TONGYAO__DATABASE__URL": f"sqlite://{db_path}?mode=rwc",
            "TONGYAO__SERVER__ADDR": f"127.0.0.1:{port}",
            "TONGYAO__LOG__LEVEL": "warn",
            # The demo opens the cycle of the current month: a fixed day keeps it open.
            "TONGYAO__CLOCK__TODAY": china_today().isoformat(),
        }
    )
    binary = os.path.abspath(args.bin)
    violations = Violations()
    server = Server(binary, env, workdir, port, db_path)
    print(f"crash: seed {seed}, {args.kills} kills, {args.clients} clients, folder {workdir}", flush=True)

    ok = False
    try:
        demo = subprocess.run([binary, "demo"], env=env, cwd=workdir, capture_output=True, text=True)
        if demo.returncode != 0:
            raise Fatal(f"`tongyao demo` failed:\n{demo.stdout}\n{demo.stderr}")
        con = sqlite3.connect(db_path)
        baseline_max_order = con.execute("SELECT COALESCE(MAX(id), 0) FROM member_orders").fetchone()[0]
        con.close()

        server.start()
        clients = []
        users = set()
        products_of = {}
        for n in range(args.clients):
            username = ORDERERS[n % len(ORDERERS)]
            api = Api(server, username)
            me = api.sign_in()
            if not me.get("institution"):
                raise Fatal(f"{username} has no institution")
            level = me["institution"]["level"]
            if level not in products_of:
                products_of[level] = orderable_products(api, level)
                if not products_of[level]:
                    raise Fatal(f"no product is orderable at level {level}")
            users.add(me["id"])
            clients.append(
                Client(n, server, username, me, products_of[level], random.Random(rng.random()), threading.Event(),
                       violations, args.max_lines)
            )
        for c in clients:
            c.start()

        def progress(done, secs):
            acked = sum(len(c.acknowledged) for c in clients)
            print(f"crash: {done} kills in {secs:.0f} s, {acked} orders acknowledged", flush=True)

        modes = killer(server, rng, args.kills, progress)
        # The kills are over: each client finishes the order in hand (its submission answered).
        for c in clients:
            c.stop.set()
        for c in clients:
            c.join(timeout=SUBMIT_DEADLINE + 30)
            if c.is_alive():
                violations.add(f"{c.name} did not finish its last order")
            if c.error:
                violations.add(f"{c.name} stopped: {c.error}")
        server.stop()

        acked = [a for c in clients for a in c.acknowledged]
        known_drafts = set().union(*(c.drafts for c in clients))
        db = check_database(db_path, baseline_max_order, acked, users, known_drafts, violations)

        unseen = self_test(db_path, workdir, baseline_max_order, acked, users, known_drafts)
        for what in unseen:
            violations.add(f"self-test: the check did not see {what}")

        # Once more: every acknowledged order read through the API.
        server.start()
        readers = {}
        for c in clients:
            if c.username not in readers:
                r = Api(server, c.username)
                r.sign_in()
                readers[c.username] = r
            for a in c.acknowledged:
                st, o = readers[c.username].call("GET", f"/api/v1/orders/{a['order_id']}")
                if st != 200 or o.get("status") != "submitted" or lines_of(o) != a["lines"]:
                    violations.add(
                        f"GET /api/v1/orders/{a['order_id']} after the run: {st}, "
                        f"{o.get('status') if isinstance(o, dict) else o}, lines {lines_of(o) if isinstance(o, dict) else '?'}"
                    )
        server.stop()

        secs = time.monotonic() - started
        retries = sum(c.submit_retries for c in clients)
        in_flight = sum(c.submit_cut for c in clients)
        refused = sum(c.submit_refused for c in clients)
        replayed = sum(c.replayed for c in clients)
        rerun = sum(c.rerun for c in clients)
        lost_creates = sum(c.lost_creates for c in clients)
        errors = sum(c.server_errors for c in clients)
        unauth = sum(c.unauthorized for c in clients)
        starts = server.start_seconds
        print(
            f"crash: kill moments {modes}; restarts to /readyz median {sorted(starts)[len(starts) // 2]:.2f} s, "
            f"max {max(starts):.2f} s; {lost_creates} draft creations cut off, {db['drafts']} drafts left "
            f"({db['drafts_unanswered']} whose creation was never answered); {errors} 5xx answers, "
            f"{unauth} sessions lost; integrity_check {db['integrity']}",
            flush=True,
        )
        verdict = "OK" if not violations.items else f"FAILED ({len(violations.items)} violations)"
        print(
            f"crash: {args.kills} kills survived, {len(acked)} orders acknowledged "
            f"({db['submitted']} submitted in the database), {retries} submissions retried after a kill "
            f"({in_flight} attempts cut off in flight, {refused} refused while down; {replayed} cut-off attempts "
            f"had committed and were answered by their key, {rerun} had not), "
            f"{secs:.0f} s — {verdict}",
            flush=True,
        )
        ok = not violations.items
    except Fatal as e:
        print(f"crash: could not run: {e}", file=sys.stderr, flush=True)
        server.stop()
        print(f"crash: folder kept: {workdir}", file=sys.stderr)
        return 2
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
    if ok and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"crash: folder kept (database crash.db, server.log): {workdir}", flush=True)
        if not ok:
            print("crash: the server's log ends:\n" + server.log_tail(), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
