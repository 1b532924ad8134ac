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
