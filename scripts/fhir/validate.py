#!/usr/bin/env python3
"""Validate a FHIR R5 Bundle (JSON file) with an implementation independent of tongyao.

1. fhir.resources (R5 models, pinned in requirements.txt) parses the Bundle and every entry's
   resource by its resourceType: unknown or misplaced elements, wrong shapes (a list where R5 has
   one Reference), missing required elements, malformed primitives (ids, instants, URIs, ...).
2. What those models accept but R5 does not, checked beside them by walking the JSON with the
   models' own element definitions:
   - FHIR JSON (json.html): no null, blank string, empty array or empty object; decimals and
     integers are JSON numbers and booleans JSON booleans (the models also take "8.50" and
     "true"); no property twice;
   - codes of required bindings are in their value set (the models' `enum_values`), e.g.
     MedicationKnowledge.status;
   - references: a local one (#id) resolves to a contained resource, and a reference that is a
     fullUrl of the Bundle (and every urn:uuid / urn:oid one, which can only be resolved inside
     it) to an entry, each to a resource of a type the element allows; every contained resource
     is referenced (dom-3) and contains none (dom-2);
   - Bundle: fullUrls unique and absolute (an URL, urn:uuid or urn:oid), a resource in each entry
     of a collection, `total` only in a searchset or history (bdl-1), ext-1 on extensions.

Every error is printed with the index of its Bundle entry. Exit status 1 on any error, or when
the Bundle has no entries (or fewer than --min, per resource type); 0 otherwise.

    validate.py BUNDLE.json [--min MedicationKnowledge=442 ...]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import types
import typing
from collections import Counter
from pathlib import Path

from fhir.resources import __fhir_version__, __version__, get_fhir_model_class
from pydantic import BaseModel, ValidationError

NUMBER_TYPES = {"Decimal": "decimal", "Integer": "integer", "PositiveInt": "integer", "UnsignedInt": "integer"}
UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OID_URN = re.compile(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$")
ABSOLUTE_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")
MAX_SHOWN = 200


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"property {k!r} appears twice in one object")
        seen[k] = v
    return seen


def primitive_kind(annotation) -> str | None:
    """'decimal', 'integer', 'boolean' or 'string' for a primitive element, None for a complex one."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return primitive_kind(inner[0]) if len(inner) == 1 else None
    if origin in (list, typing.List):
        return primitive_kind(typing.get_args(annotation)[0])
    if origin is typing.Annotated:
        _, *meta = typing.get_args(annotation)
        marker = type(meta[0]).__name__ if meta else ""
        return NUMBER_TYPES.get(marker, "string")  # integer64 travels as a string too
    if annotation is bool:
        return "boolean"
    if annotation in (str,):
        return "string"
    return None


_fields: dict[type, dict[str, tuple[str, object]]] = {}


def fields_of(cls: type) -> dict[str, tuple[str, object]]:
    """JSON property → (attribute name, FieldInfo) of a model class."""
    if cls not in _fields:
        _fields[cls] = {(f.alias or name): (name, f) for name, f in cls.model_fields.items()}
    return _fields[cls]


class Walker:
    """Walks the JSON of one resource beside the model fhir.resources made of it."""

    def __init__(self, report: Report, where: str) -> None:
        self.report, self.where = report, where
        self.references: list[tuple[str, str, list[str], str | None]] = []

    def err(self, path: str, message: str) -> None:
        self.report.add(f"{self.where} {path}", message)

    def node(self, raw, model, path: str) -> None:
        if not isinstance(raw, dict):
            self.err(path, f"expected an object, found {type(raw).__name__}")
            return
        if not raw:
            self.err(path, "empty object")
            return
        if "extension" in raw or "url" in raw:
            self.extension_rule(raw, model, path)
        props = fields_of(type(model))
        for key, value in raw.items():
            where = f"{path}.{key}" if path else key
            if key == "resourceType":
                continue
            if key.startswith("_"):
                self.empties(value, where)
                continue
            if key not in props:
                continue  # fhir.resources has reported it
            name, info = props[key]
            self.element(value, getattr(model, name, None), info, where)
        if "reference" in raw and type(model).__name__ == "Reference":
            self.references.append((path, raw["reference"], [], raw.get("type")))

    def element(self, raw, value, info, path: str) -> None:
        kind = primitive_kind(info.annotation)
        extra = info.json_schema_extra or {}
        if isinstance(raw, list):
            if not raw:
                self.err(path, "empty array")
                return
            values = value if isinstance(value, list) else [None] * len(raw)
            for i, item in enumerate(raw):
                self.single(item, values[i] if i < len(values) else None, kind, extra, f"{path}[{i}]")
        else:
            self.single(raw, value, kind, extra, path)

    def single(self, raw, value, kind, extra, path: str) -> None:
        if raw is None:
            self.err(path, "null")
        elif kind is None:
            if isinstance(value, BaseModel):
                before = len(self.references)
                self.node(raw, value, path)
                allowed = extra.get("enum_reference_types")
                if allowed and len(self.references) > before:
                    p, ref, _, typ = self.references[-1]
                    if p == path:
                        self.references[-1] = (p, ref, allowed, typ)
            else:
                self.empties(raw, path)
        elif kind in ("decimal", "integer"):
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                self.err(path, f"a FHIR {kind} is a JSON number, not {json.dumps(raw, ensure_ascii=False)}")
            elif kind == "integer" and isinstance(raw, float):
                self.err(path, f"a FHIR integer has no fraction: {raw}")
        elif kind == "boolean":
            if not isinstance(raw, bool):
                self.err(path, f"a FHIR boolean is true or false, not {json.dumps(raw, ensure_ascii=False)}")
        else:
            if not isinstance(raw, str):
                self.err(path, f"expected a JSON string, found {json.dumps(raw, ensure_ascii=False)}")
            elif not raw.strip():
                self.err(path, "blank string")
            elif extra.get("enum_values") and raw not in extra["enum_values"]:
                self.err(path, f"{raw!r} is not in the required value set {extra['enum_values']}")

    def extension_rule(self, raw: dict, model, path: str) -> None:
        if type(model).__name__ != "Extension":
            return
        has_value = any(k.startswith("value") for k in raw)
        if has_value == ("extension" in raw):
            self.err(path, "an extension has either a value[x] or extensions, not both or neither (ext-1)")

    def empties(self, raw, path: str) -> None:
        if raw is None:
            self.err(path, "null")
        elif isinstance(raw, str) and not raw.strip():
            self.err(path, "blank string")
        elif isinstance(raw, list):
            if not raw:
                self.err(path, "empty array")
            for i, x in enumerate(raw):
                self.empties(x, f"{path}[{i}]")
        elif isinstance(raw, dict):
            if not raw:
                self.err(path, "empty object")
            for k, x in raw.items():
                self.empties(x, f"{path}.{k}")


def pydantic_errors(report: Report, where: str, exc: ValidationError) -> None:
    for e in exc.errors():
        loc = ""
        for p in e["loc"]:
            if isinstance(p, int):
                loc += f"[{p}]"
            elif p != "root":
                loc += f".{p}" if loc else str(p)
        report.add(f"{where} {loc or '(resource)'}", e["msg"])


def validate(bundle_path: Path, minimum: dict[str, int]) -> tuple[Report, Counter]:
    report = Report()
    counts: Counter = Counter()
    try:
        bundle = json.loads(bundle_path.read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
    except (ValueError, OSError) as e:
        report.add("Bundle", f"not JSON: {e}")
        return report, counts
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        report.add("Bundle", "the file is not a FHIR Bundle (resourceType)")
        return report, counts

    Bundle = get_fhir_model_class("Bundle")
    BundleEntry = get_fhir_model_class("BundleEntry")
    entries = bundle.get("entry")
    shell = {k: v for k, v in bundle.items() if k != "entry"}
    try:
        Walker(report, "Bundle").node(shell, Bundle.model_validate(shell), "")
    except ValidationError as e:
        pydantic_errors(report, "Bundle", e)
    if "total" in bundle and bundle.get("type") not in ("searchset", "history"):
        report.add("Bundle total", "total is only for a searchset or history (bdl-1)")
    if entries is None or entries == []:
        report.add("Bundle entry", "the Bundle has no entries" + (" (empty array)" if entries == [] else ""))
        return report, counts
    if not isinstance(entries, list):
        report.add("Bundle entry", "entry is not an array")
        return report, counts

    full_urls: dict[str, tuple[int, str]] = {}
    walkers: list[tuple[int, Walker, str, dict[str, str]]] = []
    for i, entry in enumerate(entries):
        where = f"entry[{i}]"
        if not isinstance(entry, dict) or not entry:
            report.add(where, "an entry is a non-empty object")
            continue
        resource = entry.get("resource")
        rtype = resource.get("resourceType") if isinstance(resource, dict) else None
        if isinstance(resource, dict) and resource.get("id"):
            where = f"entry[{i}] ({rtype}/{resource['id']})"
        rest = {k: v for k, v in entry.items() if k != "resource"}
        try:
            em = BundleEntry.model_validate(rest)
            if rest:
                Walker(report, where).node(rest, em, "")
        except ValidationError as e:
            pydantic_errors(report, where, e)
        url = entry.get("fullUrl")
        if isinstance(url, str):
            if not (UUID_URN.match(url) or OID_URN.match(url) or ABSOLUTE_URL.match(url)):
                report.add(f"{where} fullUrl", f"{url!r} is not an absolute URL, urn:uuid or urn:oid")
            if url in full_urls:
                report.add(f"{where} fullUrl", f"{url!r} is also entry[{full_urls[url][0]}]'s (bdl-7)")
            else:
                full_urls[url] = (i, rtype or "")
        if resource is None:
            if "request" not in entry and "response" not in entry:
                report.add(where, "an entry without request or response has a resource (bdl-5)")
            continue
        if not isinstance(resource, dict) or not isinstance(rtype, str):
            report.add(f"{where} resource", "a resource is an object with a resourceType")
            continue
        try:
            cls = get_fhir_model_class(rtype)
        except ValueError:
            report.add(f"{where} resource", f"{rtype!r} is not an R5 resource type")
            continue
        counts[rtype] += 1
        try:
            rm = cls.model_validate(resource)
        except ValidationError as e:
            pydantic_errors(report, where, e)
            continue
        w = Walker(report, where)
        w.node(resource, rm, "")
        contained: dict[str, str] = {}
        for j, c in enumerate(resource.get("contained") or []):
            if isinstance(c, dict):
                counts[c.get("resourceType")] += 1
                contained[c.get("id")] = c.get("resourceType")
                if "contained" in c:
                    w.err(f"contained[{j}].contained", "a contained resource contains none (dom-2)")
        walkers.append((i, w, rtype, contained))

    for _, w, rtype, contained in walkers:
        referenced = set()
        for path, ref, allowed, typ in w.references:
            if ref.startswith("#"):
                local = ref[1:]
                if local and local not in contained:
                    w.err(f"{path}.reference", f"{ref!r}: the resource contains no resource with id {local!r}")
                    continue
                referenced.add(local)
                target_type = contained.get(local, rtype) if local else rtype
            else:
                target = full_urls.get(ref)
                if target is None:
                    if ref.startswith("urn:"):
                        w.err(f"{path}.reference", f"{ref!r} is a URN that no entry of the Bundle has as fullUrl")
                    continue
                _, target_type = target
            if allowed and "Resource" not in allowed and target_type not in allowed:
                w.err(f"{path}.reference", f"resolves to a {target_type}; the element allows {allowed}")
            if typ and typ != target_type:
                w.err(f"{path}.type", f"says {typ} but the reference resolves to a {target_type}")
        for local in contained:
            if local not in referenced and "" not in referenced:
                w.err("contained", f"the contained resource {local!r} is not referenced (dom-3)")

    for rtype, n in minimum.items():
        if counts[rtype] < n:
            report.add("Bundle entry", f"{counts[rtype]} {rtype} resources, fewer than the {n} expected")
    return report, counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--min", action="append", default=[], metavar="TYPE=N",
                    help="require at least N resources of TYPE (repeatable)")
    args = ap.parse_args()
    minimum = {}
    for m in args.min:
        t, _, n = m.partition("=")
        minimum[t] = int(n)
    start = time.monotonic()
    report, counts = validate(args.bundle, minimum)
    took = time.monotonic() - start
    for line in report.errors[:MAX_SHOWN]:
        print(f"error: {line}")
    if len(report.errors) > MAX_SHOWN:
        print(f"... and {len(report.errors) - MAX_SHOWN} more errors")
    found = ", ".join(f"{n} {t}" for t, n in sorted(counts.items())) or "no resources"
    print(
        f"{args.bundle.name}: {len(report.errors)} errors; {found} "
        f"(fhir.resources {__version__}, FHIR {__fhir_version__}; {took:.1f} s)"
    )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
