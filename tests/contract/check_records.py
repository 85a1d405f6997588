#!/usr/bin/python3
"""Checks records read from the aftercare topics against the streaming contract.

Input: the output of `kcat -C -J` (one JSON object per record) for every topic.
Every record must be a valid CloudEvent of a documented type (its JSON Schema
in schemas/events/), carry the documented key and headers, sit in the
partition Kafka's murmur2 partitioner gives its key, and continue its
aggregate's sequence and hash chain. Exit status 0 when all hold.

Runs on Debian's /usr/bin/python3 with python3-jsonschema.
"""
import argparse
import collections
import hashlib
import json
import pathlib
import sys

import jsonschema

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
# Aggregate kind -> its topic, from the registry (--topics, written by the test).
TOPIC_OF = {}



# Event types no HTTP route writes yet (a type leaves this set with the
# route that writes it). Empty since issue 15: every registered type is
# written by the contract test's workload.
NOT_WRITTEN_BY_ANY_ROUTE_YET: set = set()

def murmur2(data: bytes) -> int:
    """org.apache.kafka.common.utils.Utils.murmur2, as a signed 32-bit int."""
    m, r, mask = 0x5BD1E995, 24, 0xFFFFFFFF
    h = (0x9747B28C ^ len(data)) & mask
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    rest = data[4 * n4:]
    if len(rest) >= 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if len(rest) >= 1:
        h ^= rest[0]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def partition_for(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def no_duplicate_keys(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"duplicate key {k!r}")
        seen[k] = v
    return seen


def load_validators(schema_dir: pathlib.Path):
    store, by_type = {}, {}
    for path in sorted(schema_dir.rglob("*.json")):
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        store[schema["$id"]] = schema
        if path.parent.name == "events":
            by_type[schema["title"]] = schema
    validators = {}
    for t, schema in by_type.items():
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        validators[t] = jsonschema.Draft202012Validator(
            schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
    return validators


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schemas", required=True, type=pathlib.Path)
    ap.add_argument("--partitions", required=True, type=int)
    ap.add_argument("--topics", required=True, type=pathlib.Path,
                    help="JSON object: aggregate kind -> topic (the registry, domain/kind.h)")
    ap.add_argument("--expect-all-types", action="store_true",
                    help="fail unless every documented event type occurs at least once")
    ap.add_argument("records", nargs="+", type=pathlib.Path)
    args = ap.parse_args()

    TOPIC_OF.update(json.loads(args.topics.read_text()))
    validators = load_validators(args.schemas)
    errors = []
    seen_types = collections.Counter()
    chains = {}  # subject -> (topic, partition, sequence, sha256 of the last event)
    count = 0
    for file in args.records:
        for line_no, line in enumerate(file.read_text().splitlines(), 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            where = f"{rec['topic']}/{rec['partition']}@{rec['offset']}"
            count += 1

            def fail(msg):
                errors.append(f"{where}: {msg}")

            headers = rec.get("headers") or []
            hdr = collections.defaultdict(list)
            for k, v in zip(headers[0::2], headers[1::2]):
                hdr[k].append(v)
            try:
                event = json.loads(rec["payload"], object_pairs_hook=no_duplicate_keys)
            except ValueError as e:
                fail(f"value is not a JSON object: {e}")
                continue
            etype = event.get("type")
            validator = validators.get(etype)
            if validator is None:
                fail(f"no schema for type {etype!r}")
                continue
            seen_types[etype] += 1
            for e in validator.iter_errors(event):
                fail(f"{etype}: {e.message} at /{'/'.join(map(str, e.absolute_path))}")
            if hdr.get("content-type") != [CONTENT_TYPE]:
                fail(f"content-type header {hdr.get('content-type')}")
            if hdr.get("ce_type") != [etype]:
                fail(f"ce_type header {hdr.get('ce_type')} for type {etype}")
            if hdr.get("ce_id") != [event.get("id")]:
                fail(f"ce_id header {hdr.get('ce_id')} for id {event.get('id')}")
            aggregate = etype.split(".")[1]
            if event.get("subject") != f"{aggregate}/{event.get('aggregateid')}":
                fail(f"subject {event.get('subject')} does not name the aggregate")
            if rec["topic"] != TOPIC_OF.get(aggregate):
                fail(f"{etype} on topic {rec['topic']}, documented: {TOPIC_OF.get(aggregate)}")
            # A dispatch or visit ("<request id>.<n>") is keyed by its request; a
            # stock item ("<warehouse>:<part>") by "<warehouse>/<part>" (docs/consumers.md).
            key = event.get("aggregateid", "")
            if aggregate in ("dispatch", "visit"):
                key = key.rsplit(".", 1)[0]
            elif aggregate == "stock":
                key = key.replace(":", "/", 1)
            if rec.get("key") != key:
                fail(f"key {rec.get('key')!r}, documented: {key!r} (aggregate {event.get('aggregateid')!r})")
            elif rec["partition"] != partition_for(rec["key"], args.partitions):
                fail(f"key {rec['key']!r} in partition {rec['partition']}, murmur2 gives "
                     f"{partition_for(rec['key'], args.partitions)}")
            subject = event.get("subject")
            digest = hashlib.sha256(rec["payload"].encode()).hexdigest()
            before = chains.get(subject)
            expected_seq = 1 if before is None else before[2] + 1
            expected_prev = "0" * 64 if before is None else before[3]
            if before and (before[0], before[1]) != (rec["topic"], rec["partition"]):
                fail(f"{subject} spans partitions: {before[0]}/{before[1]} and {rec['topic']}/{rec['partition']}")
            if event.get("sequence") != expected_seq:
                fail(f"{subject}: sequence {event.get('sequence')}, expected {expected_seq}")
            if event.get("prevhash") != expected_prev:
                fail(f"{subject}: prevhash does not chain to the previous event")
            chains[subject] = (rec["topic"], rec["partition"], event.get("sequence", 0), digest)

    if args.expect_all_types:
        # The newest version of each type: a fresh log holds no superseded
        # versions (they stay readable through upcasters and their schemas).
        newest = {}
        for t in validators:
            base, _, version = t.rpartition(".v")
            if int(version) > newest.get(base, 0):
                newest[base] = int(version)
        for t in sorted(f"{base}.v{v}" for base, v in newest.items()):
            if t not in seen_types and t not in NOT_WRITTEN_BY_ANY_ROUTE_YET:
                errors.append(f"no record of type {t} was seen")
    for e in errors[:50]:
        print("FAIL", e)
    print(f"{count} records, {len(chains)} aggregates, {len(seen_types)} of {len(validators)} "
          f"event types; {len(errors)} problems")
    for t, n in sorted(seen_types.items()):
        print(f"  {n:5d}  {t}")
    return 1 if errors or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
