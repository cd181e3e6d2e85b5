#!/usr/bin/env python3
"""Fit the polynomials of `srgb_encode_gamma22_8bit` (shaders/common.wgsl,
src/stages/common.rs): sRGB encoding of x^2.2, x in [0, 1], accurate to a
small fraction of an 8-bit code, without a power.

    python3 scripts/fit-srgb-gamma22.py

The sRGB curve is linear below 0.0031308, where x^2.2 is, for x below
0.0727213; each side gets its own polynomial in x, least-squares on a
Chebyshev basis (close to minimax). Prints the coefficients, lowest order
first, and the errors of evaluating them in f32 by Horner's rule, in 8-bit
codes.
"""
import numpy as np

TOE = 0.0727213


def srgb_of_gamma22(x):
    linear = x**2.2
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def horner_f32(coef, x):
    x = x.astype(np.float32)
    r = np.float32(coef[-1])
    for c in coef[-2::-1]:
        r = (r * x + np.float32(c)).astype(np.float32)
    return r


for name, lo, hi, degree in [("toe", 0.0, TOE, 3), ("upper", TOE, 1.0, 6)]:
    x = np.linspace(lo, hi, 400_001)
    y = srgb_of_gamma22(x)
    fit = np.polynomial.chebyshev.Chebyshev.fit(x, y, degree)
    coef = [np.float32(c) for c in fit.convert(kind=np.polynomial.Polynomial).coef]
    err = np.abs(horner_f32(coef, x) - y) * 255
    # The shortest decimal of each f32, so that Rust reads back the same value.
    print(f"{name}: [{', '.join(np.format_float_positional(c, unique=True) for c in coef)}]")
    print(f"  max {err.max():.4f} codes, mean {err.mean():.4f} codes")
