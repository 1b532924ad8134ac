/*
 * The checked arithmetic every generated C evaluator carries (conv1d_ops.c, conv2d_ops.c, ...):
 * overflow-checked int64_t +, -, *, exact floor division, and the 128-bit integers that decide
 * the kernel rule when an int64_t intermediate overflowed.
 *
 * This file is C, compiled, linted and unit-tested on its own (tests/test_c_static.py: strict
 * C99 warnings as errors, the compiler builtins and the portable checks, under the address
 * and undefined-behaviour sanitizers). The generator copies everything below the marker line
 * verbatim into each generated .c file (symconv.codegen.c_helpers), after that file's own
 * header, which includes <stdint.h>; the generated files stay self-contained.
 */
#include <stdint.h>

/* --- copied into the generated C evaluators from here --- */
/* Overflow checks: the compiler builtins where available, portable checks otherwise. */
#if !defined(SYMCONV_PORTABLE_OVERFLOW)
#  if defined(__has_builtin)
#    if __has_builtin(__builtin_add_overflow) && __has_builtin(__builtin_sub_overflow) && __has_builtin(__builtin_mul_overflow)
#      define SYMCONV_BUILTIN_OVERFLOW 1
#    endif
#  endif
#  if !defined(SYMCONV_BUILTIN_OVERFLOW) && defined(__GNUC__) && __GNUC__ >= 5
#    define SYMCONV_BUILTIN_OVERFLOW 1
#  endif
#endif

#if defined(__GNUC__)
#  define SYMCONV_INLINE __inline__ __attribute__((always_inline))
#else
#  define SYMCONV_INLINE
#endif

static int64_t checked_add(int64_t a, int64_t b, int *overflow)
{
#ifdef SYMCONV_BUILTIN_OVERFLOW
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        *overflow = 1;
    }
    return r;
#else
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) {
        *overflow = 1;
        return 0;
    }
    return a + b;
#endif
}

static int64_t checked_sub(int64_t a, int64_t b, int *overflow)
{
#ifdef SYMCONV_BUILTIN_OVERFLOW
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) {
        *overflow = 1;
    }
    return r;
#else
    if ((b < 0 && a > INT64_MAX + b) || (b > 0 && a < INT64_MIN + b)) {
        *overflow = 1;
        return 0;
    }
    return a - b;
#endif
}

static int64_t checked_mul(int64_t a, int64_t b, int *overflow)
{
#ifdef SYMCONV_BUILTIN_OVERFLOW
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        *overflow = 1;
    }
    return r;
#else
    if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
              : (b > 0 ? a < INT64_MIN / b : (a != 0 && b < INT64_MAX / a))) {
        *overflow = 1;
        return 0;
    }
    return a * b;
#endif
}

/* floor(a / b), exact. Non-negative operands below 2^32 take the (much faster) 32-bit division. */
static int64_t floor_div(int64_t a, int64_t b, int *overflow)
{
    int64_t q;
    if (b == 0 || (a == INT64_MIN && b == -1)) {
        *overflow = 1;
        return 0;
    }
    if (a >= 0 && b > 0 && ((uint64_t)a | (uint64_t)b) <= UINT32_MAX) {
        return (int64_t)((uint32_t)a / (uint32_t)b);
    }
    q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) {
        q -= 1;
    }
    return q;
}

/*
 * 128-bit two's-complement integers, portable C99 (no __int128): used only to decide the
 * kernel rule exactly when the int64_t output length overflowed. Arithmetic is modulo
 * 2^128; symconv proved that for int64_t inputs no partial result printed with these
 * helpers leaves [-2^127, 2^127), so every result is exact.
 */
typedef struct symconv_wide {
    uint64_t hi, lo;
} symconv_wide;

static symconv_wide wide_of(int64_t v)
{
    symconv_wide r;
    r.lo = (uint64_t)v;
    r.hi = v < 0 ? UINT64_MAX : UINT64_C(0);
    return r;
}

static symconv_wide wide_add(symconv_wide a, symconv_wide b)
{
    symconv_wide r;
    r.lo = a.lo + b.lo;
    r.hi = a.hi + b.hi + (uint64_t)(r.lo < a.lo);
    return r;
}

static symconv_wide wide_sub(symconv_wide a, symconv_wide b)
{
    symconv_wide r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (uint64_t)(a.lo < b.lo);
    return r;
}

static symconv_wide wide_mul(symconv_wide a, symconv_wide b)
{
    const uint64_t low32 = UINT64_C(0xFFFFFFFF);
    const uint64_t a0 = a.lo & low32, a1 = a.lo >> 32, b0 = b.lo & low32, b1 = b.lo >> 32;
    const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const uint64_t mid = (p00 >> 32) + (p01 & low32) + (p10 & low32);
    symconv_wide r;
    r.lo = (p00 & low32) | (mid << 32);
    r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32) + a.hi * b.lo + a.lo * b.hi;
    return r;
}

/* a < b, signed */
static int wide_less(symconv_wide a, symconv_wide b)
{
    const uint64_t sign = UINT64_C(1) << 63;
    if (a.hi != b.hi) {
        return (a.hi ^ sign) < (b.hi ^ sign);
    }
    return a.lo < b.lo;
}
