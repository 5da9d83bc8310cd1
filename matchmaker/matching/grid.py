"""Vectors on an integer grid, so that every pair's score is one number, however it is computed.

A float32 dot product rounds differently with the shape of the product: one stream's row
computed alone (an incremental update, a single query) and the same row inside an all-pairs
block differ in the last bits, and a stored score rounded to 4 decimals may then differ from
what a full refresh stores. Each row is therefore stored as integers times a power of two:
every partial sum of a dot product is then an integer times a power of two below 2**24, which
float32 holds exactly, so any summation order (BLAS kernel, block, thread) gives the same bits.

The cost is quantisation: about 8 bits per component, a cosine error of about 1e-3.
"""

from __future__ import annotations

import numpy as np

EXACT_BITS = 24  # float32 mantissa: integers below 2**24 are exact


def on_grid(rows: np.ndarray) -> np.ndarray:
    """Each row rounded to q * 2**-e with integer q, |q| small enough that the dot product of
    any two such rows sums exactly in float32 (|q| <= 2**((24 - log2 d) / 2) per component)."""
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim != 2 or rows.size == 0:
        return rows.astype(np.float32, copy=True)
    dim = rows.shape[1]
    # sum_k |q_ik q_jk| <= d * limit**2 < 2**24 bounds every partial sum of every pair
    limit = int(np.floor(np.sqrt((2 ** EXACT_BITS - 1) / dim)))
    peak = np.max(np.abs(rows), axis=1)
    peak = np.where(peak > 0, peak, 1.0)
    # the largest power of two that keeps the row's largest component within the limit
    exponent = np.floor(np.log2(limit / peak)).astype(np.int32)
    scale = np.ldexp(np.float32(1.0), exponent).astype(np.float32)[:, None]
    q = np.clip(np.rint(rows * scale), -limit, limit)
    return (q / scale).astype(np.float32)
