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

/* --- exact quotient: the only floating point in this file (SYMCONV_FLOAT_ESTIMATE) --- */
/*
 * symconv_quotient(a, b) = floor(a / b) for 0 <= a <= INT64_MAX and 1 <= b <= INT64_MAX, exact.
 *
 * A 64-bit integer division costs tens of cycles and does not vectorize. Where the target has
 * double-precision registers, the quotient is estimated in double and then corrected and
 * verified in integers (the technique of libdivide and of compilers), so no floating-point
 * value ever reaches a result:
 *
 *   1. Only for a < 2^53 and b < 2^53 (else the 64-bit division below): both convert to
 *      double exactly, and IEEE 754 division is correctly rounded, so the double quotient
 *      e = fl(a / b) satisfies |e - a/b| <= 2^-53 * (a/b) < 2^-53 * 2^53 = 1.
 *      Hence q0 = trunc(e), an integer in [0, 2^53] (the conversion is defined: e < 2^53 + 1),
 *      differs from q = floor(a / b) by at most 1: q - 1 <= q0 <= q + 1.
 *   2. The remainder r = a - q0*b is formed in int64: q0*b <= (a/b + 1)*b = a + b < 2^54,
 *      no overflow. Exactly one of three cases holds: r < 0 (q0 = q + 1), r >= b (q0 = q - 1),
 *      or 0 <= r < b (q0 = q, by the definition of floor division). The two integer
 *      comparisons select q; the double is used only for the estimate q0, which the integer
 *      identity a = q*b + r with 0 <= r < b verifies. (In this range the correction never
 *      actually fires: rounding a/b up to the next integer q + 1 needs 1/b below half an ulp
 *      of q + 1, i.e. b*(q + 1) > 2^53, i.e. a >= 2^53. It costs two comparisons and keeps
 *      the result proved by integers rather than by that floating-point argument.)
 *
 * Operands below 2^32 take the unsigned 32-bit division instead (exact, and measured faster
 * than the estimate on recent x86-64 cores; benchmarks/bench_layers.py); operands at or above
 * 2^53 take the 64-bit division. Without double-precision registers (e.g.
 * -mgeneral-regs-only, soft float) or when SYMCONV_INTEGER_DIVISION is defined, the estimate
 * compiles out and every other quotient is the 64-bit division. Both builds are tested
 * against Python and C's own division on the boundary cases (quotients near 2^30, 2^53, 2^63;
 * divisors 1, 2, 3, 7 and large; numerators 0, multiples and their neighbours, INT64_MAX),
 * under the undefined-behaviour sanitizer (tests/test_c_division.py).
 */
#if !defined(SYMCONV_INTEGER_DIVISION) && !defined(_SOFT_FLOAT) \
    && (defined(__SSE2_MATH__) || (defined(__aarch64__) && defined(__ARM_FP)))
#  define SYMCONV_FLOAT_ESTIMATE 1
#endif

static SYMCONV_INLINE int64_t symconv_quotient(int64_t a, int64_t b)
{
    if (((uint64_t)a | (uint64_t)b) <= UINT32_MAX) {
        return (int64_t)((uint32_t)a / (uint32_t)b);
    }
#ifdef SYMCONV_FLOAT_ESTIMATE
    if (a < (INT64_C(1) << 53) && b < (INT64_C(1) << 53)) {
        const int64_t q0 = (int64_t)((double)a / (double)b);
        const int64_t r = a - q0 * b;
        return q0 - (int64_t)(r < 0) + (int64_t)(r >= b);
    }
#endif
    return a / b;
}
/* --- end of the floating-point estimate --- */

/* floor(a / b), exact; non-negative operands take the exact quotient above. */
static SYMCONV_INLINE int64_t floor_div(int64_t a, int64_t b, int *overflow)
{
    int64_t q;
    if (b == 0 || (a == INT64_MIN && b == -1)) {
        *overflow = 1;
        return 0;
    }
    if (a >= 0 && b > 0) {
        return symconv_quotient(a, b);
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
