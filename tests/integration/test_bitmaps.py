"""Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO,
in RESP2 and RESP3, with Valkey 8's replies and errors.  Besides the
documented examples, BITCOUNT / BITPOS / BITOP / BITFIELD are compared with
simple Python models on random data (fixed seeds), including strings long
enough to exercise the word-at-a-time paths and ranges whose ends fall
inside bytes and words."""

import os
import random

import pytest

from helpers import RespError, server_binary

REDIS_7_0 = "redis" in os.path.basename(server_binary())
valkey_only = pytest.mark.skipif(REDIS_7_0, reason="Valkey 8 behaviour (redis 7.0 differs)")

ERR_SYNTAX = "ERR syntax error"
ERR_INT = "ERR value is not an integer or out of range"
ERR_OFFSET = "ERR bit offset is not an integer or out of range"
ERR_BIT = "ERR bit is not an integer or out of range"
ERR_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. "
            "Note that u64 is not supported but i64 is.")



def error_of(client, *args):
    with pytest.raises(RespError) as e:
        client.call(*args)
    return e.value.message


# ------------------------------------------------------------------ models

def clamp_range(start, end, total):
    if start < 0:
        start += total
    if end < 0:
        end += total
    start, end = max(start, 0), max(end, 0)
    end = min(end, total - 1)
    return start, end


def bit_of(data, pos):
    return (data[pos >> 3] >> (7 - (pos & 7))) & 1 if (pos >> 3) < len(data) else 0


def model_bitcount(data, start=None, end=None, unit="BYTE"):
    if start is None:
        return sum(bin(b).count("1") for b in data)
    if start < 0 and end < 0 and start > end:
        return 0
    total = len(data) * (8 if unit == "BIT" else 1)
    start, end = clamp_range(start, end, total)
    if start > end:
        return 0
    if unit == "BIT":
        return sum(bit_of(data, i) for i in range(start, end + 1))
    return sum(bin(b).count("1") for b in data[start:end + 1])


def model_bitpos(data, bit, start=None, end=None, unit="BYTE"):
    end_given = end is not None
    unit_bits = unit == "BIT"
    total = len(data) * (8 if unit_bits else 1)
    s = 0 if start is None else start
    e = (len(data) - 1) if end is None else end
    s, e = clamp_range(s, e, total)
    if s > e:
        return -1
    lo, hi = (s, e) if unit_bits else (s * 8, e * 8 + 7)
    for i in range(lo, hi + 1):
        if bit_of(data, i) == bit:
            return i
    if bit == 0 and not end_given:
        return hi + 1
    return -1


def model_bitop(op, sources):
    maxlen = max((len(s) for s in sources), default=0)
    if maxlen == 0:
        return b""
    padded = [s + b"\x00" * (maxlen - len(s)) for s in sources]
    out = bytearray(padded[0])
    if op == "NOT":
        return bytes(~b & 0xFF for b in out)
    for src in padded[1:]:
        for i in range(maxlen):
            if op == "AND":
                out[i] &= src[i]
            elif op == "OR":
                out[i] |= src[i]
            else:
                out[i] ^= src[i]
    return bytes(out)


class BitfieldModel:
    """A bytearray with Valkey's BITFIELD semantics."""

    def __init__(self):
        self.data = bytearray()

    def get(self, offset, bits):
        v = 0
        for i in range(bits):
            v = (v << 1) | bit_of(self.data, offset + i)
        return v

    def put(self, offset, bits, value):
        for i in range(bits):
            pos = offset + i
            mask = 1 << (7 - (pos & 7))
            if (value >> (bits - 1 - i)) & 1:
                self.data[pos >> 3] |= mask
            else:
                self.data[pos >> 3] &= ~mask & 0xFF

    @staticmethod
    def signed(v, bits):
        return v - (1 << bits) if v & (1 << (bits - 1)) else v

    def grow(self, last_bit):
        need = (last_bit >> 3) + 1
        if len(self.data) < need:
            self.data += b"\x00" * (need - len(self.data))

    def run(self, ops):
        """ops: (kind, signed, bits, offset, value, overflow); returns replies."""
        writes = [o for o in ops if o[0] != "GET"]
        if writes:
            self.grow(max(o[3] + o[2] - 1 for o in writes))
        replies = []
        for kind, is_signed, bits, offset, value, overflow in ops:
            raw = self.get(offset, bits)
            old = self.signed(raw, bits) if is_signed else raw
            if kind == "GET":
                replies.append(old)
                continue
            mask = (1 << bits) - 1
            if is_signed:
                lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
                new = value if kind == "SET" else old + value
            else:
                lo, hi = 0, mask
                new = (value & 0xFFFFFFFFFFFFFFFF) if kind == "SET" else old + value
            upward = new > hi
            if is_signed and kind == "SET" and bits < 64 and new < lo and hi - new > (1 << 63) - 1:
                upward = True  # Valkey sees these as overflowing upward (its max - value wraps)
            if lo <= new <= hi:
                result = new
            elif overflow == "FAIL":
                replies.append(None)
                continue
            elif overflow == "SAT":
                result = hi if upward else lo
            else:
                result = new & mask
                if is_signed:
                    result = self.signed(result, bits)
            self.put(offset, bits, result & mask)
            replies.append(old if kind == "SET" else result)
        return replies


# ------------------------------------------------------------------ SETBIT / GETBIT

def test_setbit_getbit(rr):
    assert rr.call("SETBIT", "k", 7, 1) == 0
    assert rr.call("GET", "k") == b"\x01"
    assert rr.call("GETBIT", "k", 7) == 1
    assert rr.call("GETBIT", "k", 6) == 0
    assert rr.call("SETBIT", "k", 7, 1) == 1
    assert rr.call("SETBIT", "k", 7, 0) == 1
    assert rr.call("GET", "k") == b"\x00"
    assert rr.call("SETBIT", "k", 0, 1) == 0
    assert rr.call("GET", "k") == b"\x80"
    assert rr.call("SETBIT", "k", 100, 1) == 0
    assert rr.call("GET", "k") == b"\x80" + b"\x00" * 11 + b"\x08"
    assert rr.call("GETBIT", "k", 100) == 1
    assert rr.call("GETBIT", "k", 1000) == 0
    assert rr.call("GETBIT", "missing", 0) == 0
    assert rr.call("GETBIT", "missing", 4294967295) == 0


def test_setbit_on_existing_values(rr):
    assert rr.call("SET", "n", 1) == b"OK"  # "1" = 0x31 = 00110001
    assert [rr.call("GETBIT", "n", i) for i in range(8)] == [0, 0, 1, 1, 0, 0, 0, 1]
    assert rr.call("SETBIT", "n", 6, 1) == 0  # 0x33 = "3"
    assert rr.call("GET", "n") == b"3"
    assert rr.call("INCR", "n") == 4
    assert rr.call("SET", "s", "a", "PX", 100000) == b"OK"
    assert rr.call("SETBIT", "s", 15, 1) == 0
    assert rr.call("GET", "s") == b"a\x01"


def test_setbit_grows_with_zeros(rr):
    assert rr.call("SETBIT", "k", 8 * 100000 + 3, 1) == 0
    assert rr.call("STRLEN", "k") == 100001
    assert rr.call("GETRANGE", "k", 99999, 100000) == b"\x00\x10"
    assert rr.call("BITCOUNT", "k") == 1


@pytest.mark.parametrize("offset", [-1, "abc", "1.5", "#1", "", 4294967296, "9223372036854775807",
                                    "18446744073709551616"])
def test_setbit_getbit_bad_offset(rr, offset):
    assert error_of(rr, "SETBIT", "k", offset, 1) == ERR_OFFSET
    assert error_of(rr, "GETBIT", "k", offset) == ERR_OFFSET
    assert rr.call("GET", "k") is None


@pytest.mark.parametrize("value", [2, -1, "abc", "", "1.0", " 1", "01"])
def test_setbit_bad_value(rr, value):
    assert error_of(rr, "SETBIT", "k", 0, value) == ERR_BIT
    assert rr.call("GET", "k") is None


# ------------------------------------------------------------------ BITCOUNT

def test_bitcount_docs(rr):
    assert rr.call("SET", "mykey", "foobar") == b"OK"
    assert rr.call("BITCOUNT", "mykey") == 26
    assert rr.call("BITCOUNT", "mykey", 0, 0) == 4
    assert rr.call("BITCOUNT", "mykey", 1, 1) == 6
    assert rr.call("BITCOUNT", "mykey", 1, 1, "BYTE") == 6
    assert rr.call("BITCOUNT", "mykey", 5, 30, "BIT") == 17
    assert rr.call("BITCOUNT", "mykey", 5, 30, "bit") == 17
    assert rr.call("BITCOUNT", "mykey", -1, -1) == 4
    assert rr.call("BITCOUNT", "mykey", -1, -5) == 0
    assert rr.call("BITCOUNT", "mykey", 4, 2) == 0
    assert rr.call("BITCOUNT", "mykey", 0, 1000) == 26
    assert rr.call("BITCOUNT", "mykey", -100, 100) == 26
    assert rr.call("BITCOUNT", "mykey", 0, -100) == 4
    assert rr.call("BITCOUNT", "mykey", 7, 7, "BIT") == 0
    assert rr.call("BITCOUNT", "mykey", 1, 1, "BIT") == 1
    assert rr.call("BITCOUNT", "missing") == 0
    assert rr.call("BITCOUNT", "missing", 0, -1) == 0
    assert rr.call("SET", "n", 1234) == b"OK"
    assert rr.call("BITCOUNT", "n") == model_bitcount(b"1234")
    assert rr.call("SET", "e", "") == b"OK"
    assert rr.call("BITCOUNT", "e") == 0
    assert rr.call("BITCOUNT", "e", 0, -1, "BIT") == 0


def test_bitcount_errors(rr):
    assert rr.call("SET", "k", "foobar") == b"OK"
    assert error_of(rr, "BITCOUNT", "k", 0) == ERR_SYNTAX
    assert error_of(rr, "BITCOUNT", "k", 0, 1, "FOO") == ERR_SYNTAX
    assert error_of(rr, "BITCOUNT", "k", 0, 1, "BIT", "x") == ERR_SYNTAX
    assert error_of(rr, "BITCOUNT", "k", "a", 1) == ERR_INT
    assert error_of(rr, "BITCOUNT", "k", 0, "1.5") == ERR_INT


@valkey_only
def test_bitcount_checks_arguments_before_the_key(rr):
    assert error_of(rr, "BITCOUNT", "missing", 0) == ERR_SYNTAX
    assert error_of(rr, "BITCOUNT", "missing", "a", 1) == ERR_INT
    assert error_of(rr, "BITCOUNT", "missing", 0, 1, "FOO") == ERR_SYNTAX


def test_bitcount_random_ranges(rr):
    rnd = random.Random(11)
    for size in [1, 7, 8, 9, 31, 32, 33, 64, 100, 1000, 65536 + 13]:
        data = bytes(rnd.getrandbits(8) for _ in range(size))
        assert rr.call("SET", "k", data) == b"OK"
        assert rr.call("BITCOUNT", "k") == model_bitcount(data)
        for _ in range(12):
            unit = rnd.choice(["BYTE", "BIT"])
            total = size * (8 if unit == "BIT" else 1)
            start = rnd.randint(-total - 5, total + 5)
            end = rnd.randint(-total - 5, total + 5)
            assert rr.call("BITCOUNT", "k", start, end, unit) == \
                model_bitcount(data, start, end, unit), (size, start, end, unit)


def test_bitcount_big_string(rr):
    rnd = random.Random(3)
    data = rnd.randbytes(4 * 1024 * 1024 + 5) if hasattr(rnd, "randbytes") else \
        bytes(rnd.getrandbits(8) for _ in range(4 * 1024 * 1024 + 5))
    assert rr.call("SET", "big", data) == b"OK"
    expected = sum(bin(b).count("1") for b in data)
    assert rr.call("BITCOUNT", "big") == expected
    assert rr.call("BITCOUNT", "big", 3, -4) == expected - model_bitcount(data[:3]) - \
        model_bitcount(data[-3:])
    assert rr.call("BITCOUNT", "big", 13, 8 * len(data) - 6, "BIT") == \
        expected - model_bitcount(data, 0, 12, "BIT") - \
        model_bitcount(data, 8 * len(data) - 5, 8 * len(data) - 1, "BIT")


# ------------------------------------------------------------------ BITPOS

def test_bitpos_docs(rr):
    assert rr.call("SET", "mykey", b"\xff\xf0\x00") == b"OK"
    assert rr.call("BITPOS", "mykey", 0) == 12
    assert rr.call("SET", "mykey", b"\x00\xff\xf0") == b"OK"
    assert rr.call("BITPOS", "mykey", 1, 0) == 8
    assert rr.call("BITPOS", "mykey", 1, 2) == 16
    assert rr.call("BITPOS", "mykey", 1, 2, -1, "BYTE") == 16
    assert rr.call("BITPOS", "mykey", 1, 7, 15, "BIT") == 8
    assert rr.call("SET", "mykey", b"\x00\x00\x00") == b"OK"
    assert rr.call("BITPOS", "mykey", 1) == -1
    assert rr.call("BITPOS", "mykey", 1, 7, -3, "BIT") == -1


def test_bitpos_edges(rr):
    assert rr.call("BITPOS", "missing", 0) == 0
    assert rr.call("BITPOS", "missing", 1) == -1
    assert rr.call("BITPOS", "missing", 0, 5, 10) == 0
    assert rr.call("SET", "ones", b"\xff\xff\xff") == b"OK"
    assert rr.call("BITPOS", "ones", 0) == 24
    assert rr.call("BITPOS", "ones", 0, 1) == 24
    assert rr.call("BITPOS", "ones", 0, 0, -1) == -1
    assert rr.call("BITPOS", "ones", 0, 0, -1, "BIT") == -1
    assert rr.call("BITPOS", "ones", 1, 3, 5, "BIT") == 3
    assert rr.call("SET", "e", "") == b"OK"
    assert rr.call("BITPOS", "e", 0) == -1
    assert rr.call("BITPOS", "e", 1) == -1
    assert rr.call("SET", "z", b"\x00" * 100 + b"\x01") == b"OK"
    assert rr.call("BITPOS", "z", 1) == 807
    assert rr.call("BITPOS", "z", 1, 0, 99) == -1
    assert rr.call("BITPOS", "z", 0, 100) == 800
    assert rr.call("BITPOS", "z", 1, 806, 807, "BIT") == 807
    assert rr.call("BITPOS", "z", 1, -1, -1, "BIT") == 807
    assert rr.call("BITPOS", "z", 1, -100, -200) == -1
    assert rr.call("SET", "n", 1) == b"OK"  # 0x31
    assert rr.call("BITPOS", "n", 1) == 2


def test_bitpos_errors(rr):
    assert rr.call("SET", "k", "abc") == b"OK"
    assert error_of(rr, "BITPOS", "k", 2) == "ERR The bit argument must be 1 or 0."
    assert error_of(rr, "BITPOS", "k", -1) == "ERR The bit argument must be 1 or 0."
    assert error_of(rr, "BITPOS", "k", "x") == ERR_INT
    assert error_of(rr, "BITPOS", "k", 1, "a") == ERR_INT
    assert error_of(rr, "BITPOS", "k", 1, 0, "b") == ERR_INT
    assert error_of(rr, "BITPOS", "k", 1, 0, 1, "FOO") == ERR_SYNTAX
    assert error_of(rr, "BITPOS", "k", 1, 0, 1, "BIT", "x") == ERR_SYNTAX
    assert error_of(rr, "BITPOS", "k") == "ERR wrong number of arguments for 'bitpos' command"


@valkey_only
def test_bitpos_checks_arguments_before_the_key(rr):
    assert error_of(rr, "BITPOS", "missing", 1, "a") == ERR_INT
    assert error_of(rr, "BITPOS", "missing", 1, 0, 1, "FOO") == ERR_SYNTAX


def test_bitpos_random(rr):
    rnd = random.Random(5)
    for size in [1, 3, 8, 9, 16, 17, 40, 257]:
        for fill in ["random", "zeros", "ones", "sparse"]:
            if fill == "random":
                data = bytearray(rnd.getrandbits(8) for _ in range(size))
            elif fill == "zeros":
                data = bytearray(size)
            elif fill == "ones":
                data = bytearray(b"\xff" * size)
            else:
                data = bytearray(size)
                data[rnd.randrange(size)] = 1 << rnd.randrange(8)
            data = bytes(data)
            assert rr.call("SET", "k", data) == b"OK"
            for bit in (0, 1):
                assert rr.call("BITPOS", "k", bit) == model_bitpos(data, bit)
                for _ in range(6):
                    unit = rnd.choice(["BYTE", "BIT"])
                    total = size * (8 if unit == "BIT" else 1)
                    start = rnd.randint(-total - 2, total + 2)
                    end = rnd.randint(-total - 2, total + 2)
                    assert rr.call("BITPOS", "k", bit, start) == model_bitpos(data, bit, start), \
                        (data, bit, start)
                    assert rr.call("BITPOS", "k", bit, start, end, unit) == \
                        model_bitpos(data, bit, start, end, unit), (data, bit, start, end, unit)


def test_bitpos_big_string(rr):
    size = 3 * 1024 * 1024
    assert rr.call("SETBIT", "z", 8 * size - 3, 1) == 0
    assert rr.call("BITPOS", "z", 1) == 8 * size - 3
    assert rr.call("BITPOS", "z", 1, 5, -2) == -1
    assert rr.call("BITPOS", "z", 0, 5) == 40
    assert rr.call("BITOP", "NOT", "o", "z") == size
    assert rr.call("BITPOS", "o", 0) == 8 * size - 3
    assert rr.call("BITPOS", "o", 1, 1000, -1) == 8000
    assert rr.call("BITPOS", "o", 0, 8 * size - 100, -1, "BIT") == 8 * size - 3


# ------------------------------------------------------------------ BITOP

def test_bitop_basic(rr):
    assert rr.call("MSET", "a", b"foobar", "b", b"abcdef") == b"OK"
    assert rr.call("BITOP", "AND", "dest", "a", "b") == 6
    assert rr.call("GET", "dest") == b"`bc`ab"
    assert rr.call("BITOP", "OR", "dest", "a", "b") == 6
    assert rr.call("GET", "dest") == model_bitop("OR", [b"foobar", b"abcdef"])
    assert rr.call("BITOP", "XOR", "dest", "a", "b") == 6
    assert rr.call("GET", "dest") == model_bitop("XOR", [b"foobar", b"abcdef"])
    assert rr.call("BITOP", "NOT", "dest", "a") == 6
    assert rr.call("GET", "dest") == model_bitop("NOT", [b"foobar"])
    assert rr.call("bitop", "and", "dest", "a") == 6
    assert rr.call("GET", "dest") == b"foobar"


def test_bitop_different_lengths_and_missing(rr):
    assert rr.call("MSET", "short", b"\xff", "long", b"\x0f\x0f\x0f") == b"OK"
    assert rr.call("BITOP", "AND", "d", "short", "long") == 3
    assert rr.call("GET", "d") == b"\x0f\x00\x00"
    assert rr.call("BITOP", "OR", "d", "short", "long", "missing") == 3
    assert rr.call("GET", "d") == b"\xff\x0f\x0f"
    assert rr.call("BITOP", "AND", "d", "short", "missing") == 1
    assert rr.call("GET", "d") == b"\x00"
    assert rr.call("BITOP", "XOR", "d", "short", "short", "long") == 3
    assert rr.call("GET", "d") == b"\x0f\x0f\x0f"
    assert rr.call("SET", "n", 12) == b"OK"
    assert rr.call("BITOP", "OR", "d", "n", "short") == 2
    assert rr.call("GET", "d") == b"\xff2"


def test_bitop_empty_result_deletes_destination(rr):
    assert rr.call("SET", "d", "old") == b"OK"
    assert rr.call("BITOP", "OR", "d", "missing1", "missing2") == 0
    assert rr.call("GET", "d") is None
    assert rr.call("BITOP", "NOT", "d", "missing") == 0
    assert rr.call("SET", "e", "") == b"OK"
    assert rr.call("SET", "d", "old") == b"OK"
    assert rr.call("BITOP", "AND", "d", "e") == 0
    assert rr.call("GET", "d") is None


def test_bitop_destination_is_a_source_and_ttl_dropped(rr):
    assert rr.call("SET", "a", b"\x0f", "PX", 150) == b"OK"
    assert rr.call("BITOP", "NOT", "a", "a") == 1
    assert rr.call("GET", "a") == b"\xf0"
    import time
    time.sleep(0.3)
    assert rr.call("GET", "a") == b"\xf0"


def test_bitop_errors(rr):
    assert error_of(rr, "BITOP", "NOT", "d", "a", "b") == \
        "ERR BITOP NOT must be called with a single source key."
    assert error_of(rr, "BITOP", "NAND", "d", "a") == ERR_SYNTAX
    assert error_of(rr, "BITOP", "AND", "d") == "ERR wrong number of arguments for 'bitop' command"


def test_bitop_random(rr):
    rnd = random.Random(9)
    for op in ["AND", "OR", "XOR", "NOT"]:
        for _ in range(8):
            nkeys = 1 if op == "NOT" else rnd.randint(1, 5)
            sources = [bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 1, 7, 8, 33, 100, 1000])))
                       for _ in range(nkeys)]
            names = ["s%d" % i for i in range(nkeys)]
            for name, data in zip(names, sources):
                assert rr.call("SET", name, data) == b"OK"
            expected = model_bitop(op, sources)
            assert rr.call("BITOP", op, "dest", *names) == len(expected)
            assert rr.call("GET", "dest") == (expected or None)


def test_bitop_big_strings(rr):
    rnd = random.Random(4)
    a = bytes(rnd.getrandbits(8) for _ in range(300000))
    b = bytes(rnd.getrandbits(8) for _ in range(200003))
    assert rr.call("MSET", "a", a, "b", b) == b"OK"
    for op in ["AND", "OR", "XOR"]:
        assert rr.call("BITOP", op, "d", "a", "b") == 300000
        assert rr.call("GET", "d") == model_bitop(op, [a, b])
    assert rr.call("BITOP", "NOT", "d", "b") == 200003
    assert rr.call("GET", "d") == model_bitop("NOT", [b])


# ------------------------------------------------------------------ BITFIELD

def test_bitfield_docs(rr):
    assert rr.call("BITFIELD", "mykey", "INCRBY", "i5", 100, 1, "GET", "u4", 0) == [1, 0]
    replies = [rr.call("BITFIELD", "mykey", "incrby", "u2", 100, 1, "OVERFLOW", "SAT",
                       "incrby", "u2", 102, 1) for _ in range(4)]
    assert replies == [[1, 1], [2, 2], [3, 3], [0, 3]]
    null = b"_\r\n" if rr.protocol == 3 else b"$-1\r\n"
    assert rr.call("BITFIELD", "mykey", "OVERFLOW", "FAIL", "incrby", "u2", 102, 1) == [None]
    assert rr.last_raw == b"*1\r\n" + null


def test_bitfield_set_get(rr):
    assert rr.call("BITFIELD", "k", "SET", "u8", 0, 255, "GET", "u8", 0) == [0, 255]
    assert rr.call("GET", "k") == b"\xff"
    assert rr.call("BITFIELD", "k", "SET", "i8", 0, -2, "GET", "u8", 0, "GET", "i8", 0) == [-1, 254, -2]
    assert rr.call("BITFIELD", "k", "SET", "u4", "#1", 15, "GET", "u4", 4) == [14, 15]
    assert rr.call("BITFIELD", "k", "GET", "u16", "#1") == [0]
    assert rr.call("BITFIELD", "k", "SET", "u16", "#2", 258) == [0]
    assert rr.call("GET", "k") == b"\xff\x00\x00\x00\x01\x02"
    assert rr.call("BITFIELD", "k", "GET", "i64", 0, "GET", "u63", 1, "GET", "u1", 7) == \
        [-72057594021019648, 9151314442833756160, 1]


def test_bitfield_overflow_modes(rr):
    assert rr.call("BITFIELD", "k", "SET", "i8", 0, 200) == [0]  # wraps to -56
    assert rr.call("BITFIELD", "k", "GET", "i8", 0) == [-56]
    assert rr.call("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", 0, 200, "GET", "i8", 0) == [-56, 127]
    assert rr.call("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", 0, -200, "GET", "i8", 0) == [127, -128]
    assert rr.call("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "i8", 0, 128, "GET", "i8", 0) == [None, -128]
    assert rr.call("BITFIELD", "u", "OVERFLOW", "SAT", "SET", "u8", 0, -1, "GET", "u8", 0) == [0, 255]
    assert rr.call("BITFIELD", "u", "SET", "u8", 0, -1, "GET", "u8", 0) == [255, 255]
    assert rr.call("BITFIELD", "u", "OVERFLOW", "FAIL", "SET", "u8", 0, 256) == [None]
    assert rr.call("BITFIELD", "u", "INCRBY", "u8", 0, 1) == [0]
    assert rr.call("BITFIELD", "u", "OVERFLOW", "SAT", "INCRBY", "u8", 0, -5) == [0]
    assert rr.call("BITFIELD", "u", "OVERFLOW", "WRAP", "INCRBY", "u8", 0, -5) == [251]
    assert rr.call("BITFIELD", "x", "SET", "i64", 0, 9223372036854775807,
                   "INCRBY", "i64", 0, 1) == [0, -9223372036854775808]
    assert rr.call("BITFIELD", "x", "OVERFLOW", "SAT", "INCRBY", "i64", 0, -1) == [-9223372036854775808]
    assert rr.call("BITFIELD", "x", "OVERFLOW", "FAIL", "INCRBY", "i64", 0, -1) == [None]
    assert rr.call("BITFIELD", "x", "INCRBY", "i64", 0, -9223372036854775808) == [0]
    assert rr.call("BITFIELD", "y", "SET", "u63", 0, 9223372036854775807, "INCRBY", "u63", 0, 1) == [0, 0]
    assert rr.call("BITFIELD", "y", "OVERFLOW", "SAT", "INCRBY", "u63", 0, 9223372036854775807,
                   "INCRBY", "u63", 0, 9223372036854775807) == [9223372036854775807, 9223372036854775807]
    assert rr.call("BITFIELD", "z", "INCRBY", "i1", 0, 1, "INCRBY", "i1", 0, 1) == [-1, 0]
    assert rr.call("BITFIELD", "z", "OVERFLOW", "SAT", "INCRBY", "i1", 0, 5, "INCRBY", "u1", 0, -3) == [0, 0]


def test_bitfield_reads_past_the_end_and_missing_key(rr):
    assert rr.call("BITFIELD", "missing", "GET", "u8", 0, "GET", "i64", 1000) == [0, 0]
    assert rr.call("GET", "missing") is None
    assert rr.call("BITFIELD", "missing") == []
    assert rr.call("SET", "k", b"\xff") == b"OK"
    assert rr.call("BITFIELD", "k", "GET", "u16", 0, "GET", "u8", 4, "GET", "i8", 4) == [65280, 240, -16]
    assert rr.call("SET", "n", 1) == b"OK"
    assert rr.call("BITFIELD", "n", "GET", "u8", 0) == [0x31]


def test_bitfield_failed_write_still_grows_key(rr):
    assert rr.call("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", 16, 999) == [None]
    assert rr.call("GET", "k") == b"\x00\x00\x00"


def test_bitfield_ro(rr):
    assert rr.call("SET", "k", b"\x80") == b"OK"
    assert rr.call("BITFIELD_RO", "k", "GET", "u1", 0, "GET", "i8", 0) == [1, -128]
    assert rr.call("BITFIELD_RO", "missing", "GET", "u1", 0) == [0]
    assert rr.call("BITFIELD_RO", "k") == []
    assert error_of(rr, "BITFIELD_RO", "k", "SET", "u1", 0, 1) == \
        "ERR BITFIELD_RO only supports the GET subcommand"
    assert error_of(rr, "BITFIELD_RO", "k", "GET", "u1", 0, "INCRBY", "u1", 0, 1) == \
        "ERR BITFIELD_RO only supports the GET subcommand"
    assert rr.call("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u1", 0) == [1]
    assert rr.call("GET", "k") == b"\x80"


@pytest.mark.parametrize("bad_type", ["u64", "i65", "i0", "u0", "x8", "i", "8", "I8", "U8", "i-1",
                                      "u8x", "", "i 8"])
def test_bitfield_bad_type(rr, bad_type):
    assert error_of(rr, "BITFIELD", "k", "GET", bad_type, 0) == ERR_TYPE
    assert error_of(rr, "BITFIELD", "k", "SET", bad_type, 0, 1) == ERR_TYPE
    assert error_of(rr, "BITFIELD_RO", "k", "GET", bad_type, 0) == ERR_TYPE


def test_bitfield_errors(rr):
    for offset in [-1, "abc", "#-1", "#", "#x", 4294967296, "#536870912"]:
        assert error_of(rr, "BITFIELD", "k", "GET", "u8", offset) == ERR_OFFSET, offset
        assert error_of(rr, "BITFIELD", "k", "SET", "u8", offset, 1) == ERR_OFFSET, offset
    assert error_of(rr, "BITFIELD", "k", "SET", "u8", 0, "abc") == ERR_INT
    assert error_of(rr, "BITFIELD", "k", "INCRBY", "u8", 0, "1.5") == ERR_INT
    assert error_of(rr, "BITFIELD", "k", "SET", "u8", 0, "9223372036854775808") == ERR_INT
    assert error_of(rr, "BITFIELD", "k", "FOO", "u8", 0) == ERR_SYNTAX
    assert error_of(rr, "BITFIELD", "k", "GET", "u8") == ERR_SYNTAX
    assert error_of(rr, "BITFIELD", "k", "SET", "u8", 0) == ERR_SYNTAX
    assert error_of(rr, "BITFIELD", "k", "INCRBY", "u8", 0) == ERR_SYNTAX
    assert error_of(rr, "BITFIELD", "k", "OVERFLOW") == ERR_SYNTAX
    assert error_of(rr, "BITFIELD", "k", "OVERFLOW", "FOO", "GET", "u8", 0) == \
        "ERR Invalid OVERFLOW type specified"
    # A bad operation anywhere leaves the value untouched.
    assert error_of(rr, "BITFIELD", "k", "SET", "u8", 0, 1, "SET", "u64", 0, 1) == ERR_TYPE
    assert rr.call("GET", "k") is None
    assert error_of(rr, "BITFIELD", "k", "SET", "u8", 0, 1, "BAD") == ERR_SYNTAX
    assert rr.call("GET", "k") is None


def test_bitfield_random_against_model(rr):
    rnd = random.Random(21)
    model = BitfieldModel()
    for round_ in range(150):
        ops, args, overflow = [], [], "WRAP"
        for _ in range(rnd.randint(1, 5)):
            if rnd.random() < 0.25:
                overflow = rnd.choice(["WRAP", "SAT", "FAIL"])
                args += ["OVERFLOW", overflow]
            is_signed = rnd.random() < 0.5
            bits = rnd.randint(1, 64 if is_signed else 63)
            kind = rnd.choice(["GET", "SET", "INCRBY"])
            if rnd.random() < 0.3:
                index = rnd.randint(0, 12)
                offset, offset_arg = index * bits, "#%d" % index
            else:
                offset = rnd.randint(0, 300)
                offset_arg = offset
            value = rnd.choice([0, 1, -1, rnd.randint(-300, 300),
                                rnd.randint(-(1 << 63), (1 << 63) - 1),
                                (1 << (bits - 1)) - 1, -(1 << (bits - 1)), (1 << 63) - 1, -(1 << 63)])
            type_arg = ("i" if is_signed else "u") + str(bits)
            args += [kind, type_arg, offset_arg] + ([] if kind == "GET" else [value])
            ops.append((kind, is_signed, bits, offset, value, overflow))
        expected = model.run(ops)
        assert rr.call("BITFIELD", "bf", *args) == expected, (round_, args)
        stored = rr.call("GET", "bf")
        assert (stored or b"") == bytes(model.data), (round_, args)


def test_bitmaps_pipeline(rr):
    replies = rr.pipeline([
        ("SETBIT", "b", 3, 1), ("SETBIT", "b", 12, 1), ("GETBIT", "b", 3), ("BITCOUNT", "b"),
        ("BITPOS", "b", 1), ("BITPOS", "b", 1, 1), ("BITOP", "NOT", "c", "b"), ("BITCOUNT", "c"),
        ("BITFIELD", "b", "GET", "u4", 0, "SET", "u4", 0, 15), ("SETBIT", "b", 0, 2),
        ("BITFIELD_RO", "b", "GET", "u8", 0), ("BITOP", "XOR", "b", "b", "b"), ("GET", "b"),
    ])
    assert replies == [0, 0, 1, 2, 3, 12, 2, 14, [1, 1], RespError(ERR_BIT), [0xF0], 2,
                       b"\x00\x00"]
