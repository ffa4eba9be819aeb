/* util.h — conversions and matching that follow the protocol's rules
 * exactly: integers are strict (no spaces, no leading '+' or zeros, no
 * overflow), doubles reject NaN, and glob patterns use Valkey's syntax
 * (* ? [abc] [^a] [a-z] \x). */
#ifndef TESSERA_UTIL_H
#define TESSERA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Strict string -> long long: "-0", "+1", " 1", "01" are rejected; returns 1 on
 * success. */
int string2ll(const char *s, size_t len, long long *value);
int string2ull(const char *s, size_t len, unsigned long long *value);
int string2l(const char *s, size_t len, long *value);
/* Double parsing as INCRBYFLOAT/ZADD accept it (strtod on the whole string, no
 * leading space, "inf"/"-inf" allowed, NaN rejected); returns 1 on success. */
int string2d(const char *s, size_t len, double *value);
int string2ld(const char *s, size_t len, long double *value);
/* Writes the decimal form; returns length, or 0 if it does not fit. */
int ll2string(char *dst, size_t dstlen, long long value);
int ull2string(char *dst, size_t dstlen, unsigned long long value);
/* Number of decimal digits of v (1..20). */
uint32_t digits10(uint64_t v);
/* Shortest representation that reads back to the same double ("%.17g" style
 * but minimal), "inf" / "-inf"; returns length. */
int d2string(char *buf, size_t len, double value);
/* long double for INCRBYFLOAT: up to 17 significant digits, no exponent
 * (humanfriendly) or %.17Lg; returns length or 0 on error. */
int ld2string(char *buf, size_t len, long double value, int humanfriendly);

/* Glob matching; nocase folds ASCII case. Bounded recursion: a pattern
 * cannot make it run for exponential time. */
int globMatch(const char *pattern, size_t patlen, const char *str, size_t strlen_, int nocase);

/* "1gb" / "100mb" / "512k" / "4096" -> bytes. Returns 1 on success. */
int memtoull(const char *s, unsigned long long *out);
/* write(2) until all len bytes are written (retrying EINTR) on a blocking
 * descriptor; 0, or -1 with errno set. */
int writeAll(int fd, const void *buf, size_t len);

/* Human form used by INFO: "1.50M", "976.56K", "12B". */
void bytesToHuman(char *buf, size_t len, unsigned long long n);

#endif
