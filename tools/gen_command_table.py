#!/usr/bin/python3
"""Generate the command metadata table (C) from the command descriptions.

Inputs (all in node/server/):
  command_facts.json        interface facts of every command, dumped from a
                            reference server by tools/dump_command_facts.py
  command_facts_extra.json  hand-written records: commands the reference lacks
                            (Valkey 8 additions) and flags it does not show
                            ("hidden_flags": may_replicate, protected, ...);
                            a record whose name exists in the facts overrides
                            the fields it has
  command_summaries.txt     our one-line summaries and key-spec notes

Outputs (into the build directory, never committed):
  --output FILE   C source defining `serverCommand commandMetadata[]`
                  (top-level commands, sorted, {NULL}-terminated; each
                  container's subcommands in their own array)
  --expect FILE   C fragment for the unit tests: the legacy first/last/step
                  triple and movablekeys flag the reference reports for each
                  command, so the test can check what command.c derives

Standard library only.  Any inconsistency (unknown flag, missing summary, key
spec index out of range, ...) stops the build with a message.
"""

import argparse
import json
import os
import re
import sys

CMD_FLAGS = {
    "write": "CMD_WRITE", "readonly": "CMD_READONLY", "denyoom": "CMD_DENYOOM",
    "module": "CMD_MODULE", "admin": "CMD_ADMIN", "pubsub": "CMD_PUBSUB",
    "noscript": "CMD_NOSCRIPT", "blocking": "CMD_BLOCKING", "loading": "CMD_LOADING",
    "stale": "CMD_STALE", "skip_monitor": "CMD_SKIP_MONITOR", "skip_slowlog": "CMD_SKIP_SLOWLOG",
    "asking": "CMD_ASKING", "fast": "CMD_FAST", "no_auth": "CMD_NO_AUTH",
    "no_mandatory_keys": "CMD_NO_MANDATORY_KEYS", "no_async_loading": "CMD_NO_ASYNC_LOADING",
    "no_multi": "CMD_NO_MULTI", "allow_busy": "CMD_ALLOW_BUSY",
}
HIDDEN_FLAGS = {
    "may_replicate": "CMD_MAY_REPLICATE", "sentinel": "CMD_SENTINEL",
    "only_sentinel": "CMD_ONLY_SENTINEL", "protected": "CMD_PROTECTED",
    "touches_arbitrary_keys": "CMD_TOUCHES_ARBITRARY_KEYS",
}
ACL_CATEGORIES = [
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
]
KEYSPEC_FLAGS = {
    "RO": "KS_RO", "RW": "KS_RW", "OW": "KS_OW", "RM": "KS_RM", "access": "KS_ACCESS",
    "update": "KS_UPDATE", "insert": "KS_INSERT", "delete": "KS_DELETE",
    "not_key": "KS_NOT_KEY", "incomplete": "KS_INCOMPLETE", "variable_flags": "KS_VARIABLE_FLAGS",
}
ARG_TYPES = {
    "string": "ARG_STRING", "integer": "ARG_INTEGER", "double": "ARG_DOUBLE", "key": "ARG_KEY",
    "pattern": "ARG_PATTERN", "unix-time": "ARG_UNIX_TIME", "pure-token": "ARG_PURE_TOKEN",
    "oneof": "ARG_ONEOF", "block": "ARG_BLOCK",
}
ARG_FLAGS = {"optional": "ARG_OPTIONAL", "multiple": "ARG_MULTIPLE",
             "multiple_token": "ARG_MULTIPLE_TOKEN"}
DOC_FLAGS = {"deprecated": "CMD_DOC_DEPRECATED", "syscmd": "CMD_DOC_SYSCMD"}
RECORD_FIELDS = {
    "name", "arity", "flags", "hidden_flags", "acl", "legacy", "movablekeys", "tips",
    "key_specs", "since", "group", "complexity", "doc_flags", "deprecated_since",
    "replaced_by", "history", "args",
}
ARG_FIELDS = {"name", "type", "display_text", "key_spec_index", "token", "since", "flags",
              "deprecated_since", "arguments"}


class TableError(Exception):
    pass


def fail(where, message):
    raise TableError("%s: %s" % (where, message))


# --- Loading and checking ---

def load_records(facts_path, extra_path):
    with open(facts_path) as f:
        facts = json.load(f)
    with open(extra_path) as f:
        extra = json.load(f)
    records = {}
    for rec in facts:
        if rec["name"] in records:
            fail(facts_path, "duplicate record %r" % rec["name"])
        records[rec["name"]] = rec
    for rec in extra:
        name = rec["name"]
        if name in records:
            records[name] = dict(records[name], **rec)
        else:
            records[name] = dict(rec)
    return records


def load_summaries(path):
    summaries = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if "\t" not in line:
                fail("%s:%d" % (path, lineno), "expected <name><TAB><text>")
            name, text = line.split("\t", 1)
            if name in summaries:
                fail("%s:%d" % (path, lineno), "duplicate entry %r" % name)
            if not text.strip():
                fail("%s:%d" % (path, lineno), "empty text")
            summaries[name] = text
    return summaries


def check_flags(where, names, table):
    for name in names:
        if name not in table:
            fail(where, "unknown flag %r" % name)


def check_args(where, args, num_specs):
    for arg in args:
        extra = set(arg) - ARG_FIELDS
        if extra:
            fail(where, "unknown argument fields %s" % sorted(extra))
        if arg.get("type") not in ARG_TYPES:
            fail(where, "argument %r has bad type %r" % (arg.get("name"), arg.get("type")))
        check_flags(where, arg.get("flags", []), ARG_FLAGS)
        if arg["type"] == "key":
            idx = arg.get("key_spec_index")
            if not isinstance(idx, int) or not 0 <= idx < num_specs:
                fail(where, "key argument %r: key_spec_index out of range" % arg["name"])
        if arg["type"] in ("oneof", "block"):
            if not arg.get("arguments"):
                fail(where, "%s argument %r has no sub-arguments" % (arg["type"], arg["name"]))
            check_args(where, arg["arguments"], num_specs)
        elif "arguments" in arg:
            fail(where, "argument %r of type %s has sub-arguments" % (arg["name"], arg["type"]))


def check_keyspec(where, spec):
    check_flags(where, spec.get("flags", []), KEYSPEC_FLAGS)
    bs, fk = spec.get("begin_search", {}), spec.get("find_keys", {})
    if not (set(bs) in ({"index"}, {"keyword", "startfrom"}, {"unknown"})):
        fail(where, "bad begin_search %r" % bs)
    if not (set(fk) in ({"lastkey", "keystep", "limit"}, {"keynumidx", "firstkey", "keystep"},
                        {"unknown"})):
        fail(where, "bad find_keys %r" % fk)
    if "index" in bs and bs["index"] < 1:
        fail(where, "begin_search index must be >= 1")
    if fk.get("keystep", 1) < 1:
        fail(where, "keystep must be >= 1")


def check_record(rec, summaries, containers):
    name = rec["name"]
    where = "command %r" % name
    extra = set(rec) - RECORD_FIELDS
    if extra:
        fail(where, "unknown fields %s" % sorted(extra))
    if not re.fullmatch(r"[a-z0-9_\-]+(\|[a-z0-9_\-]+)?", name):
        fail(where, "names are lower-case words, subcommands 'container|sub'")
    if "|" in name and name.split("|")[0] not in containers:
        fail(where, "container %r has no record" % name.split("|")[0])
    for field in ("arity", "flags", "acl", "since", "group"):
        if field not in rec:
            fail(where, "missing %r" % field)
    if not isinstance(rec["arity"], int) or rec["arity"] == 0:
        fail(where, "arity must be a non-zero integer")
    check_flags(where, rec["flags"], CMD_FLAGS)
    check_flags(where, rec.get("hidden_flags", []), HIDDEN_FLAGS)
    check_flags(where, rec["acl"], dict.fromkeys(ACL_CATEGORIES))
    check_flags(where, rec.get("doc_flags", []), DOC_FLAGS)
    specs = rec.get("key_specs", [])
    for i, spec in enumerate(specs):
        check_keyspec("%s key spec %d" % (where, i), spec)
        if spec.get("notes") and "%s#%d" % (name, i) not in summaries:
            fail(where, "key spec %d needs a note '%s#%d' in the summaries" % (i, name, i))
    check_args(where, rec.get("args", []), len(specs))
    if name not in summaries:
        fail(where, "no summary in the summaries file")
    for pair in rec.get("history", []):
        if len(pair) != 2:
            fail(where, "history entries are [version, change]")


def check_all(records, summaries):
    containers = {n for n in records if "|" not in n}
    for name in sorted(records):
        check_record(records[name], summaries, containers)
    for key in summaries:
        base, _, spec = key.partition("#")
        if base not in records:
            fail("summaries", "entry %r names no command" % key)
        if spec:
            specs = records[base].get("key_specs", [])
            if not spec.isdigit() or int(spec) >= len(specs):
                fail("summaries", "entry %r names no key spec" % key)


# --- C emission ---

def c_string(text):
    if text is None:
        return "NULL"
    out = ['"']
    for ch in text.encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127 and c != "?":
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    out.append('"')
    return "".join(out)


def c_flags(names, table):
    parts = [table[n] for n in names]
    return " | ".join(parts) if parts else "0"


def c_ident(name):
    return re.sub(r"[^A-Za-z0-9]", "_", name)


class Emitter:
    def __init__(self, summaries):
        self.summaries = summaries
        self.lines = []
        self.counter = 0

    def fresh(self, prefix, name):
        self.counter += 1
        return "%s_%s_%d" % (prefix, c_ident(name), self.counter)

    def emit_strings(self, prefix, name, strings):
        ident = self.fresh(prefix, name)
        body = ", ".join(c_string(s) for s in strings)
        self.lines.append("static const char *const %s[] = {%s, NULL};" % (ident, body))
        return ident

    def emit_keyspecs(self, rec):
        ident = self.fresh("keyspecs", rec["name"])
        self.lines.append("static const keySpec %s[] = {" % ident)
        for i, spec in enumerate(rec["key_specs"]):
            bs, fk = spec["begin_search"], spec["find_keys"]
            if "index" in bs:
                bs_c = ".bsType = KSPEC_BS_INDEX, .bs.index = {%d}" % bs["index"]
            elif "keyword" in bs:
                bs_c = ".bsType = KSPEC_BS_KEYWORD, .bs.keyword = {%s, %d}" % (
                    c_string(bs["keyword"]), bs["startfrom"])
            else:
                bs_c = ".bsType = KSPEC_BS_UNKNOWN"
            if "lastkey" in fk:
                fk_c = ".fkType = KSPEC_FK_RANGE, .fk.range = {%d, %d, %d}" % (
                    fk["lastkey"], fk["keystep"], fk["limit"])
            elif "keynumidx" in fk:
                fk_c = ".fkType = KSPEC_FK_KEYNUM, .fk.keynum = {%d, %d, %d}" % (
                    fk["keynumidx"], fk["firstkey"], fk["keystep"])
            else:
                fk_c = ".fkType = KSPEC_FK_UNKNOWN"
            notes = self.summaries.get("%s#%d" % (rec["name"], i)) if spec.get("notes") else None
            self.lines.append("    {.flags = %s, %s, %s, .notes = %s}," % (
                c_flags(spec["flags"], KEYSPEC_FLAGS), bs_c, fk_c, c_string(notes)))
        self.lines.append("};")
        return ident

    def emit_args(self, name, args):
        subs = [self.emit_args(name, a["arguments"]) if "arguments" in a else None for a in args]
        ident = self.fresh("args", name)
        self.lines.append("static const commandArg %s[] = {" % ident)
        for arg, sub in zip(args, subs):
            fields = [
                ".name = %s" % c_string(arg["name"]),
                ".type = %s" % ARG_TYPES[arg["type"]],
                ".keySpecIndex = %d" % arg.get("key_spec_index", -1),
            ]
            for key, field in (("token", "token"), ("since", "since"),
                               ("display_text", "displayText"),
                               ("deprecated_since", "deprecatedSince")):
                if key in arg:
                    fields.append(".%s = %s" % (field, c_string(arg[key])))
            if arg.get("flags"):
                fields.append(".flags = %s" % c_flags(arg["flags"], ARG_FLAGS))
            if sub:
                fields.append(".subargs = %s" % sub)
            self.lines.append("    {%s}," % ", ".join(fields))
        self.lines.append("    {0}};")
        return ident

    def command_initializer(self, rec, subs_ident):
        name = rec["name"]
        flags = c_flags(rec["flags"], CMD_FLAGS)
        if rec.get("hidden_flags"):
            flags += " | " + c_flags(rec["hidden_flags"], HIDDEN_FLAGS)
        acl = c_flags(rec["acl"], {c: "ACL_" + c.upper() for c in ACL_CATEGORIES})
        fields = [
            ".name = %s" % c_string(name.split("|")[-1]),
            ".arity = %d" % rec["arity"],
            ".flags = %s" % flags,
            ".aclCategories = %s" % acl,
        ]
        if rec.get("key_specs"):
            fields.append(".keySpecs = %s" % self.emit_keyspecs(rec))
            fields.append(".numKeySpecs = %d" % len(rec["key_specs"]))
        if subs_ident:
            fields.append(".subcommands = %s" % subs_ident)
        fields.append(".summary = %s" % c_string(self.summaries[name]))
        for key, field in (("since", "since"), ("group", "group"), ("complexity", "complexity"),
                           ("deprecated_since", "deprecatedSince"),
                           ("replaced_by", "replacedBy")):
            if key in rec:
                fields.append(".%s = %s" % (field, c_string(rec[key])))
        if rec.get("args"):
            fields.append(".args = %s" % self.emit_args(name, rec["args"]))
        if rec.get("history"):
            flat = [s for pair in rec["history"] for s in pair]
            fields.append(".history = %s" % self.emit_strings("history", name, flat))
        if rec.get("doc_flags"):
            fields.append(".docFlags = %s" % c_flags(rec["doc_flags"], DOC_FLAGS))
        if rec.get("tips"):
            fields.append(".tips = %s" % self.emit_strings("tips", name, rec["tips"]))
        return "    {" + ",\n     ".join(fields) + "},"

    def emit_array(self, ident, records, subs_of, storage="static "):
        entries = []
        for rec in records:
            subs = subs_of.get(rec["name"])
            subs_ident = None
            if subs:
                subs_ident = self.fresh("subcommands", rec["name"])
                self.emit_array(subs_ident, subs, {})
            entries.append(self.command_initializer(rec, subs_ident))
        self.lines.append("%sserverCommand %s[] = {" % (storage, ident))
        self.lines.extend(entries)
        self.lines.append("    {0}};")
        self.lines.append("")


def generate_table(records, summaries, sources):
    top = [records[n] for n in sorted(records) if "|" not in n]
    subs_of = {}
    for name in sorted(records):
        if "|" in name:
            subs_of.setdefault(name.split("|")[0], []).append(records[name])
    em = Emitter(summaries)
    em.lines += [
        "/* command_table.c — GENERATED by tools/gen_command_table.py from",
        " * %s.  Do not edit: change the inputs." % ", ".join(sources),
        " * %d top-level commands, %d subcommands. */" % (len(top), len(records) - len(top)),
        "#include <stddef.h>",
        "",
        '#include "node/server/command.h"',
        "",
        "extern serverCommand commandMetadata[];",
        "",
    ]
    em.emit_array("commandMetadata", top, subs_of, storage="")
    return "\n".join(em.lines)


def generate_expect(records):
    lines = [
        "/* GENERATED by tools/gen_command_table.py: what the reference server reports",
        " * for each command's legacy first/last/step and movablekeys. */",
    ]
    for name in sorted(records):
        rec = records[name]
        if "legacy" not in rec:
            continue
        first, last, step = rec["legacy"]
        lines.append("{%s, %d, %d, %d, %d}," % (c_string(name), first, last, step,
                                                 1 if rec.get("movablekeys") else 0))
    return "\n".join(lines) + "\n"


def write_file(path, text):
    """Write through a temporary file so an interrupted run leaves no half
    table behind for make to trust."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--srcdir", default=".")
    parser.add_argument("--output")
    parser.add_argument("--expect")
    opts = parser.parse_args()
    base = os.path.join(opts.srcdir, "node", "server")
    names = ["command_facts.json", "command_facts_extra.json", "command_summaries.txt"]
    facts, extra, summ = (os.path.join(base, n) for n in names)
    try:
        records = load_records(facts, extra)
        summaries = load_summaries(summ)
        check_all(records, summaries)
    except (TableError, OSError, ValueError, KeyError) as err:
        print("gen_command_table: %s" % err, file=sys.stderr)
        return 1
    if opts.output:
        write_file(opts.output, generate_table(records, summaries,
                                                     ["node/server/" + n for n in names]))
    if opts.expect:
        write_file(opts.expect, generate_expect(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
