"""Hardware population counts for the Numba kernels, written as LLVM intrinsics.

`popcount64` is `llvm.ctpop.i64`: one `popcnt` instruction on x86-64.

`and_count_rows` / `and_count_4x1` count the common bits of 1024-bit filters held as
C-contiguous `uint64[n, 16]` rows. They load each row as four 256-bit vectors, AND them and
apply `llvm.ctpop.v32i8`, which LLVM lowers to the AVX2 nibble-lookup sequence (`vpshufb`) or
to `vpopcnt` where the CPU has it; byte counts are summed before one horizontal reduction
(`vpsadbw`). On this project's machines that runs about twice as fast as 16 scalar `popcnt`s,
and unlike relying on the auto-vectoriser it does not depend on how the calling loop branches.
The 4x1 form compares four left rows with one right row, so the right row is loaded once
(register blocking).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from pprl.encoded import FILTER_WORDS

_I64 = ir.IntType(64)
_BYTES = ir.VectorType(ir.IntType(8), 32)
_SHORTS = ir.VectorType(ir.IntType(16), 32)


@intrinsic
def popcount64(typingctx, word):
    """Number of set bits in a 64-bit word, as int64 (so sums stay integer in Numba)."""
    if not isinstance(word, types.Integer) or word.bitwidth != 64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.int64(word), codegen


def _is_filter_matrix(ty) -> bool:
    return (
        isinstance(ty, types.Array)
        and ty.dtype == types.uint64
        and ty.ndim == 2
        and ty.layout == "C"
    )


def _row_vectors(context, builder, array_type, array, row, parts=range(FILTER_WORDS // 4)):
    """256-bit vectors `parts` of row `row` (shape [n, 16] is checked by the callers)."""
    data = context.make_array(array_type)(context, builder, array).data
    start = builder.gep(data, [builder.mul(row, ir.Constant(_I64, FILTER_WORDS))])
    vectors = []
    for k in parts:
        pointer = builder.bitcast(
            builder.gep(start, [ir.Constant(_I64, 4 * k)]), _BYTES.as_pointer()
        )
        vectors.append(builder.load(pointer, align=8))
    return vectors


def _common_bits(builder, left_vectors, right_vectors):
    module = builder.module
    ctpop = cgutils.get_or_insert_function(
        module, ir.FunctionType(_BYTES, [_BYTES]), "llvm.ctpop.v32i8"
    )
    reduce_add = cgutils.get_or_insert_function(
        module, ir.FunctionType(ir.IntType(16), [_SHORTS]), "llvm.vector.reduce.add.v32i16"
    )
    total = None
    for lv, rv in zip(left_vectors, right_vectors, strict=True):
        counts = builder.call(ctpop, [builder.and_(lv, rv)])  # each byte <= 8, sum <= 32
        total = counts if total is None else builder.add(total, counts)
    return builder.zext(builder.call(reduce_add, [builder.zext(total, _SHORTS)]), _I64)


@intrinsic
def and_count_rows(typingctx, left, i, right, j):
    """popcount(left[i] & right[j]) for 1024-bit rows."""
    if not (_is_filter_matrix(left) and _is_filter_matrix(right)):
        return None

    def codegen(context, builder, signature, args):
        lv = _row_vectors(context, builder, signature.args[0], args[0], args[1])
        rv = _row_vectors(context, builder, signature.args[2], args[2], args[3])
        return _common_bits(builder, lv, rv)

    return types.int64(left, types.int64, right, types.int64), codegen


def _four_rows(parts):
    def and_count(typingctx, left, i, right, j):
        if not (_is_filter_matrix(left) and _is_filter_matrix(right)):
            return None
        result = types.UniTuple(types.int64, 4)

        def codegen(context, builder, signature, args):
            rv = _row_vectors(context, builder, signature.args[2], args[2], args[3], parts)
            counts = []
            for r in range(4):
                row = builder.add(args[1], ir.Constant(_I64, r))
                lv = _row_vectors(context, builder, signature.args[0], args[0], row, parts)
                counts.append(_common_bits(builder, lv, rv))
            return context.make_tuple(builder, result, counts)

        return result(left, types.int64, right, types.int64), codegen

    return and_count


# popcount(left[i + r] & right[j]) for r = 0..3 (the right row is loaded once): over the whole
# row, its first 512 bits, its first, second, third and last 256 bits.
and_count_4x1 = intrinsic(_four_rows(range(4)))
and_count_4x1_first_half = intrinsic(_four_rows(range(2)))
and_count_4x1_first_quarter = intrinsic(_four_rows(range(0, 1)))
and_count_4x1_second_quarter = intrinsic(_four_rows(range(1, 2)))
and_count_4x1_third_quarter = intrinsic(_four_rows(range(2, 3)))
and_count_4x1_last_quarter = intrinsic(_four_rows(range(3, 4)))


def _popcount_of(parts):
    def popcount(typingctx, rows, i):
        if not _is_filter_matrix(rows):
            return None

        def codegen(context, builder, signature, args):
            v = _row_vectors(context, builder, signature.args[0], args[0], args[1], parts)
            return _common_bits(builder, v, v)

        return types.int64(rows, types.int64), codegen

    return popcount


# Popcounts of the last 512 and last 256 bits of rows[i]: upper bounds for the early exits.
popcount_second_half = intrinsic(_popcount_of(range(2, 4)))
popcount_last_quarter = intrinsic(_popcount_of(range(3, 4)))
