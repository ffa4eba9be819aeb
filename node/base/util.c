/* util.c — number <-> string conversions and glob matching, with the exact
 * rules clients observe.
 *
 * Integers: string2ll accepts only the canonical decimal form — an optional
 * '-', then "0" or a digit 1-9 followed by digits, nothing else (no '+', no
 * spaces, no leading zeros, no "-0"), at most 20 characters, and no overflow.
 * The canonical form matters beyond validation: a value that passes is one
 * the server may store as an integer and print back identically.
 *
 * Doubles: parsing is strtod on the whole string minus what the protocol
 * forbids (leading space, NaN, overflow to infinity).  Printing (d2string)
 * gives the shortest of %.15g / %.16g / %.17g that reads back to the same
 * double — every double round-trips, and decimal input with up to 15
 * significant digits prints as typed — with integral values inside
 * +-LLONG_MAX/2 printed as plain integers ("3", "1000000000000000000").
 * Short decimals ("1.5", "0.25") skip printf/strtod through an exact
 * integer-scaling fast path that yields the same text.
 *
 * Glob matching runs iteratively with one backtrack point: every token but
 * '*' consumes exactly one character, so when a later token fails only the
 * most recent '*' needs to absorb one more character — earlier stars never
 * need to be revisited.  That bounds the work by pattern length x string
 * length; no pattern can make it exponential, and there is no recursion. */
#include "node/base/util.h"
#include "node/base/mem.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* --- Integers ------------------------------------------------------------ */

/* Parses the digits of a canonical unsigned number (no sign): "0" or 1-9
 * followed by digits, without overflow.  Returns 1 on success. */
static int parseCanonicalDigits(const char *s, size_t len, unsigned long long *out) {
    if (len == 0 || len > 20) return 0;
    if (s[0] == '0') {
        if (len != 1) return 0;
        *out = 0;
        return 1;
    }
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) return 0;
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int string2ll(const char *s, size_t len, long long *value) {
    if (len == 0 || len > 20) return 0;
    int negative = s[0] == '-';
    unsigned long long v;
    if (!parseCanonicalDigits(s + negative, len - (size_t)negative, &v)) return 0;
    long long result;
    if (negative) {
        if (v == 0 || v > (unsigned long long)LLONG_MAX + 1) return 0; /* "-0" too */
        result = (long long)(0 - v); /* well defined: two's complement wrap of an unsigned */
    } else {
        if (v > (unsigned long long)LLONG_MAX) return 0;
        result = (long long)v;
    }
    if (value) *value = result;
    return 1;
}

int string2ull(const char *s, size_t len, unsigned long long *value) {
    unsigned long long v;
    if (!parseCanonicalDigits(s, len, &v)) return 0;
    if (value) *value = v;
    return 1;
}

int string2l(const char *s, size_t len, long *value) {
    long long v;
    if (!string2ll(s, len, &v) || v < LONG_MIN || v > LONG_MAX) return 0;
    if (value) *value = (long)v;
    return 1;
}

uint32_t digits10(uint64_t v) {
    if (v < 10) return 1;
    if (v < 100) return 2;
    if (v < 1000) return 3;
    if (v < 1000000000000ULL) {
        if (v < 100000000ULL) {
            if (v < 1000000) {
                if (v < 10000) return 4;
                return 5 + (v >= 100000);
            }
            return 7 + (v >= 10000000ULL);
        }
        if (v < 10000000000ULL) return 9 + (v >= 1000000000ULL);
        return 11 + (v >= 100000000000ULL);
    }
    return 12 + digits10(v / 1000000000000ULL);
}

static const char digitPairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v's digits ending just before end (two per division). */
static void writeDigitsBackwards(char *end, unsigned long long v) {
    while (v >= 100) {
        unsigned i = (unsigned)(v % 100) * 2;
        v /= 100;
        *--end = digitPairs[i + 1];
        *--end = digitPairs[i];
    }
    if (v < 10) {
        *--end = (char)('0' + v);
    } else {
        unsigned i = (unsigned)v * 2;
        *--end = digitPairs[i + 1];
        *--end = digitPairs[i];
    }
}

int ull2string(char *dst, size_t dstlen, unsigned long long value) {
    size_t n = digits10(value);
    if (n + 1 > dstlen) return 0;
    writeDigitsBackwards(dst + n, value);
    dst[n] = '\0';
    return (int)n;
}

int ll2string(char *dst, size_t dstlen, long long value) {
    if (value >= 0) return ull2string(dst, dstlen, (unsigned long long)value);
    unsigned long long magnitude = 0 - (unsigned long long)value;
    size_t n = digits10(magnitude) + 1;
    if (n + 1 > dstlen) return 0;
    dst[0] = '-';
    writeDigitsBackwards(dst + n, magnitude);
    dst[n] = '\0';
    return (int)n;
}

/* --- Doubles ------------------------------------------------------------- */

/* strtod/strtold need a NUL-terminated copy; short inputs stay on the stack. */
#define PARSE_STACK_BUF 128

static char *terminatedCopy(const char *s, size_t len, char *stackBuf) {
    char *buf = len < PARSE_STACK_BUF ? stackBuf : memAlloc(len + 1);
    memcpy(buf, s, len);
    buf[len] = '\0';
    return buf;
}

int string2d(const char *s, size_t len, double *value) {
    if (len == 0 || isspace((unsigned char)s[0])) return 0;
    char stackBuf[PARSE_STACK_BUF], *end;
    char *buf = terminatedCopy(s, len, stackBuf);
    errno = 0;
    double v = strtod(buf, &end);
    int ok = (size_t)(end - buf) == len && !isnan(v) &&
             !(errno == ERANGE && (isinf(v) || v == 0));
    if (buf != stackBuf) memFree(buf);
    if (ok && value) *value = v;
    return ok;
}

int string2ld(const char *s, size_t len, long double *value) {
    if (len == 0 || isspace((unsigned char)s[0])) return 0;
    char stackBuf[PARSE_STACK_BUF], *end;
    char *buf = terminatedCopy(s, len, stackBuf);
    errno = 0;
    long double v = strtold(buf, &end);
    int ok = (size_t)(end - buf) == len && !isnan(v) &&
             !(errno == ERANGE && (isinf(v) || v == 0));
    if (buf != stackBuf) memFree(buf);
    if (ok && value) *value = v;
    return ok;
}

/* The literal text of a fixed string, when it fits with its NUL. */
static int copyLiteral(char *buf, size_t len, const char *lit) {
    size_t n = strlen(lit);
    if (n + 1 > len) return 0;
    memcpy(buf, lit, n + 1);
    return (int)n;
}

/* Fast path of d2string for values with a short decimal form, which is
 * what scores and INCRBYFLOAT results usually are: find the smallest k
 * such that m = round(value * 10^k) satisfies m / 10^k == value, with
 * |m| < 10^15.  Both m / 10^k in double arithmetic and strtod("m e-k") are
 * the correctly rounded value of the same rational, so the text reads back
 * exactly; and with at most 15 digits it is precisely what %.15g prints
 * (value lies within half an ulp of the decimal, far from a rounding
 * boundary of the 15th digit).  Restricted to 1e-4 <= |value| < 1e15, the
 * range where %g does not switch to an exponent.  Returns -1 to fall back. */
static int d2stringShortFixed(char *buf, size_t len, double value) {
    double a = fabs(value);
    if (!(a >= 1e-4 && a < 1e15)) return -1;
    double scale = 1;
    for (int k = 1; k <= 15; k++) {
        scale *= 10;
        double x = value * scale;
        if (fabs(x) >= 1e15) return -1;
        long long m = llround(x);
        if ((double)m / scale != value) continue;
        char digits[24];
        int nd = ull2string(digits, sizeof(digits), (unsigned long long)(m < 0 ? -m : m));
        int intDigits = nd > k ? nd - k : 0;
        size_t need = (m < 0) + (size_t)(intDigits ? intDigits : 1) + 1 + (size_t)k;
        if (need + 1 > len) return 0;
        char *p = buf;
        if (m < 0) *p++ = '-';
        if (intDigits) {
            memcpy(p, digits, (size_t)intDigits);
            p += intDigits;
        } else {
            *p++ = '0';
        }
        *p++ = '.';
        for (int z = nd; z < k; z++) *p++ = '0'; /* zeros right after the point */
        memcpy(p, digits + intDigits, (size_t)(nd - intDigits));
        p += nd - intDigits;
        *p = '\0';
        return (int)(p - buf);
    }
    return -1;
}

int d2string(char *buf, size_t len, double value) {
    if (isnan(value)) return copyLiteral(buf, len, "nan");
    if (isinf(value)) return copyLiteral(buf, len, value > 0 ? "inf" : "-inf");
    if (value == 0) return copyLiteral(buf, len, signbit(value) ? "-0" : "0");
    /* Every double in this range with no fractional part is an exact
     * long long; the integer printer is faster and never uses an exponent. */
    if (value >= (double)(-LLONG_MAX / 2) && value <= (double)(LLONG_MAX / 2) &&
        value == (double)(long long)value)
        return ll2string(buf, len, (long long)value);
    int fast = d2stringShortFixed(buf, len, value);
    if (fast >= 0) return fast;
    char tmp[32];
    int n = 0;
    for (int precision = 15; precision <= 17; precision++) {
        n = snprintf(tmp, sizeof(tmp), "%.*g", precision, value);
        if (precision == 17 || strtod(tmp, NULL) == value) break;
    }
    if (n < 0 || (size_t)n + 1 > len) return 0;
    memcpy(buf, tmp, (size_t)n + 1);
    return n;
}

/* Drops the zeros after the decimal point, and the point itself if nothing
 * follows it; "-0" becomes "0".  Returns the new length. */
static size_t trimFraction(char *buf, size_t n) {
    if (!memchr(buf, '.', n)) return n;
    while (buf[n - 1] == '0') n--;
    if (buf[n - 1] == '.') n--;
    if (n == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        n = 1;
    }
    buf[n] = '\0';
    return n;
}

int ld2string(char *buf, size_t len, long double value, int humanfriendly) {
    if (isnan(value)) return 0;
    if (isinf(value)) {
        if (humanfriendly) return 0; /* INCRBYFLOAT refuses such a result */
        return copyLiteral(buf, len, value > 0 ? "inf" : "-inf");
    }
    /* 17 digits after the point: with 80-bit long doubles that rounds most
     * short decimal results (0.1 + 0.2) back to what the user expects. */
    int n = snprintf(buf, len, humanfriendly ? "%.17Lf" : "%.17Lg", value);
    if (n < 0 || (size_t)n + 1 > len) return 0;
    if (humanfriendly) n = (int)trimFraction(buf, (size_t)n);
    return n;
}

/* --- Glob matching ------------------------------------------------------- */

static inline int foldChar(int c, int nocase) { return nocase ? tolower(c) : c; }

/* Matches a "[...]" set against c.  p indexes the character after '['.
 * Returns whether c matches and stores in *next the index after the set.
 * A set that is never closed extends to the end of the pattern. */
static int matchSet(const char *pat, size_t plen, size_t p, int c, int nocase, size_t *next) {
    int negate = p < plen && pat[p] == '^';
    int match = 0;
    if (negate) p++;
    c = foldChar(c, nocase);
    while (p < plen && pat[p] != ']') {
        if (pat[p] == '\\' && p + 1 < plen) {
            p++;
            if (foldChar((unsigned char)pat[p], nocase) == c) match = 1;
        } else if (p + 2 < plen && pat[p + 1] == '-') {
            int lo = foldChar((unsigned char)pat[p], nocase);
            int hi = foldChar((unsigned char)pat[p + 2], nocase);
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi) match = 1;
            p += 2;
        } else if (foldChar((unsigned char)pat[p], nocase) == c) {
            match = 1;
        }
        p++;
    }
    *next = p < plen ? p + 1 : p; /* skip the ']' */
    return negate ? !match : match;
}

/* Matches one non-'*' token at pat[p] against c; *next receives the index of
 * the following token. */
static int matchToken(const char *pat, size_t plen, size_t p, int c, int nocase, size_t *next) {
    switch (pat[p]) {
    case '?':
        *next = p + 1;
        return 1;
    case '[':
        return matchSet(pat, plen, p + 1, c, nocase, next);
    case '\\':
        if (p + 1 < plen) p++; /* escaped: compare literally; a final '\' is literal */
        /* fall through */
    default:
        *next = p + 1;
        return foldChar((unsigned char)pat[p], nocase) == foldChar(c, nocase);
    }
}

int globMatch(const char *pattern, size_t patlen, const char *str, size_t strlen_, int nocase) {
    size_t p = 0, s = 0;
    size_t starP = SIZE_MAX, starS = 0; /* token after the latest '*', and where it is tried */
    while (s < strlen_) {
        if (p < patlen && pattern[p] == '*') {
            while (p < patlen && pattern[p] == '*') p++;
            if (p == patlen) return 1; /* a trailing '*' takes the rest */
            starP = p;
            starS = s;
            continue;
        }
        size_t next;
        if (p < patlen && matchToken(pattern, patlen, p, (unsigned char)str[s], nocase, &next)) {
            p = next;
            s++;
            continue;
        }
        if (starP == SIZE_MAX) return 0;
        /* Let the latest '*' absorb one more character and retry after it. */
        p = starP;
        s = ++starS;
    }
    while (p < patlen && pattern[p] == '*') p++;
    return p == patlen;
}

/* --- Memory sizes -------------------------------------------------------- */

int memtoull(const char *s, unsigned long long *out) {
    static const struct { const char *suffix; unsigned long long mul; } units[] = {
        {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1024}, {"m", 1000000},
        {"mb", 1024 * 1024}, {"g", 1000000000}, {"gb", 1024ULL * 1024 * 1024},
    };
    size_t digits = 0;
    /* An empty value means 0, as Valkey reads memory sizes ("maxmemory ''"). */
    if (s[0] == '\0') {
        *out = 0;
        return 1;
    }
    while (isdigit((unsigned char)s[digits])) digits++;
    if (digits == 0 || digits > 20) return 0;
    unsigned long long mul = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcasecmp(s + digits, units[i].suffix) == 0) mul = units[i].mul;
    if (mul == 0) return 0;
    unsigned long long v = 0;
    for (size_t i = 0; i < digits; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (v > ULLONG_MAX / mul) return 0;
    *out = v * mul;
    return 1;
}

void bytesToHuman(char *buf, size_t len, unsigned long long n) {
    static const char units[] = "KMGTP";
    if (n < 1024) {
        snprintf(buf, len, "%lluB", n);
        return;
    }
    double scaled = (double)n / 1024;
    int unit = 0;
    while (scaled >= 1024 && unit < 4) {
        scaled /= 1024;
        unit++;
    }
    if (unit == 4 && scaled >= 1024) {
        snprintf(buf, len, "%lluB", n); /* beyond petabytes: plain bytes */
        return;
    }
    snprintf(buf, len, "%.2f%c", scaled, units[unit]);
}

int writeAll(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
