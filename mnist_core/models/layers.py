"""The layers the MLP and the CNN are built from, as small pure functions.

Each ``*_forward`` returns what its ``*_backward`` needs, and each backward is
checked against finite differences in the tests.  Everything is dtype-generic:
float32 in training (twice the GEMM speed of float64), float64 in the gradient checks.

Dense and softmax layers take rows (B, n).  Images are kept channels-last (NHWC) so a
convolution is one GEMM with no transposes: ``im2col`` copies every KxK patch into a
row (B*Ho*Wo, K*K*C_in), and ``rows @ w`` gives (B*Ho*Wo, C_out), which *is* the
NHWC output.  The input gradient (col2im) adds the K*K slices back.  Python loops run
over kernel offsets, never over pixels.  About two thirds of a CNN training step is
these GEMMs; the rest is memory traffic (copies, pooling, bias), so the code avoids
copies and broadcasts over short axes, which numpy runs several times slower than long
ones.  Training uses :func:`conv_pool_forward`, convolution and 2x2 max-pooling in one:
its im2col rows come in pooling order, so the pool is three maximums of contiguous
quarters instead of strided views (the separate layers serve the explanations).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# -- dense, activations, loss --------------------------------------------------------


def dense_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (B, n_in) @ w (n_in, n_out) + b (n_out,) -> (B, n_out)."""
    out = x @ w
    out += b
    return out


def dense_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                   need_dx: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dout (B, n_out) -> dx (B, n_in) (None unless ``need_dx``), dw (n_in, n_out), db (n_out,)."""
    dx = dout @ w.T if need_dx else None
    return dx, x.T @ dout, dout.sum(axis=0)


def relu_forward(x: np.ndarray) -> np.ndarray:
    """max(x, 0), in place: the pre-activation is not needed by backward."""
    return np.maximum(x, 0, out=x)


def relu_backward(dout: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Gradient through ReLU from its *output*: passes where out > 0 (in place on dout)."""
    dout *= out > 0
    return dout


def softmax(logits: np.ndarray) -> np.ndarray:
    """(B, K) -> (B, K) rows summing to 1, shifted by the row max so exp never overflows."""
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Summed loss -sum log p[y], probabilities p (B, K) and dloss/dlogits = p - onehot(y)."""
    p = softmax(logits)
    rows = np.arange(len(y))
    loss = -float(np.log(np.maximum(p[rows, y], np.finfo(p.dtype).tiny)).sum())
    grad = p.copy()
    grad[rows, y] -= 1
    return loss, p, grad


def he_normal(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...], gain: float = 2.0) -> np.ndarray:
    """normal(0, sqrt(gain / fan_in)) float32: gain 2 keeps ReLU activations at unit
    variance (He et al. 2015); gain 1 for the layer that feeds the softmax."""
    return (rng.standard_normal(shape) * np.sqrt(gain / fan_in)).astype(np.float32)


# -- convolution and pooling ----------------------------------------------------------


def conv_out_side(side: int, k: int, pad: int) -> int:
    """Side of a convolution's output: 'same' (pad k//2) keeps it, 'valid' (pad 0) loses k-1."""
    return side + 2 * pad - k + 1


def im2col(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """x (B, H, W, C) -> rows (B*Ho*Wo, k*k*C): the kxk patch under every output pixel,
    ordered (kernel row, kernel column, channel) to match ``w.reshape(-1, C_out)``.

    One strided copy of a sliding-window view.  With one channel (the first layer) that
    copy would move 5 floats at a time, so the rows are instead built transposed, as k*k
    long slices, and returned as a transposed view: BLAS takes either layout."""
    b, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else x
    ho, wo = conv_out_side(h, k, pad), conv_out_side(w, k, pad)
    if c == 1:
        cols_t = np.empty((k, k, b, ho, wo), x.dtype)
        for i in range(k):
            for j in range(k):
                cols_t[i, j] = xp[:, i:i + ho, j:j + wo, 0]
        return cols_t.reshape(k * k, -1).T
    windows = sliding_window_view(xp, (k, k), axis=(1, 2))  # (B, Ho, Wo, C, k, k), no copy
    return np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(b * ho * wo, k * k * c)


def col2im(d_off: np.ndarray, x_shape: tuple[int, ...], k: int, pad: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: patch gradients (k*k, B*Ho*Wo, C), one block per
    kernel offset, -> (B, H, W, C), every entry added back onto the pixel it was copied
    from (k*k slice additions of contiguous blocks)."""
    b, h, w, c = x_shape
    ho, wo = conv_out_side(h, k, pad), conv_out_side(w, k, pad)
    d = d_off.reshape(k, k, b, ho, wo, c)
    dxp = np.zeros((b, h + 2 * pad, w + 2 * pad, c), d_off.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, i:i + ho, j:j + wo, :] += d[i, j]
    return dxp[:, pad:pad + h, pad:pad + w, :]


def add_channel_bias(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (B, H, W, C) += b (C,), in place.  Added to whole image rows (W*C long, a view
    of x): numpy broadcasts over a short last axis (16 or 32 values) ~6x slower."""
    image_rows = x.reshape(-1, x.shape[2] * x.shape[3])
    image_rows += np.tile(b, x.shape[2])
    return x


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """x (B, H, W, C_in), w (k, k, C_in, C_out), b (C_out,) -> convolution (B, Ho, Wo, C_out)
    (cross-correlation, as every framework does) and the im2col rows backward needs.
    ``b`` None leaves the bias out, for a caller that adds it after max-pooling (the max
    of conv + b is the max of conv, + b: a quarter of the additions)."""
    k, c_out = w.shape[0], w.shape[3]
    ho, wo = conv_out_side(x.shape[1], k, pad), conv_out_side(x.shape[2], k, pad)
    cols = im2col(x, k, pad)
    out = (cols @ w.reshape(-1, c_out)).reshape(len(x), ho, wo, c_out)
    if b is not None:
        add_channel_bias(out, b)
    return out, cols


def conv_backward(dout: np.ndarray, cols: np.ndarray, x_shape: tuple[int, ...], w: np.ndarray, pad: int,
                  need_dx: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dout (B, Ho, Wo, C_out) -> dx (B, H, W, C_in) or None, dw (k, k, C_in, C_out), db (C_out,)."""
    k, c_out = w.shape[0], w.shape[3]
    d2 = dout.reshape(-1, c_out)
    dw = (cols.T @ d2).reshape(w.shape)
    dx = None
    if need_dx:
        # One GEMM per kernel offset, (B*Ho*Wo, C_out) @ (C_out, C_in), stacked: the patch
        # gradients come out offset by offset, the layout col2im adds without a transpose.
        w_t = w.reshape(k * k, -1, c_out).transpose(0, 2, 1)  # (k*k, C_out, C_in)
        dx = col2im(np.matmul(d2, w_t), x_shape, k, pad)
    # db: summed over image rows first, as in conv_forward (a sum down a 16-wide column is ~8x slower).
    db = dout.reshape(-1, dout.shape[2] * c_out).sum(axis=0).reshape(-1, c_out).sum(axis=0)
    return dx, dw, db


def maxpool_forward(x: np.ndarray, need_grad: bool = True) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """x (B, H, W, C) -> (B, H//2, W//2, C), the max of each 2x2 block (an odd last row
    or column is dropped), and for backward one boolean mask per block position.

    The max is two element-wise maximums of strided views: row pairs, then column pairs
    (a reduction over two short axes of a reshape is ~4x slower).  A block whose
    entries tie -- blank background, where every conv output equals the bias -- sends
    its gradient to the first of them only, so the bias gets exactly 1 per block."""
    h2, w2 = x.shape[1] // 2, x.shape[2] // 2
    rows = np.maximum(x[:, 0:2 * h2:2], x[:, 1:2 * h2:2])  # pairs of rows: long contiguous runs
    out = np.maximum(rows[:, :, 0:2 * w2:2], rows[:, :, 1:2 * w2:2])
    if not need_grad:
        return out, None
    q = [x[:, i:2 * h2:2, j:2 * w2:2, :] for i in (0, 1) for j in (0, 1)]
    masks = [q[0] == out]
    taken = masks[0].copy()
    for quarter in q[1:3]:
        m = quarter == out
        m &= ~taken
        taken |= m
        masks.append(m)
    masks.append(~taken)
    return out, masks


def maxpool_backward(dout: np.ndarray, masks: list[np.ndarray], x_shape: tuple[int, ...]) -> np.ndarray:
    """dout (B, H//2, W//2, C) -> dx (B, H, W, C): each block's gradient to its max."""
    h2, w2 = dout.shape[1], dout.shape[2]
    even = x_shape[1] == 2 * h2 and x_shape[2] == 2 * w2
    dx = np.empty(x_shape, dout.dtype) if even else np.zeros(x_shape, dout.dtype)
    for (i, j), m in zip(((0, 0), (0, 1), (1, 0), (1, 1)), masks):
        np.multiply(dout, m, out=dx[:, i:2 * h2:2, j:2 * w2:2, :])
    return dx


# -- convolution and pooling fused: rows in pooling order ----------------------------


def im2col_pooled(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """x (B, H, W, C) -> rows (4*B*h2*w2, k*k*C) like :func:`im2col`, but only of the
    output pixels a 2x2 max-pool keeps (an odd last row or column is never computed),
    ordered (block row dy, block column dx, image, pooled row, pooled column): the four
    entries of every pooling block then lie in four contiguous quarters of the GEMM's
    output, and pooling and its backward are element-wise operations on long runs."""
    b, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0))) if pad else x
    h2, w2 = conv_out_side(h, k, pad) // 2, conv_out_side(w, k, pad) // 2
    if c == 1:
        # Built transposed, as im2col does (see there).  Kernel offset (i, j) at block
        # position (dy, dx) reads the pixels (2py + i + dy, 2px + j + dx): only (k+1)^2
        # distinct strided slices, copied once each, then stacked by one take of whole rows.
        shifted = np.empty((k + 1, k + 1, b, h2, w2), x.dtype)
        for i in range(k + 1):
            for j in range(k + 1):
                shifted[i, j] = xp[:, i:i + 2 * h2:2, j:j + 2 * w2:2, 0]
        ij, d = np.arange(k)[:, None, None, None], np.arange(2)
        rows = ((ij + d[:, None]) * (k + 1) + ij.transpose(1, 0, 2, 3) + d).ravel()  # (i, j, dy, dx)
        return np.take(shifted.reshape((k + 1) ** 2, -1), rows, axis=0).reshape(k * k, -1).T
    windows = sliding_window_view(xp, (k, k), axis=(1, 2))[:, :2 * h2, :2 * w2]  # (B, 2h2, 2w2, C, k, k)
    blocks = windows.reshape(b, h2, 2, w2, 2, c, k, k).transpose(2, 4, 0, 1, 3, 6, 7, 5)
    return np.ascontiguousarray(blocks).reshape(4 * b * h2 * w2, k * k * c)


def conv_pool_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int,
                      need_grad: bool = True) -> tuple[np.ndarray, tuple | None]:
    """x (B, H, W, C_in), w (k, k, C_in, C_out), b (C_out,) -> maxpool2x2(conv(x)) + b
    (B, h2, w2, C_out) (as :func:`conv_forward` then :func:`maxpool_forward`, the bias
    after the pool: max(conv + b) = max(conv) + b) and, with ``need_grad``, the cache
    :func:`conv_pool_backward` takes: the rows and the routes, one boolean mask per
    block position (4, B*h2*w2, C_out), a tie to the first position, as maxpool_forward."""
    k, c_out = w.shape[0], w.shape[3]
    n, h2, w2 = len(x), conv_out_side(x.shape[1], k, pad) // 2, conv_out_side(x.shape[2], k, pad) // 2
    cols = im2col_pooled(x, k, pad)
    conv = (cols @ w.reshape(-1, c_out)).reshape(4, -1, c_out)
    pooled = np.maximum(conv[0], conv[1])
    np.maximum(pooled, conv[2], out=pooled)
    np.maximum(pooled, conv[3], out=pooled)
    cache = None
    if need_grad:
        masks = np.equal(conv, pooled, out=np.empty(conv.shape, bool))
        taken = masks[0].copy()
        for q in (1, 2, 3):
            masks[q] &= ~taken
            taken |= masks[q]
        cache = (cols, masks)
    return add_channel_bias(pooled.reshape(n, h2, w2, c_out), b), cache


def conv_pool_backward(dout: np.ndarray, cache: tuple, x_shape: tuple[int, ...], w: np.ndarray, pad: int,
                       need_dx: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dout (B, h2, w2, C_out), the gradient of :func:`conv_pool_forward`'s output ->
    dx (B, H, W, C_in) or None, dw (k, k, C_in, C_out), db (C_out,)."""
    cols, masks = cache
    k, c_out = w.shape[0], w.shape[3]
    n, h2, w2 = dout.shape[:3]
    d = np.multiply(masks, dout.reshape(1, -1, c_out), dtype=dout.dtype)  # (4, B*h2*w2, C_out), rows as cols'
    dw = (cols.T @ d.reshape(-1, c_out)).reshape(w.shape)
    db = dout.reshape(-1, w2 * c_out).sum(axis=0).reshape(-1, c_out).sum(axis=0)  # see conv_backward
    dx = None
    if need_dx:  # back to image order, then as conv_backward
        ho, wo = conv_out_side(x_shape[1], k, pad), conv_out_side(x_shape[2], k, pad)
        full = np.zeros((n, ho, wo, c_out), dout.dtype) if (ho % 2 or wo % 2) else np.empty((n, ho, wo, c_out), dout.dtype)
        blocks = full[:, :2 * h2, :2 * w2].reshape(n, h2, 2, w2, 2, c_out)  # splits axes: a view
        blocks[...] = d.reshape(2, 2, n, h2, w2, c_out).transpose(2, 3, 0, 4, 1, 5)
        w_t = w.reshape(k * k, -1, c_out).transpose(0, 2, 1)  # (k*k, C_out, C_in)
        dx = col2im(np.matmul(full.reshape(-1, c_out), w_t), x_shape, k, pad)
    return dx, dw, db
