/*
 * The integer functions the transposed convolutions' generated C evaluators call besides the
 * checked arithmetic of symconv_checked.c: max, min, gcd and the floor sum
 * floor_sum(n, m, a, b) = sum_{i=0}^{n-1} floor((a*i + b)/m), by the Euclid-like reduction
 * of symconv.functions.floor_sum, step for step, every +, - and * checked: an intermediate
 * beyond int64_t sets the overflow flag, never wraps.
 *
 * This file is C, compiled and unit-tested on its own (tests/test_convtranspose_codegen.py:
 * strict C99 warnings as errors, address and undefined-behaviour sanitizers). The generator
 * copies everything below the marker line verbatim into conv_transpose{1,2,3}d_ops.c, after
 * the checked arithmetic (symconv.codegen.transpose).
 */
#include "symconv_checked.c"

/* --- copied into the generated C evaluators from here --- */
static int64_t int64_max(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t int64_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* gcd(a, b) of positive integers; 0 for gcd(0, 0), defined (no overflow) for any int64_t. */
static int64_t int64_gcd(int64_t a, int64_t b)
{
    uint64_t x = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
    uint64_t y = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
    while (y != 0) {
        const uint64_t r = x % y;
        x = y;
        y = r;
    }
    return x > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)x;
}

/*
 * sum_{i=0}^{n-1} floor((a*i + b)/m) for n >= 0, m >= 1, a >= 0, b >= 0 (any a, b when
 * n = 0), in O(log) steps: the steps of symconv.functions.floor_sum. Arguments outside that
 * domain (never for valid input: the forms are proven) and any intermediate beyond int64_t
 * set *overflow and return 0. n(n-1)/2 is formed from whichever factor is even.
 */
static int64_t floor_sum_checked(int64_t n, int64_t m, int64_t a, int64_t b, int *overflow)
{
    int64_t total = 0, y, half, swap;
    int bad = 0;
    if (n == 0 && m >= 1) {
        return 0;
    }
    if (n < 0 || m < 1 || a < 0 || b < 0) {
        *overflow = 1;
        return 0;
    }
    for (;;) {
        if (a >= m) {
            half = (n % 2 == 0) ? checked_mul(n / 2, n - 1, &bad) : checked_mul(n, (n - 1) / 2, &bad);
            total = checked_add(total, checked_mul(half, a / m, &bad), &bad);
            a %= m;
        }
        if (b >= m) {
            total = checked_add(total, checked_mul(n, b / m, &bad), &bad);
            b %= m;
        }
        y = checked_add(checked_mul(a, n, &bad), b, &bad);
        if (bad) {
            *overflow = 1;
            return 0;
        }
        if (y < m) {
            return total;
        }
        n = y / m;
        b = y % m;
        swap = m;
        m = a;
        a = swap;
    }
}

/*
 * The bounded path (rows whose per-dimension parameters the generated evaluators have tested to
 * be small): plain int64_t arithmetic and 32-bit unsigned divisions, no check. The generator
 * proves by interval arithmetic that every argument it prints lies in the domains below
 * (symconv.codegen.transpose.bounded_axis), where nothing overflows. SYMCONV_CHECKED_ONLY
 * compiles the bounded path out (the evaluators then use the checked helpers only).
 */
#ifndef SYMCONV_CHECKED_ONLY

/* gcd(a, b) for 1 <= a, b < 2^32: Euclid in 32-bit unsigned arithmetic. */
static SYMCONV_INLINE int64_t bounded_gcd(int64_t a, int64_t b)
{
    uint32_t x = (uint32_t)a, y = (uint32_t)b;
    while (y != 0) {
        const uint32_t r = x % y;
        x = y;
        y = r;
    }
    return (int64_t)x;
}

/*
 * sum_{k=k0}^{k1-1} clip(ceil((x - k*d)/s), 0, cap): symconv.convtranspose.clipped_ceil_sum,
 * which the checked path evaluates with one floor sum, here by a loop over the taps with no
 * division inside it. Domain: 0 <= k0 <= k1 < 2^31, 1 <= s < 2^31, 1 <= d < 2^31,
 * |x| < 2^31, 0 <= cap and (k1 - k0)*cap < 2^63 (then k0*d, the total and every value below
 * fit in int64_t).
 *
 * Write y_k = x - k*d = s*v_k - e_k with 0 <= e_k < s, so that v_k = ceil(y_k / s), and
 * d = s*dq + dr with 0 <= dr < s. Then y_{k+1} = y_k - d = s*(v_k - dq) - (e_k + dr), where
 * 0 <= e_k + dr < 2s: if e_k + dr < s, v_{k+1} = v_k - dq and e_{k+1} = e_k + dr; else
 * v_{k+1} = v_k - dq - 1 and e_{k+1} = e_k + dr - s. Two divisions in all (v_{k0}, and dq
 * with dr). The ceilings do not increase with k, so the loop stops at the first tap whose
 * ceiling is <= 0: every later term is 0; at most min(k1 - k0, ceil(y_{k0} / d)) steps.
 */
static SYMCONV_INLINE int64_t clipped_ceil_sum_bounded(int64_t k0, int64_t k1, int64_t x,
                                                       int64_t s, int64_t d, int64_t cap)
{
    const int64_t y = x - k0 * d;
    int64_t v, e, dq, dr, k, total = 0;
    if (k0 >= k1 || y <= 0) {
        return 0;
    }
    /* 1 <= y < 2^31 and s < 2^31: y + s - 1 < 2^32 */
    v = (int64_t)(((uint32_t)y + (uint32_t)s - 1u) / (uint32_t)s);
    e = v * s - y;
    dq = (int64_t)((uint32_t)d / (uint32_t)s);
    dr = d - dq * s;
    for (k = k0; k < k1 && v > 0; k++) {
        int64_t carry;
        total += v < cap ? v : cap;
        e += dr;
        carry = (int64_t)(e >= s);
        v -= dq + carry;
        e -= carry * s;
    }
    return total;
}
#endif
