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

/*
 * floor(a / b) for 0 <= a < 2^32 and 1 <= b < 2^32, exact, without a division for small
 * operands: for a < 2^16 and b <= 64, floor(a * m_b / 2^32) with m_b = ceil(2^32 / b) =
 * floor((2^32 - 1) / b) + 1 (a table of constants the compiler computes). Exact: write
 * m_b * b = 2^32 + e with 0 <= e < b, and a = q*b + r with 0 <= r <= b - 1; then
 * a * m_b / 2^32 = a/b + a*e/(b * 2^32) = q + r/b + a*e/(b * 2^32), and a*e < 2^16 * 64 < 2^32
 * makes the last term smaller than 1/b: q <= a * m_b / 2^32 < q + 1. (a * m_b < 2^16 * 2^32
 * fits in uint64_t.) Other operands take the 32-bit division. Tested exhaustively on
 * a < 2^16, b <= 64 (tests/test_convtranspose_bounded.py).
 */
#define SYMCONV_RECIPROCAL(b) (UINT64_C(0xFFFFFFFF) / (b) + 1u)
static const uint64_t symconv_reciprocal[65] = {
    0,
    SYMCONV_RECIPROCAL(1), SYMCONV_RECIPROCAL(2), SYMCONV_RECIPROCAL(3),
    SYMCONV_RECIPROCAL(4), SYMCONV_RECIPROCAL(5), SYMCONV_RECIPROCAL(6),
    SYMCONV_RECIPROCAL(7), SYMCONV_RECIPROCAL(8), SYMCONV_RECIPROCAL(9),
    SYMCONV_RECIPROCAL(10), SYMCONV_RECIPROCAL(11), SYMCONV_RECIPROCAL(12),
    SYMCONV_RECIPROCAL(13), SYMCONV_RECIPROCAL(14), SYMCONV_RECIPROCAL(15),
    SYMCONV_RECIPROCAL(16), SYMCONV_RECIPROCAL(17), SYMCONV_RECIPROCAL(18),
    SYMCONV_RECIPROCAL(19), SYMCONV_RECIPROCAL(20), SYMCONV_RECIPROCAL(21),
    SYMCONV_RECIPROCAL(22), SYMCONV_RECIPROCAL(23), SYMCONV_RECIPROCAL(24),
    SYMCONV_RECIPROCAL(25), SYMCONV_RECIPROCAL(26), SYMCONV_RECIPROCAL(27),
    SYMCONV_RECIPROCAL(28), SYMCONV_RECIPROCAL(29), SYMCONV_RECIPROCAL(30),
    SYMCONV_RECIPROCAL(31), SYMCONV_RECIPROCAL(32), SYMCONV_RECIPROCAL(33),
    SYMCONV_RECIPROCAL(34), SYMCONV_RECIPROCAL(35), SYMCONV_RECIPROCAL(36),
    SYMCONV_RECIPROCAL(37), SYMCONV_RECIPROCAL(38), SYMCONV_RECIPROCAL(39),
    SYMCONV_RECIPROCAL(40), SYMCONV_RECIPROCAL(41), SYMCONV_RECIPROCAL(42),
    SYMCONV_RECIPROCAL(43), SYMCONV_RECIPROCAL(44), SYMCONV_RECIPROCAL(45),
    SYMCONV_RECIPROCAL(46), SYMCONV_RECIPROCAL(47), SYMCONV_RECIPROCAL(48),
    SYMCONV_RECIPROCAL(49), SYMCONV_RECIPROCAL(50), SYMCONV_RECIPROCAL(51),
    SYMCONV_RECIPROCAL(52), SYMCONV_RECIPROCAL(53), SYMCONV_RECIPROCAL(54),
    SYMCONV_RECIPROCAL(55), SYMCONV_RECIPROCAL(56), SYMCONV_RECIPROCAL(57),
    SYMCONV_RECIPROCAL(58), SYMCONV_RECIPROCAL(59), SYMCONV_RECIPROCAL(60),
    SYMCONV_RECIPROCAL(61), SYMCONV_RECIPROCAL(62), SYMCONV_RECIPROCAL(63),
    SYMCONV_RECIPROCAL(64)
};

static SYMCONV_INLINE int64_t bounded_quotient(int64_t a, int64_t b)
{
    if ((((uint64_t)a >> 16) | (((uint64_t)b - 1u) >> 6)) == 0) {
        return (int64_t)(((uint64_t)a * symconv_reciprocal[b]) >> 32);
    }
    return (int64_t)((uint32_t)a / (uint32_t)b);
}

/* gcd(a, b) for 1 <= a, b < 2^32: Euclid, each remainder by bounded_quotient. */
static SYMCONV_INLINE int64_t bounded_gcd(int64_t a, int64_t b)
{
    int64_t x = a, y = b;
    while (y != 0) {
        const int64_t r = x - y * bounded_quotient(x, y);
        x = y;
        y = r;
    }
    return x;
}

/*
 * sum_{k=k0}^{k1-1} clip(ceil((x - k*d)/s), 0, cap): symconv.convtranspose.clipped_ceil_sum,
 * which the checked path evaluates with one floor sum, here by a loop over the taps with no
 * division inside it (and none at all for small operands: bounded_quotient). Domain: 0 <= k0 <= k1 < 2^31, 1 <= s < 2^31, 1 <= d < 2^31,
 * |x| < 2^31, 0 <= cap and (k1 - k0)*cap < 2^63 (then k0*d, the total and every value below
 * fit in int64_t).
 *
 * Write y_k = x - k*d = s*v_k - e_k with 0 <= e_k < s, so that v_k = ceil(y_k / s), and
 * d = s*dq + dr with 0 <= dr < s. Then y_{k+1} = y_k - d = s*(v_k - dq) - (e_k + dr), where
 * 0 <= e_k + dr < 2s: if e_k + dr < s, v_{k+1} = v_k - dq and e_{k+1} = e_k + dr; else
 * v_{k+1} = v_k - dq - 1 and e_{k+1} = e_k + dr - s. Two divisions in all (v_{k0}, and dq
 * with dr, by bounded_quotient). The ceilings do not increase with k, so the loop stops at the first tap whose
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
    v = bounded_quotient(y + s - 1, s);
    e = v * s - y;
    dq = bounded_quotient(d, s);
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
