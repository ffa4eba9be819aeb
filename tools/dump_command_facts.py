#!/usr/bin/python3
"""Dump the interface facts of every command from a running reference server.

The command table of tessera (node/server/command_facts.json) is the interface
clients see through COMMAND INFO and COMMAND DOCS: arity, flags, ACL
categories, command tips, key specs, the legacy first/last/step triple, and
the documentation facts (since, group, complexity, history, deprecation,
argument tree).  This tool asks a reference server (Debian's redis-server
7.0, whose interface Valkey 8 shares for these commands) for exactly that and
writes it as one JSON record per command, subcommands as their own records
named "container|sub".

Prose is left out on purpose: the command summaries and key-spec notes are
written by us in node/server/command_summaries.txt.  A record only says
"notes": true on a key spec where the reference has a note, so the generator
can insist that we wrote one.

Usage:
  tools/dump_command_facts.py [-o node/server/command_facts.json]
        [--port N]            use a server already listening on 127.0.0.1:N
        [--server PATH]       else start this binary (default /usr/bin/redis-server)

Standard library only.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


# --- A minimal RESP3 client ---

class Resp3:
    """Just enough RESP3 to read COMMAND and COMMAND DOCS replies.  Maps come
    back as lists of (key, value) pairs so their order is preserved."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.rfile = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.rfile.readline()
        if not line.endswith(b"\r\n"):
            raise IOError("connection closed")
        kind, rest = chr(line[0]), line[1:-2]
        if kind == "+":
            return rest.decode()
        if kind == "-":
            raise RuntimeError(rest.decode())
        if kind == ":":
            return int(rest)
        if kind in "$=":
            length = int(rest)
            if length < 0:
                return None
            data = self.rfile.read(length + 2)[:-2].decode()
            return data[4:] if kind == "=" else data
        if kind in "*~>":
            length = int(rest)
            return None if length < 0 else [self.read() for _ in range(length)]
        if kind == "%":
            return [(self.read(), self.read()) for _ in range(int(rest))]
        if kind == "_":
            return None
        if kind == "#":
            return rest == b"t"
        raise IOError("unexpected reply type %r" % kind)

    def close(self):
        self.sock.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary):
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="dump-command-facts-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            Resp3(port).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("reference server did not start")


# --- Conversion of the replies into records ---

def keyspec_record(pairs):
    spec = dict(pairs)
    rec = {"flags": spec["flags"]}
    if "notes" in spec:
        rec["notes"] = True
    bs = dict(spec["begin_search"])
    bs_spec = dict(bs["spec"])
    if bs["type"] == "index":
        rec["begin_search"] = {"index": bs_spec["index"]}
    elif bs["type"] == "keyword":
        rec["begin_search"] = {"keyword": bs_spec["keyword"], "startfrom": bs_spec["startfrom"]}
    else:
        rec["begin_search"] = {"unknown": True}
    fk = dict(spec["find_keys"])
    fk_spec = dict(fk["spec"])
    if fk["type"] == "range":
        rec["find_keys"] = {k: fk_spec[k] for k in ("lastkey", "keystep", "limit")}
    elif fk["type"] == "keynum":
        rec["find_keys"] = {k: fk_spec[k] for k in ("keynumidx", "firstkey", "keystep")}
    else:
        rec["find_keys"] = {"unknown": True}
    return rec


ARG_FIELDS = ("name", "type", "display_text", "key_spec_index", "token", "since",
              "flags", "deprecated_since")


def arg_record(pairs):
    arg = dict(pairs)
    rec = {k: arg[k] for k in ARG_FIELDS if k in arg}
    if "arguments" in arg:
        rec["arguments"] = [arg_record(a) for a in arg["arguments"]]
    return rec


DOC_FIELDS = ("since", "group", "complexity", "doc_flags", "deprecated_since", "replaced_by",
              "history")


def info_record(entry, out):
    name, arity, flags, first, last, step, acl, tips, specs, subs = entry
    rec = {
        "name": name,
        "arity": arity,
        "flags": [f for f in flags if f != "movablekeys"],
        "acl": [c.lstrip("@") for c in acl],
        "legacy": [first, last, step],
        "movablekeys": "movablekeys" in flags,
    }
    if tips:
        rec["tips"] = tips
    if specs:
        rec["key_specs"] = [keyspec_record(s) for s in specs]
    out[name] = rec
    for sub in subs:
        info_record(sub, out)


def docs_record(name, pairs, out):
    doc = dict(pairs)
    rec = out[name]
    for field in DOC_FIELDS:
        if field in doc:
            rec[field] = doc[field]
    if "arguments" in doc:
        rec["args"] = [arg_record(a) for a in doc["arguments"]]
    for sub_name, sub_pairs in doc.get("subcommands", []):
        docs_record(sub_name, sub_pairs, out)


def collect(port):
    conn = Resp3(port)
    conn.call("HELLO", "3")
    records = {}
    for entry in conn.call("COMMAND"):
        info_record(entry, records)
    for name, pairs in conn.call("COMMAND", "DOCS"):
        docs_record(name, pairs, records)
    conn.close()
    return [records[k] for k in sorted(records)]


# --- Output: one record per command, short parts kept on one line ---

def render(value, indent=0, width=100):
    flat = json.dumps(value, separators=(", ", ": "))
    if len(flat) + indent <= width or not isinstance(value, (dict, list)):
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = ['%s"%s": %s' % (pad, k, render(v, indent + 2, width)) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + render(v, indent + 2, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def write_records(records, path):
    body = ",\n".join(render(r) for r in records)
    text = "[\n" + body + "\n]\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", default="node/server/command_facts.json")
    parser.add_argument("--port", type=int)
    parser.add_argument("--server", default="/usr/bin/redis-server")
    opts = parser.parse_args()
    proc = None
    port = opts.port
    if port is None:
        proc, port = start_server(opts.server)
    try:
        records = collect(port)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    write_records(records, opts.output)
    print("%d commands written to %s" % (len(records), opts.output), file=sys.stderr)


if __name__ == "__main__":
    main()
