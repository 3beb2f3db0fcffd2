"""Schemathesis hooks of the contract test (loaded by scripts/contract/run.py through the
generated schemathesis.toml). They only apply what scripts/contract/allowances.toml says:

- `[[allowance]]`: a failure of one check on one operation, matched narrowly (status, problem
  `rule`, field), is dropped (`filter_failure`) and counted, so the run report can say how often
  each allowance was used and which ones no longer match anything.
- `[[guard]]`: a request the harness must not send as generated, because it would destroy the
  run's own identity (not the service's contract), is redirected before it is sent (`before_call`)
  and counted.

Nothing else is tolerated or skipped anywhere: every check runs on every operation.
"""

from __future__ import annotations

import json
import re
import os
import tomllib

import schemathesis

_ALLOWANCES_PATH = os.environ["TONGYAO_CONTRACT_ALLOWANCES"]
_USAGE_PATH = os.environ["TONGYAO_CONTRACT_USAGE"]
_RUN = os.environ.get("TONGYAO_CONTRACT_RUN", "")
_ACTOR_ID = os.environ.get("TONGYAO_CONTRACT_ACTOR_ID", "")

with open(_ALLOWANCES_PATH, "rb") as f:
    _CONFIG = tomllib.load(f)
ALLOWANCES: list[dict] = _CONFIG.get("allowance", [])
GUARDS: list[dict] = _CONFIG.get("guard", [])


def _operation_id(operation) -> str:
    raw = getattr(getattr(operation, "definition", None), "raw", None) or {}
    return raw.get("operationId") or operation.label


def _record(kind: str, index: int, operation_id: str, detail: str) -> None:
    with open(_USAGE_PATH, "a", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {"kind": kind, "index": index, "run": _RUN, "operation": operation_id, "detail": detail},
                ensure_ascii=False,
            )
            + "\n"
        )


def _problem(response) -> dict:
    try:
        value = json.loads(response.content or b"null")
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


# A documented example must pass every check as it is: an allowance never covers the examples
# phase unless its `phases` names it.


def _phase(case) -> str:
    meta = getattr(case, "meta", None)
    phase = getattr(meta, "phase", None)
    name = getattr(phase, "name", None)
    return getattr(name, "value", name) or ""


def _matches(allowance: dict, operation_id: str, check_names: tuple[str, ...], response, phase: str) -> bool:
    if allowance.get("operation") not in (operation_id, "*"):
        return False
    phases = allowance.get("phases")
    if (phase not in phases) if phases is not None else (phase == "examples"):
        return False
    if allowance.get("check") not in check_names:
        return False
    statuses = allowance.get("status")
    if statuses is not None and (response is None or response.status_code not in statuses):
        return False
    if "rule" in allowance or "field" in allowance:
        problem = _problem(response) if response is not None else {}
        if "rule" in allowance and problem.get("rule") != allowance["rule"]:
            return False
        if "field" in allowance:
            fields = {e.get("field") for e in problem.get("errors") or [] if isinstance(e, dict)}
            if not any(_field_matches(allowance["field"], f) for f in fields if isinstance(f, str)):
                return False
    return True


def _field_matches(pattern: str, field: str) -> bool:
    """A field named exactly, or with `[*]` standing for any one index (`lines[*].price`)."""
    if "[*]" not in pattern:
        return pattern == field
    return re.fullmatch(re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]"), field) is not None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    operation_id = _operation_id(case.operation)
    check_names = tuple(getattr(failure, "checks", ()) or ())
    for index, allowance in enumerate(ALLOWANCES):
        if _matches(allowance, operation_id, check_names, response, _phase(case)):
            status = response.status_code if response is not None else None
            _record("allowance", index, operation_id, f"{failure.code} {failure.title} [{status}]")
            return False
    return True


def _guard_value(guard: dict) -> str | None:
    if guard.get("equals") == "actor_id":
        return _ACTOR_ID or None
    return None


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    if not GUARDS:
        return
    operation_id = _operation_id(case.operation)
    for index, guard in enumerate(GUARDS):
        if guard.get("operation") != operation_id:
            continue
        name = guard["path_parameter"]
        forbidden = _guard_value(guard)
        params = case.path_parameters or {}
        if forbidden is None or name not in params or str(params[name]) != forbidden:
            continue
        # Same type and shape, an id no row has: the request stays schema-valid and is answered 404.
        params[name] = int(guard["replacement"])
        _record("guard", index, operation_id, f"{name}={forbidden} -> {guard['replacement']}")
