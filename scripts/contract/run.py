#!/usr/bin/env python3
"""The contract test: schemathesis, every check and every phase, against the real binary,
signed in, covering every operation of /api/openapi.json with a user allowed to call it.

Started by scripts/contract.sh (which builds the binary and installs the pinned schemathesis).

How it works:
1. `tongyao demo` once into a template SQLite file.
2. Plan: serve a copy, read the OpenAPI document, sign in each demo account and read its roles
   from /api/v1/me. Each operation's `security` lists the roles allowed (scopes of the `session`
   scheme); from that, one run per account gets every operation the account may call, one
   anonymous run gets the public operations, and sign-out and change-password (which end or
   change the caller's own credentials) get a run each. The plan fails if an operation has no
   run whose account is allowed to call it.
3. Each run starts the binary on a fresh copy of the template, so nothing one run does (signing
   out, changing a password, deactivating a user, locking an account by failed sign-ins) reaches
   another, and runs schemathesis with `--checks all`, all four phases, a fixed seed and a
   bounded number of examples, signed in through POST /api/v1/session (a Web Fuzzing Commons
   auth file; schemathesis signs in again when a session is revoked).
4. The NDJSON reports prove coverage: every operation of the document must have been answered,
   to a request sent as an allowed identity, with something other than 401, or 403 without a
   rule id (a 403 carrying a rule id, e.g. F1 four eyes, is a decision made after the role check).
5. Failures are grouped and printed with a curl that reproduces them. The only tolerated failures
   and redirected requests are those in scripts/contract/allowances.toml, each with its reason.

Exit status: 0 only when there is no failure outside the allowances, no schemathesis error, and
every operation was exercised.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ALLOWANCES = HERE / "allowances.toml"
HOOKS = HERE / "hooks.py"

DEMO_PASSWORD = "tongyao-demo"
CSRF_HEADER = ("X-Tongyao-Csrf", "1")
SESSION_COOKIE = "tongyao_session"
# One run per account, in this order: a system administrator, a consortium administrator, a
# committee member, an auditor, distribution staff and the procurement officer may together call
# every role-restricted operation (the plan fails if one is left) with a village pharmacist for
# members' orders, and each operation is run by every one of them it allows.
ACCOUNTS = ["demo-admin", "demo-consortium-admin", "demo-committee-1", "demo-auditor", "demo-distribution", "demo-procurement", "demo-village"]
# Accounts of the other consortium that must not see what the run's account reads: schemathesis's
# object_level_authorization check replays each successful read as them.
PEERS = {"demo-committee-1": ["demo2-committee-1"], "demo-distribution": ["demo2-committee-1"], "demo-procurement": ["demo2-committee-1"], "demo-village": ["demo2-committee-1"]}
# Operations that end the caller's own session or change its password each get a run of their
# own, as an account no other run uses, so no other operation loses its session halfway: after a
# sign-out schemathesis signs in again, which a changed password would prevent.
OWN_CREDENTIALS = {"sign_out": "demo-pharmacist", "change_password": "demo-prescriber"}
METHODS = ("get", "put", "post", "delete", "patch")


# ---------------------------------------------------------------------------------------------
# The binary


class Server:
    def __init__(self, binary: Path, work: Path, name: str, port: int, template: Path | None):
        self.binary, self.port, self.name = binary, port, name
        self.dir = work / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = self.dir / "tongyao.db"
        if template is not None:
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(template) + suffix)
                if src.exists():
                    shutil.copyfile(src, Path(str(self.db) + suffix))
        self.proc: subprocess.Popen | None = None
        self.log = self.dir / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            TONGYAO_ENV="development",
            TONGYAO_CONFIG_DIR=str(ROOT / "config"),
            TONGYAO__DATABASE__URL=f"sqlite://{self.db}?mode=rwc",
            TONGYAO__SERVER__ADDR=f"127.0.0.1:{self.port}",
            TONGYAO__SERVER__STATIC_DIR=str(self.dir / "no-web-app"),
            TONGYAO__LOG__LEVEL="warn",
        )
        return env

    def cli(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        env = self.env()
        env.update(extra_env or {})
        out = subprocess.run(
            [str(self.binary), *args], env=env, cwd=self.dir, capture_output=True, text=True, timeout=300
        )
        if out.returncode != 0:
            raise SystemExit(f"contract: `tongyao {' '.join(args)}` failed:\n{out.stdout}{out.stderr}")
        return out.stdout

    def start(self) -> None:
        if port_in_use(self.port):
            raise SystemExit(
                f"contract: port {self.port} is in use; stop what listens there or set TONGYAO_CONTRACT_PORT"
            )
        log = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [str(self.binary), "serve"], env=self.env(), cwd=self.dir, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"contract: the server did not become ready:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def default_port() -> int:
    """TONGYAO_CONTRACT_PORT, else 18090 (scripts/e2e.sh uses 18080), else any free port: other
    work trees on the same machine may be running their own servers."""
    if os.environ.get("TONGYAO_CONTRACT_PORT"):
        return int(os.environ["TONGYAO_CONTRACT_PORT"])
    if not port_in_use(18090):
        return 18090
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_json(opener, method: str, url: str, body: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header(*CSRF_HEADER)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def who_is(base: str, username: str) -> dict:
    """Sign in as `username` and read /api/v1/me: {id, roles, ...}."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    status, _ = http_json(
        opener, "POST", base + "/api/v1/session", {"username": username, "password": DEMO_PASSWORD}
    )
    if status != 200:
        raise SystemExit(f"contract: cannot sign in as {username} (HTTP {status})")
    status, me = http_json(opener, "GET", base + "/api/v1/me")
    if status != 200 or not isinstance(me, dict):
        raise SystemExit(f"contract: GET /api/v1/me as {username} answered {status}")
    return me


# ---------------------------------------------------------------------------------------------
# The plan


@dataclass
class Operation:
    id: str
    method: str
    path: str
    # None: public; set(): any signed-in user; otherwise the roles allowed.
    roles: set[str] | None

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def allows(self, account_roles: set[str] | None) -> bool:
        if self.roles is None:
            return True
        if account_roles is None:
            return False
        return not self.roles or bool(self.roles & account_roles)


@dataclass
class Run:
    name: str
    account: str | None
    actor_id: int | None
    roles: set[str] | None
    operations: list[Operation]
    peers: list[str] = field(default_factory=list)


def operations_of(doc: dict) -> list[Operation]:
    ops = []
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            security = op.get("security", doc.get("security"))
            roles: set[str] | None
            if not security or any(req == {} for req in security):
                roles = None
            else:
                roles = set()
                for req in security:
                    roles |= set(req.get("session", []))
                if any(req.get("session") == [] for req in security):
                    roles = set()
            if not op.get("operationId"):
                raise SystemExit(f"contract: {method.upper()} {path} has no operationId")
            ops.append(Operation(op["operationId"], method, path, roles))
    return ops


def make_plan(ops: list[Operation], people: dict[str, dict]) -> list[Run]:
    runs = [Run("anonymous", None, None, None, [o for o in ops if o.roles is None])]
    for account in ACCOUNTS:
        me = people[account]
        roles = set(me["roles"])
        chosen = [o for o in ops if o.roles is not None and o.id not in OWN_CREDENTIALS and o.allows(roles)]
        runs.append(Run(account, account, me["id"], roles, chosen, PEERS.get(account, [])))
    for op_id, account in OWN_CREDENTIALS.items():
        me = people[account]
        own = [o for o in ops if o.id == op_id]
        if not own:
            raise SystemExit(f"contract: the document has no operation {op_id} (update OWN_CREDENTIALS)")
        runs.append(Run(op_id.replace("_", "-"), account, me["id"], set(me["roles"]), own))
    for run in runs:
        for o in run.operations:
            assert o.allows(run.roles), (run.name, o.id)
    missing = [o.id for o in ops if not any(o in r.operations for r in runs)]
    if missing:
        raise SystemExit(
            "contract: no account of the plan may call "
            + ", ".join(missing)
            + " (add an account with one of its roles to ACCOUNTS in scripts/contract/run.py)"
        )
    return [r for r in runs if r.operations]


# ---------------------------------------------------------------------------------------------
# One schemathesis run


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def wfc_entry(username: str) -> dict:
    return {
        "name": username,
        "loginEndpointAuth": {
            "endpoint": "/api/v1/session",
            "verb": "POST",
            "contentType": "application/json",
            "headers": [{"name": CSRF_HEADER[0], "value": CSRF_HEADER[1]}],
            "expectCookies": True,
            "payloadUserPwd": {
                "username": username,
                "password": DEMO_PASSWORD,
                "usernameField": "username",
                "passwordField": "password",
            },
        },
    }


def write_config(run: Run, d: Path, args) -> Path:
    lines = [
        f"seed = {args.seed}",
        "workers = 1",
        "continue-on-failure = true",
        f"hooks = {toml_str(str(HOOKS))}",
        f"request-timeout = {args.request_timeout}",
        f"headers = {{ {CSRF_HEADER[0]} = {toml_str(CSRF_HEADER[1])} }}",
        "",
        "[cache]",
        "enabled = false",
        "",
        "[generation]",
        f"max-examples = {args.max_examples}",
        'database = "none"',
        "",
        "[phases.stateful]",
        f"max-steps = {args.max_steps}",
        "",
        "[checks]",
        f"max_response_time = {args.max_response_time}",
    ]
    if run.account is not None:
        wfc = d / "wfc-auth.json"
        users = [run.account, *run.peers]
        wfc.write_text(json.dumps({"auth": [wfc_entry(u) for u in users]}, indent=2))
        # Sign in again only when a session is refused (401), never on a timer: the runs are short.
        lines += [
            "",
            "[auth.wfc]",
            f"path = {toml_str(str(wfc))}",
            f"user = {toml_str(run.account)}",
            "refresh_interval = 86400",
        ]
        if run.peers:
            lines.append("peers = [" + ", ".join(toml_str(u) for u in users) + "]")
    cfg = d / "schemathesis.toml"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


@dataclass
class Failure:
    run: str
    operation: str
    check: str
    code: str
    title: str
    message: str
    status: int | None
    phase: str
    curl: str
    response: str


@dataclass
class RunResult:
    run: Run
    seconds: float
    exit_code: int
    cases: int = 0
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # operation id -> [answered past authorization, 2xx]
    exercised: dict[str, list[int]] = field(default_factory=dict)


def decode(blob) -> bytes:
    if blob is None:
        return b""
    if isinstance(blob, dict) and "$base64" in blob:
        return base64.b64decode(blob["$base64"])
    if isinstance(blob, dict) and "string" in blob:
        return blob["string"].encode()
    if isinstance(blob, str):
        return blob.encode()
    return json.dumps(blob).encode()


def curl_of(request: dict) -> str:
    parts = ["curl", "-sS", "-X", request.get("method", "GET")]
    for name, values in (request.get("headers") or {}).items():
        lname = name.lower()
        if lname in ("user-agent", "accept-encoding", "accept", "connection", "content-length"):
            continue
        for v in values if isinstance(values, list) else [values]:
            if lname == "cookie":
                parts += ["-b", f"{SESSION_COOKIE}=$SESSION"]
            elif lname.startswith("x-schemathesis"):
                continue
            else:
                parts += ["-H", f"{name}: {v}"]
    body = decode(request.get("body"))
    if body:
        text = body.decode("utf-8", errors="backslashreplace")
        parts += ["--data-binary", text]
    parts.append(request.get("uri", ""))
    out = []
    for p in parts:
        if p == f"{SESSION_COOKIE}=$SESSION":
            out.append(f'"{p}"')
        else:
            out.append(shlex.quote(p))
    return " ".join(out)


def authorized_answer(status: int, content: bytes) -> bool:
    """The request got past the session and the role check."""
    if status == 401:
        return False
    if status == 403:
        try:
            problem = json.loads(content)
        except ValueError:
            return False
        return isinstance(problem, dict) and bool(problem.get("rule"))
    return True


def parse_report(result: RunResult, ndjson: Path, by_label: dict[str, Operation]) -> None:
    run = result.run
    with open(ndjson, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            (kind, body), = event.items()
            if "Error" in kind:
                result.errors.append(f"{kind}: {json.dumps(body, ensure_ascii=False)[:2000]}")
                continue
            if kind != "ScenarioFinished":
                continue
            phase = body.get("phase", "")
            recorder = body["recorder"]
            cases = recorder.get("cases", {})
            interactions = recorder.get("interactions", {})
            for cid, holder in cases.items():
                case = holder["value"]
                op = by_label.get(f"{case['method'].upper()} {case['path']}")
                if op is None:
                    continue
                result.cases += 1
                inter = interactions.get(cid) or {}
                response = inter.get("response") or {}
                status = response.get("status_code")
                content = decode(response.get("content"))
                # With one identity schemathesis does not name it on the case; the session cookie
                # it set is then the run's account (a generated cookie is never a live session).
                identity = case.get("auth_identity")
                headers = {k.lower() for k in ((inter.get("request") or {}).get("headers") or {})}
                sent_as_allowed = (run.account is None and op.roles is None) or (
                    run.account is not None
                    and identity in (None, run.account)
                    and ("cookie" in headers or identity == run.account)
                )
                if status is not None and sent_as_allowed:
                    counts = result.exercised.setdefault(op.id, [0, 0])
                    if authorized_answer(status, content):
                        counts[0] += 1
                    if 200 <= status < 300:
                        counts[1] += 1
                for check in recorder.get("checks", {}).get(cid, []):
                    if check.get("status") != "failure":
                        continue
                    info = (check.get("failure_info") or {}).get("failure") or {}
                    result.failures.append(
                        Failure(
                            run=run.name,
                            operation=op.id,
                            check=check["name"],
                            code=info.get("code", ""),
                            title=info.get("title", ""),
                            message=info.get("message", ""),
                            status=status,
                            phase=(case.get("meta") or {}).get("phase", {}).get("name", phase),
                            curl=curl_of(inter.get("request") or {}) if inter else "",
                            response=content[:600].decode("utf-8", errors="replace"),
                        )
                    )


def run_one(run: Run, args, work: Path, template: Path, by_label: dict[str, Operation]) -> RunResult:
    server = Server(args.binary, work, f"run-{run.name}", args.port, template)
    d = server.dir
    reports = d / "report"
    cfg = write_config(run, d, args)
    ids = "|".join(re.escape(o.id) for o in run.operations)
    cmd = [
        str(args.st),
        "--config-file",
        str(cfg),
        "run",
        f"{server.base}/api/openapi.json",
        "--checks",
        "all",
        "--include-operation-id-regex",
        f"^({ids})$",
        "--report",
        "ndjson,junit",
        "--report-dir",
        str(reports),
        "--no-color",
    ]
    env = dict(os.environ)
    env.update(
        TONGYAO_CONTRACT_ALLOWANCES=str(ALLOWANCES),
        TONGYAO_CONTRACT_USAGE=str(args.out / "allowance-usage.jsonl"),
        TONGYAO_CONTRACT_RUN=run.name,
        TONGYAO_CONTRACT_ACTOR_ID=str(run.actor_id or ""),
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    server.start()
    t0 = time.monotonic()
    try:
        with open(d / "schemathesis.log", "w", encoding="utf-8") as log:
            proc = subprocess.run(cmd, cwd=d, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.run_timeout)
    finally:
        server.stop()
    result = RunResult(run, time.monotonic() - t0, proc.returncode)
    reports_found = sorted(reports.glob("*.ndjson"))
    if not reports_found:
        result.errors.append("no NDJSON report; schemathesis said:\n" + (d / "schemathesis.log").read_text()[-4000:])
    for nd in reports_found:
        parse_report(result, nd, by_label)
    # Keep what a person needs to look into a failure.
    keep = args.out / "runs" / run.name
    keep.mkdir(parents=True, exist_ok=True)
    for p in [d / "schemathesis.log", d / "server.log", cfg, *reports_found, *reports.glob("*.xml")]:
        if p.exists():
            shutil.copy(p, keep / p.name)
    return result


# ---------------------------------------------------------------------------------------------
# Examples that go stale

DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def request_example_dates(doc: dict) -> list[tuple[str, str]]:
    """(where, date) for every date written in an example a client would send: examples of
    parameters and request bodies, and of the schemas they reach."""
    schemas = doc.get("components", {}).get("schemas", {})
    found: list[tuple[str, str]] = []
    seen: set[str] = set()

    def dates_in(value, where: str) -> None:
        if isinstance(value, str):
            found.extend((where, m.group(0)) for m in DATE.finditer(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                dates_in(v, f"{where}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                dates_in(v, f"{where}[{i}]")

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    walk(schemas.get(name, {}), f"components.schemas.{name}")
            for k, v in node.items():
                if k == "example":
                    dates_in(v, f"{where}.example")
                elif k == "examples":
                    dates_in(v, f"{where}.examples")
                else:
                    walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = op.get("operationId", f"{method} {path}")
            walk(op.get("parameters", []), f"{where}.parameters")
            walk(op.get("requestBody", {}), f"{where}.requestBody")
    return found


def china_today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


# ---------------------------------------------------------------------------------------------
# Report


def first_line(s: str) -> str:
    return s.strip().splitlines()[0] if s.strip() else ""


def group_failures(failures: list[Failure]) -> list[tuple[tuple, list[Failure]]]:
    groups: dict[tuple, list[Failure]] = {}
    for f in failures:
        msg = first_line(f.message)
        # ST103/ST105/ST202 messages name the status or type; schema violations name the fields.
        key = (f.operation, f.check, f.code, f.status, msg[:160])
        groups.setdefault(key, []).append(f)
    return sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][3])))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", type=Path, required=True)
    p.add_argument("--st", type=Path, required=True, help="the schemathesis `st` executable")
    p.add_argument("--port", type=int, default=default_port())
    p.add_argument("--out", type=Path, required=True, help="where reports and the summary are kept")
    p.add_argument("--seed", type=int, default=int(os.environ.get("TONGYAO_CONTRACT_SEED", "20261202")))
    p.add_argument("--max-examples", type=int, default=int(os.environ.get("TONGYAO_CONTRACT_MAX_EXAMPLES", "25")))
    p.add_argument("--max-steps", type=int, default=int(os.environ.get("TONGYAO_CONTRACT_MAX_STEPS", "20")))
    p.add_argument("--max-response-time", type=float, default=10.0)
    p.add_argument("--request-timeout", type=float, default=30.0)
    p.add_argument("--run-timeout", type=int, default=900)
    p.add_argument("--only", help="comma-separated run names (debugging; coverage is then not enforced)")
    args = p.parse_args()

    allowances = tomllib.loads(ALLOWANCES.read_text(encoding="utf-8"))
    for kind in ("allowance", "guard"):
        for i, a in enumerate(allowances.get(kind, [])):
            if not str(a.get("reason", "")).strip():
                raise SystemExit(f"contract: {kind} #{i + 1} in {ALLOWANCES} has no reason")

    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="tongyao-contract-"))
    started = time.monotonic()
    try:
        # A private copy: a build in another work tree sharing the cargo target directory must not
        # swap the binary under a running test.
        binary = work / "tongyao"
        shutil.copy2(args.binary, binary)
        args.binary = binary
        template_server = Server(args.binary, work, "template", args.port, None)
        template_server.cli("demo")
        template = template_server.db

        planner = Server(args.binary, work, "plan", args.port, template)
        planner.start()
        try:
            with urllib.request.urlopen(planner.base + "/api/openapi.json", timeout=30) as r:
                doc = json.loads(r.read())
            people = {u: who_is(planner.base, u) for u in dict.fromkeys([*ACCOUNTS, *OWN_CREDENTIALS.values()])}
        finally:
            planner.stop()
        (args.out / "openapi.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False))
        ops = operations_of(doc)
        by_label = {o.label: o for o in ops}
        runs = make_plan(ops, people)
        if args.only:
            wanted = set(args.only.split(","))
            runs = [r for r in runs if r.name in wanted]

        print(f"contract: {len(ops)} operations in the document; {len(runs)} runs, seed {args.seed}, "
              f"max {args.max_examples} examples per operation and phase")
        for r in runs:
            who = r.account or "no session"
            roles = ",".join(sorted(r.roles)) if r.roles else "-"
            peers = f", peers {','.join(r.peers)}" if r.peers else ""
            print(f"  {r.name:24} as {who} ({roles}{peers}): {len(r.operations)} operations")

        results = []
        for r in runs:
            res = run_one(r, args, work, template, by_label)
            results.append(res)
            print(
                f"contract: run {r.name}: {res.cases} cases, {len(res.failures)} failed checks, "
                f"schemathesis exit {res.exit_code}, {res.seconds:.0f} s",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    return report(args, doc, ops, results, allowances, time.monotonic() - started)


def report(args, doc, ops, results, allowances, seconds) -> int:
    ok = True
    # Coverage: operation -> best evidence across runs.
    print("\n== Coverage: every operation answered past authorization to an allowed identity")
    coverage = {}
    for o in ops:
        rows = []
        for res in results:
            if o in res.run.operations:
                counts = res.exercised.get(o.id, [0, 0])
                rows.append((res.run.name, counts[0], counts[1]))
        coverage[o.id] = rows
        passed = any(r[1] > 0 for r in rows)
        if not args.only and not passed:
            ok = False
        mark = "ok " if passed else "NOT"
        runs_txt = "; ".join(f"{n}: {a} authorized, {s} 2xx" for n, a, s in rows) or "no run"
        print(f"  {mark} {o.id:24} {runs_txt}")

    today = china_today()
    dated = request_example_dates(doc)
    print(f"\n== Request examples with a fixed date (today in China: {today})")
    for where, d in dated:
        stale = d < today
        if stale:
            ok = False
        print(f"  {'STALE' if stale else 'fixed'} {d} in {where}")
    if not dated:
        print("  none")

    failures = [f for res in results for f in res.failures]
    groups = group_failures(failures)
    print(f"\n== Failures: {len(failures)} failed checks in {len(groups)} groups")
    for (op, check, code, status, msg), items in groups:
        f = items[0]
        runs_txt = ",".join(sorted({i.run for i in items}))
        print(f"\n-- {op} · {check} ({code} {f.title}) · status {status} · {len(items)}x · runs {runs_txt}")
        for line in f.message.strip().splitlines()[:6]:
            print(f"   {line}")
        if f.curl:
            print(f"   $ {f.curl[:1500]}")
        if f.response:
            print(f"   -> {f.response[:300]}")
    if failures:
        ok = False

    errors = [(res.run.name, e) for res in results for e in res.errors]
    for name, e in errors:
        ok = False
        print(f"\n== schemathesis error in run {name}:\n{e}")
    for res in results:
        if res.exit_code != 0 and not res.failures and not res.errors:
            ok = False
            log = (args.out / "runs" / res.run.name / "schemathesis.log").read_text(errors="replace")
            print(f"\n== run {res.run.name}: schemathesis exited {res.exit_code}:\n{log[-3000:]}")

    usage_path = args.out / "allowance-usage.jsonl"
    usage = [json.loads(line) for line in usage_path.read_text().splitlines()] if usage_path.exists() else []
    print("\n== Allowances (scripts/contract/allowances.toml)")
    for kind in ("allowance", "guard"):
        for i, a in enumerate(allowances.get(kind, [])):
            n = sum(1 for u in usage if u["kind"] == kind and u["index"] == i)
            what = f"{a.get('operation')} · {a.get('check', a.get('path_parameter', ''))}"
            note = "" if n else "  (unused in this run: remove it if it no longer applies)"
            print(f"  {kind} #{i + 1}: {what}: used {n}x{note}")
    if not allowances.get("allowance") and not allowances.get("guard"):
        print("  none")

    summary = {
        "seconds": round(seconds, 1),
        "runs": [
            {
                "name": r.run.name,
                "account": r.run.account,
                "operations": [o.id for o in r.run.operations],
                "cases": r.cases,
                "failed_checks": len(r.failures),
                "exit_code": r.exit_code,
                "seconds": round(r.seconds, 1),
            }
            for r in results
        ],
        "coverage": coverage,
        "failures": [
            {
                "operation": k[0],
                "check": k[1],
                "code": k[2],
                "status": k[3],
                "message": items[0].message,
                "count": len(items),
                "runs": sorted({i.run for i in items}),
                "phases": sorted({i.phase for i in items}),
                "curl": items[0].curl,
                "response": items[0].response,
            }
            for k, items in groups
        ],
        "errors": [{"run": n, "error": e} for n, e in errors],
        "example_dates": [{"where": w, "date": d, "stale": d < today} for w, d in dated],
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    verdict = "passed" if ok else "FAILED"
    print(f"\ncontract test {verdict} in {seconds:.0f} s (reports: {args.out})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
