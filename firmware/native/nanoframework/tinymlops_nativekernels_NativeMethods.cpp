// The native side of TinyMLOps.NativeKernels: each InternalCall method of NativeMethods unpacks its arrays, checks
// the call descriptor (Shared/Kernels/KernelCall.cs) against their lengths, and calls the C99 kernel of
// firmware/native. A descriptor that does not fit its arrays throws IndexOutOfRangeException in the managed caller
// (CLR_E_INDEX_OUT_OF_RANGE) before any kernel touches memory; the kernels themselves check nothing.

#include "tinymlops_nativekernels.h"
#include <tml_frontends.h>
#include <tml_kernels.h>

typedef Library_tinymlops_nativekernels_TinyMLOps_NativeKernels_NativeMethods Library;

namespace
{
// KernelCall.Version and the descriptor slots: a contract with Shared/Kernels/KernelCall.cs (append only).
const CLR_INT32 DescriptorVersion = 1;

enum Slot
{
    InZeroPoint = 0,
    OutZeroPoint = 1,
    ActMin = 2,
    ActMax = 3,
    InH = 4,
    InW = 5,
    InC = 6,
    OutH = 7,
    OutW = 8,
    OutC = 9,
    Input = 10,
    Output = 11,
    Aux = 12,
    KernelH = 13,
    KernelW = 14,
    StrideH = 15,
    StrideW = 16,
    PadTop = 17,
    PadLeft = 18,
    PadBottom = 19,
    PadRight = 20,
    Count = 21,
    Cycle = 22,
    Multiplier = 23,
    Shift = 24,
    AuxZeroPoint = 25,
    DepthMultiplier = 26,
    Axis = 27,
    InputCount = 28,
    Length = 29,
    PerInput = 5,
};

// NativeKernelBackend.MaxConcatInputs: the managed side runs bigger Concats itself.
const int MaxConcatInputs = 16;

// An array argument: its elements and their number.
struct Span
{
    void *data;
    CLR_UINT32 length;
};

// Argument n as an array; a null reference fails the call.
HRESULT ArrayArg(CLR_RT_StackFrame &stack, int n, Span &span)
{
    CLR_RT_HeapBlock_Array *array = stack.ArgN(n).DereferenceArray();
    if (array == NULL)
    {
        return CLR_E_NULL_REFERENCE;
    }

    span.data = array->GetFirstElement();
    span.length = array->m_numOfElements;
    return S_OK;
}

// [offset, offset + count) lies inside an array of length elements (64-bit sums: no wrap-around).
bool Fits(int64_t offset, int64_t count, CLR_UINT32 length)
{
    return offset >= 0 && count >= 0 && offset + count <= (int64_t)length;
}

// The descriptor's fixed slots plus extra ones, read from argument 0.
HRESULT Descriptor(CLR_RT_StackFrame &stack, CLR_UINT32 extra, const CLR_INT32 *&call)
{
    Span span;
    HRESULT hr = ArrayArg(stack, 0, span);
    if (FAILED(hr))
    {
        return hr;
    }

    if (span.length < (CLR_UINT32)Length + extra)
    {
        return CLR_E_INDEX_OUT_OF_RANGE;
    }

    call = (const CLR_INT32 *)span.data;
    return S_OK;
}

tml_quant Quant(const CLR_INT32 *call)
{
    tml_quant q = {call[InZeroPoint], call[OutZeroPoint], call[ActMin], call[ActMax]};
    return q;
}

bool Shape(const CLR_INT32 *call, int h, int w, int c, tml_shape &shape)
{
    shape.h = call[h];
    shape.w = call[w];
    shape.c = call[c];
    return shape.h >= 1 && shape.w >= 1 && shape.c >= 1;
}

// a * b for non-negative factors, capped at 2^31 (more elements than any array holds), so that no product of
// descriptor values overflows however large they are.
int64_t Times(int64_t a, int64_t b)
{
    const int64_t cap = (int64_t)1 << 31;
    int64_t p = (a > cap ? cap : a) * (b > cap ? cap : b);
    return p > cap ? cap : p;
}

int64_t Elements(const tml_shape &s)
{
    return Times(Times(s.h, s.w), s.c);
}

// The window's own slots are sane and give exactly the descriptor's output size (Kernels/Window.cs).
bool WindowOf(const CLR_INT32 *call, const tml_shape &in, const tml_shape &out, tml_window &win)
{
    win.kernel_h = call[KernelH];
    win.kernel_w = call[KernelW];
    win.stride_h = call[StrideH];
    win.stride_w = call[StrideW];
    win.pad_top = call[PadTop];
    win.pad_left = call[PadLeft];
    win.pad_bottom = call[PadBottom];
    win.pad_right = call[PadRight];
    // As the model format (Window.Read): padding below the kernel, so every window holds at least one input tap.
    if (win.kernel_h < 1 || win.kernel_w < 1 || win.stride_h < 1 || win.stride_w < 1 || win.pad_top < 0 ||
        win.pad_left < 0 || win.pad_bottom < 0 || win.pad_right < 0 || win.pad_top >= win.kernel_h ||
        win.pad_bottom >= win.kernel_h || win.pad_left >= win.kernel_w || win.pad_right >= win.kernel_w)
    {
        return false;
    }

    int64_t spanH = (int64_t)in.h + win.pad_top + win.pad_bottom - win.kernel_h;
    int64_t spanW = (int64_t)in.w + win.pad_left + win.pad_right - win.kernel_w;
    return spanH >= 0 && spanW >= 0 && out.h == spanH / win.stride_h + 1 && out.w == spanW / win.stride_w + 1;
}

// Per output channel arrays (bias, multipliers, shifts) hold at least channels entries.
bool PerChannel(const Span &bias, const Span &multipliers, const Span &shifts, int32_t channels)
{
    return bias.length >= (CLR_UINT32)channels && multipliers.length >= (CLR_UINT32)channels &&
           shifts.length >= (CLR_UINT32)channels;
}

// FullyConnected, Conv2D and DepthwiseConv2D share their arguments.
struct Weighted
{
    const CLR_INT32 *call;
    Span arena, weights, bias, multipliers, shifts;
};

HRESULT WeightedArgs(CLR_RT_StackFrame &stack, Weighted &a)
{
    HRESULT hr = Descriptor(stack, 0, a.call);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 1, a.arena);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 2, a.weights);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 3, a.bias);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 4, a.multipliers);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 5, a.shifts);
    return hr;
}

int8_t *At(const Span &span, CLR_INT32 offset)
{
    return (int8_t *)span.data + offset;
}

// Pooling: descriptor and arena, a window, channels kept.
HRESULT PoolArgs(CLR_RT_StackFrame &stack, const CLR_INT32 *&call, Span &arena, tml_shape &in, tml_shape &out, tml_window &win)
{
    HRESULT hr = Descriptor(stack, 0, call);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 1, arena);
    if (FAILED(hr))
        return hr;
    if (!Shape(call, InH, InW, InC, in) || !Shape(call, OutH, OutW, OutC, out) || out.c != in.c || !WindowOf(call, in, out, win) ||
        !Fits(call[Input], Elements(in), arena.length) || !Fits(call[Output], Elements(out), arena.length))
    {
        return CLR_E_INDEX_OUT_OF_RANGE;
    }

    return S_OK;
}

// Add and Mul: the larger input walked once, the smaller one cycling.
HRESULT ElementwiseArgs(CLR_RT_StackFrame &stack, const CLR_INT32 *&call, Span &arena)
{
    HRESULT hr = Descriptor(stack, 0, call);
    if (SUCCEEDED(hr))
        hr = ArrayArg(stack, 1, arena);
    if (FAILED(hr))
        return hr;
    if (call[Cycle] < 1 || call[Cycle] > call[Count] || !Fits(call[Input], call[Count], arena.length) ||
        !Fits(call[Aux], call[Cycle], arena.length) || !Fits(call[Output], call[Count], arena.length))
    {
        return CLR_E_INDEX_OUT_OF_RANGE;
    }

    return S_OK;
}
} // namespace

HRESULT Library::Version___STATIC__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    stack.SetResult_I4(DescriptorVersion);
    NANOCLR_NOCLEANUP_NOLABEL();
}

HRESULT Library::FullyConnected___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_U1__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        Weighted a;
        NANOCLR_CHECK_HRESULT(WeightedArgs(stack, a));
        const CLR_INT32 *call = a.call;
        int32_t inputs = call[InC];
        int32_t units = call[OutC];
        if (call[InH] != 1 || call[InW] != 1 || inputs < 1 || units < 1 || !Fits(call[Input], inputs, a.arena.length) ||
            !Fits(call[Output], units, a.arena.length) || !Fits(call[Aux], Times(inputs, units), a.weights.length) ||
            !PerChannel(a.bias, a.multipliers, a.shifts, units))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_quant q = Quant(call);
        tml_fully_connected(
            &q,
            inputs,
            units,
            At(a.arena, call[Input]),
            At(a.weights, call[Aux]),
            (const int32_t *)a.bias.data,
            (const int32_t *)a.multipliers.data,
            (const int32_t *)a.shifts.data,
            At(a.arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Conv2D___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_U1__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        Weighted a;
        NANOCLR_CHECK_HRESULT(WeightedArgs(stack, a));
        const CLR_INT32 *call = a.call;
        tml_shape in, out;
        tml_window win;
        if (!Shape(call, InH, InW, InC, in) || !Shape(call, OutH, OutW, OutC, out) || !WindowOf(call, in, out, win) ||
            !Fits(call[Input], Elements(in), a.arena.length) || !Fits(call[Output], Elements(out), a.arena.length) ||
            !Fits(call[Aux], Times(Times(out.c, win.kernel_h), Times(win.kernel_w, in.c)), a.weights.length) ||
            !PerChannel(a.bias, a.multipliers, a.shifts, out.c))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_quant q = Quant(call);
        tml_conv2d(
            &q,
            &in,
            &out,
            &win,
            At(a.arena, call[Input]),
            At(a.weights, call[Aux]),
            (const int32_t *)a.bias.data,
            (const int32_t *)a.multipliers.data,
            (const int32_t *)a.shifts.data,
            At(a.arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::DepthwiseConv2D___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_U1__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        Weighted a;
        NANOCLR_CHECK_HRESULT(WeightedArgs(stack, a));
        const CLR_INT32 *call = a.call;
        tml_shape in, out;
        tml_window win;
        int32_t m = call[DepthMultiplier];
        if (!Shape(call, InH, InW, InC, in) || !Shape(call, OutH, OutW, OutC, out) || m < 1 || (int64_t)in.c * m != out.c ||
            !WindowOf(call, in, out, win) || !Fits(call[Input], Elements(in), a.arena.length) ||
            !Fits(call[Output], Elements(out), a.arena.length) ||
            !Fits(call[Aux], Times(Times(win.kernel_h, win.kernel_w), out.c), a.weights.length) ||
            !PerChannel(a.bias, a.multipliers, a.shifts, out.c))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_quant q = Quant(call);
        tml_depthwise_conv2d(
            &q,
            &in,
            &out,
            &win,
            m,
            At(a.arena, call[Input]),
            At(a.weights, call[Aux]),
            (const int32_t *)a.bias.data,
            (const int32_t *)a.multipliers.data,
            (const int32_t *)a.shifts.data,
            At(a.arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::AveragePool2D___STATIC__VOID__SZARRAY_I4__SZARRAY_I1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena;
        tml_shape in, out;
        tml_window win;
        NANOCLR_CHECK_HRESULT(PoolArgs(stack, call, arena, in, out, win));
        tml_quant q = Quant(call);
        tml_average_pool2d(&q, &in, &out, &win, At(arena, call[Input]), At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::MaxPool2D___STATIC__VOID__SZARRAY_I4__SZARRAY_I1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena;
        tml_shape in, out;
        tml_window win;
        NANOCLR_CHECK_HRESULT(PoolArgs(stack, call, arena, in, out, win));
        tml_quant q = Quant(call);
        tml_max_pool2d(&q, &in, &out, &win, At(arena, call[Input]), At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Add___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena, terms;
        NANOCLR_CHECK_HRESULT(ElementwiseArgs(stack, call, arena));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 2, terms));
        if (terms.length < 512)
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_quant q = Quant(call);
        const int32_t *t = (const int32_t *)terms.data;
        tml_add(
            &q,
            call[Count],
            call[Cycle],
            At(arena, call[Input]),
            At(arena, call[Aux]),
            t,
            t + 256,
            call[Multiplier],
            call[Shift],
            At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Mul___STATIC__VOID__SZARRAY_I4__SZARRAY_I1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena;
        NANOCLR_CHECK_HRESULT(ElementwiseArgs(stack, call, arena));
        tml_quant q = Quant(call);
        tml_mul(
            &q,
            call[Count],
            call[Cycle],
            At(arena, call[Input]),
            At(arena, call[Aux]),
            call[InZeroPoint],
            call[AuxZeroPoint],
            call[Multiplier],
            call[Shift],
            At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Softmax___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena, table;
        tml_shape in;
        NANOCLR_CHECK_HRESULT(Descriptor(stack, 0, call));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 1, arena));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 2, table));
        if (!Shape(call, InH, InW, InC, in) || table.length < 256 || !Fits(call[Input], Elements(in), arena.length) ||
            !Fits(call[Output], Elements(in), arena.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_softmax(in.h * in.w, in.c, (const int32_t *)table.data, At(arena, call[Input]), At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Mean___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena, sums;
        tml_shape in;
        NANOCLR_CHECK_HRESULT(Descriptor(stack, 0, call));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 1, arena));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 2, sums));
        if (!Shape(call, InH, InW, InC, in) || sums.length < (CLR_UINT32)in.c || !Fits(call[Input], Elements(in), arena.length) ||
            !Fits(call[Output], in.c, arena.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_quant q = Quant(call);
        tml_mean(&q, &in, call[Multiplier], call[Shift], At(arena, call[Input]), (int32_t *)sums.data, At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Concat___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_I1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena, tables;
        tml_shape out;
        tml_shape shapes[MaxConcatInputs];
        const int8_t *inputs[MaxConcatInputs];
        const int8_t *tablePointers[MaxConcatInputs];
        NANOCLR_CHECK_HRESULT(Descriptor(stack, 0, call));
        int32_t axis = call[Axis];
        int32_t count = call[InputCount];
        if (count < 1 || count > MaxConcatInputs || axis < 0 || axis > 2)
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        NANOCLR_CHECK_HRESULT(Descriptor(stack, (CLR_UINT32)(count * PerInput), call));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 1, arena));
        tables.data = NULL;
        tables.length = 0;
        if (stack.Arg2().DereferenceArray() != NULL)
        {
            NANOCLR_CHECK_HRESULT(ArrayArg(stack, 2, tables));
        }

        if (!Shape(call, OutH, OutW, OutC, out) || !Fits(call[Output], Elements(out), arena.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        // Every input matches the output off the axis, and their extents along it add up to the output's.
        int64_t extent = 0;
        for (int32_t k = 0; k < count; k++)
        {
            const CLR_INT32 *slot = call + Length + (k * PerInput);
            tml_shape &s = shapes[k];
            s.h = slot[0];
            s.w = slot[1];
            s.c = slot[2];
            int32_t table = slot[4];
            if (s.h < 1 || s.w < 1 || s.c < 1 || (axis != 0 && s.h != out.h) || (axis != 1 && s.w != out.w) ||
                (axis != 2 && s.c != out.c) || !Fits(slot[3], Elements(s), arena.length) ||
                (table != -1 && !Fits((int64_t)table * 256, 256, tables.length)))
            {
                NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
            }

            extent += axis == 0 ? s.h : (axis == 1 ? s.w : s.c);
            inputs[k] = At(arena, slot[3]);
            tablePointers[k] = table == -1 ? NULL : (const int8_t *)tables.data + (table * 256);
        }

        if (extent != (axis == 0 ? out.h : (axis == 1 ? out.w : out.c)))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_concat(axis, count, shapes, inputs, tablePointers, &out, At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Pad___STATIC__VOID__SZARRAY_I4__SZARRAY_I1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena;
        tml_shape in, out;
        NANOCLR_CHECK_HRESULT(Descriptor(stack, 0, call));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 1, arena));
        int32_t top = call[PadTop], left = call[PadLeft], bottom = call[PadBottom], right = call[PadRight];
        if (!Shape(call, InH, InW, InC, in) || !Shape(call, OutH, OutW, OutC, out) || top < 0 || left < 0 || bottom < 0 ||
            right < 0 || out.h != (int64_t)top + in.h + bottom || out.w != (int64_t)left + in.w + right || out.c != in.c ||
            !Fits(call[Input], Elements(in), arena.length) || !Fits(call[Output], Elements(out), arena.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_pad(&in, top, bottom, left, right, call[InZeroPoint], At(arena, call[Input]), At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Lookup___STATIC__VOID__SZARRAY_I4__SZARRAY_I1__SZARRAY_U1(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        const CLR_INT32 *call;
        Span arena, table;
        NANOCLR_CHECK_HRESULT(Descriptor(stack, 0, call));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 1, arena));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 2, table));
        int32_t count = call[Count];
        if (!Fits(call[Input], count, arena.length) || !Fits(call[Output], count, arena.length) ||
            !Fits(call[Aux], 256, table.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        tml_lookup(count, At(table, call[Aux]), At(arena, call[Input]), At(arena, call[Output]));
    }
    NANOCLR_NOCLEANUP();
}

// The sample front-ends (tml_frontends.h). Their descriptors are the config structs' fields in order (Mfcc._call,
// Spectral._call); the glue checks the configuration against the front-ends' own limits (CLR_E_INVALID_PARAMETER),
// every array's length against what the C reads and writes, and the table entries the C uses as indices (bit
// reversal, mel bin edges, spectral bands), so that no argument can make the C step outside an array
// (CLR_E_INDEX_OUT_OF_RANGE). Nothing is written before every check has passed.
namespace
{
// Mfcc.MinFftSize..MaxFftSize, MaxMelBands, MaxNoiseShift; Spectral.MinSamples..MaxSamples, MaxChannels, MaxBands.
const int32_t MinLog2Fft = 6;
const int32_t MaxLog2Fft = 10;
const int32_t MaxMelBands = 128;
const int32_t MaxNoiseShift = 15;
const int32_t MaxChannels = 16;
const int32_t MaxSpectralBands = 64;
const CLR_UINT32 MfccSlots = 12;
const CLR_UINT32 SpectralSlots = 4;

// A zero point of the model's int8 input (the C adds it to a requantized value of up to 2^30: no overflow).
bool Int8(int32_t zeroPoint)
{
    return zeroPoint >= -128 && zeroPoint <= 127;
}

// Argument n as an int.
CLR_INT32 IntArg(CLR_RT_StackFrame &stack, int n)
{
    return stack.ArgN(n).NumericByRef().s4;
}

// Arguments first .. first + count - 1 as arrays, in order.
HRESULT ArrayArgs(CLR_RT_StackFrame &stack, int first, int count, Span *spans)
{
    for (int k = 0; k < count; k++)
    {
        HRESULT hr = ArrayArg(stack, first + k, spans[k]);
        if (FAILED(hr))
        {
            return hr;
        }
    }

    return S_OK;
}

// An FFT of 2^log2n points: its three tables hold n/2 entries each and the bit reversal is a permutation's range.
bool FftTables(int32_t log2n, const Span &cos, const Span &sin, const Span &bitReverse, tml_fft &fft)
{
    int32_t half = ((int32_t)1 << log2n) / 2;
    if (cos.length < (CLR_UINT32)half || sin.length < (CLR_UINT32)half || bitReverse.length < (CLR_UINT32)half)
    {
        return false;
    }

    const int32_t *rev = (const int32_t *)bitReverse.data;
    for (int32_t i = 0; i < half; i++)
    {
        if (rev[i] < 0 || rev[i] >= half)
        {
            return false;
        }
    }

    fft.n = 2 * half;
    fft.cos = (const int32_t *)cos.data;
    fft.sin = (const int32_t *)sin.data;
    fft.bit_reverse = rev;
    return true;
}

// Mfcc arguments: 0 call, 1 window, 2 binEdge, 3 binWeight, 4 dct, 5..7 FFT cos, sin, bit reversal, 8 noise, 9 frame,
// 10 re, 11 im, 12 high, 13 low, 14 raw, 15 offset, 16 output, 17 outputOffset.
enum MfccArg
{
    MWindow = 0,
    MBinEdge,
    MBinWeight,
    MDct,
    MCos,
    MSin,
    MBitReverse,
    MNoise,
    MFrame,
    MRe,
    MIm,
    MHigh,
    MLow,
    MRaw,
    MArrays
};

// Spectral arguments: 0 call, 1 window, 2 binBand, 3..5 FFT cos, sin, bit reversal, 6 multipliers, 7 shifts, 8 frame,
// 9 re, 10 im, 11 sums, 12 features, 13 raw, 14 offset, 15 output, 16 outputOffset.
enum SpectralArg
{
    SWindow = 0,
    SBinBand,
    SCos,
    SSin,
    SBitReverse,
    SMultipliers,
    SShifts,
    SFrame,
    SRe,
    SIm,
    SSums,
    SFeatures,
    SRaw,
    SArrays
};
} // namespace

HRESULT Library::Mfcc___STATIC__VOID__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I8__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I8__SZARRAY_I8__SZARRAY_I2__I4__SZARRAY_I1__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        Span callSpan, output;
        Span a[MArrays];
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 0, callSpan));
        NANOCLR_CHECK_HRESULT(ArrayArgs(stack, 1, MArrays, a));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 16, output));
        CLR_INT32 offset = IntArg(stack, 15);
        CLR_INT32 outputOffset = IntArg(stack, 17);
        if (callSpan.length < MfccSlots)
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        const CLR_INT32 *call = (const CLR_INT32 *)callSpan.data;
        tml_mfcc_config config;
        config.frame_length = call[0];
        config.stride = call[1];
        config.frames = call[2];
        config.mel_bands = call[3];
        config.coefficients = call[4];
        config.first_bin = call[5];
        config.last_bin = call[6];
        config.log2_n = call[7];
        config.noise_shift = call[8];
        config.multiplier = call[9];
        config.shift = call[10];
        config.zero_point = call[11];

        // The front-end's own limits (Mfcc's constructor): the FFT, a frame of more than half of it, the bands
        // (log mel energies and coefficients share the frame buffer: bands + coefficients <= n), the bin range.
        int32_t n = config.log2_n >= MinLog2Fft && config.log2_n <= MaxLog2Fft ? (int32_t)1 << config.log2_n : 0;
        int32_t bins = (n / 2) + 1;
        if (n == 0 || config.frame_length < 1 || config.frame_length > n || config.frame_length * 2 <= n || config.stride < 1 || config.frames < 1 ||
            config.mel_bands < 1 || config.mel_bands > MaxMelBands || config.mel_bands > n / 2 || config.coefficients < 1 ||
            config.coefficients > config.mel_bands || config.first_bin < 0 || config.last_bin >= bins ||
            config.noise_shift < 0 || config.noise_shift > MaxNoiseShift || !Int8(config.zero_point))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INVALID_PARAMETER);
        }

        int32_t bands = config.mel_bands;
        tml_mfcc_tables tables;
        if (!FftTables(config.log2_n, a[MCos], a[MSin], a[MBitReverse], tables.fft) ||
            a[MWindow].length < (CLR_UINT32)config.frame_length || a[MBinEdge].length < (CLR_UINT32)bins ||
            a[MBinWeight].length < (CLR_UINT32)bins || !Fits(0, Times(config.coefficients, bands), a[MDct].length) ||
            a[MNoise].length < (CLR_UINT32)bands || a[MFrame].length < (CLR_UINT32)n || a[MRe].length < (CLR_UINT32)bins ||
            a[MIm].length < (CLR_UINT32)bins || a[MHigh].length < (CLR_UINT32)bands || a[MLow].length < (CLR_UINT32)bands ||
            !Fits(offset, Times(config.frames - 1, config.stride) + config.frame_length, a[MRaw].length) ||
            !Fits(outputOffset, Times(config.frames, config.coefficients), output.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        // A bin's edge is its upper band: the C adds to bands edge - 1 and edge, so -1 (outside) to the band count.
        const int32_t *edge = (const int32_t *)a[MBinEdge].data;
        for (int32_t k = config.first_bin; k <= config.last_bin; k++)
        {
            if (edge[k] < -1 || edge[k] > bands)
            {
                NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
            }
        }

        tables.window = (const int32_t *)a[MWindow].data;
        tables.bin_edge = edge;
        tables.bin_weight = (const int32_t *)a[MBinWeight].data;
        tables.dct = (const int32_t *)a[MDct].data;
        tml_mfcc_scratch scratch;
        scratch.frame = (int32_t *)a[MFrame].data;
        scratch.re = (int32_t *)a[MRe].data;
        scratch.im = (int32_t *)a[MIm].data;
        scratch.high = (int64_t *)a[MHigh].data;
        scratch.low = (int64_t *)a[MLow].data;
        tml_mfcc_state state;
        state.noise = (int64_t *)a[MNoise].data;
        state.noise_started = 0;
        tml_mfcc_clip(&config, &tables, &scratch, &state, (const int16_t *)a[MRaw].data + offset, At(output, outputOffset));
    }
    NANOCLR_NOCLEANUP();
}

HRESULT Library::Spectral___STATIC__VOID__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I4__SZARRAY_I8__SZARRAY_I4__SZARRAY_I2__I4__SZARRAY_I1__I4(CLR_RT_StackFrame &stack)
{
    NANOCLR_HEADER();
    {
        Span callSpan, output;
        Span a[SArrays];
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 0, callSpan));
        NANOCLR_CHECK_HRESULT(ArrayArgs(stack, 1, SArrays, a));
        NANOCLR_CHECK_HRESULT(ArrayArg(stack, 15, output));
        CLR_INT32 offset = IntArg(stack, 14);
        CLR_INT32 outputOffset = IntArg(stack, 16);
        if (callSpan.length < SpectralSlots)
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        const CLR_INT32 *call = (const CLR_INT32 *)callSpan.data;
        tml_spectral_config config;
        config.channels = call[0];
        config.log2_n = call[1];
        config.bands = call[2];
        config.zero_point = call[3];

        // Spectral's constructor: the window (its headroom shift 14 - log2 n assumes at most 1024), channels, bands.
        int32_t n = config.log2_n >= MinLog2Fft && config.log2_n <= MaxLog2Fft ? (int32_t)1 << config.log2_n : 0;
        int32_t half = n / 2;
        if (n == 0 || config.channels < 1 || config.channels > MaxChannels || config.bands < 1 ||
            config.bands > MaxSpectralBands || config.bands > half || !Int8(config.zero_point))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INVALID_PARAMETER);
        }

        int32_t channels = config.channels;
        int64_t features = Times(channels, config.bands + 2);
        tml_fft fft;
        if (!FftTables(config.log2_n, a[SCos], a[SSin], a[SBitReverse], fft) || a[SWindow].length < (CLR_UINT32)n ||
            a[SBinBand].length < (CLR_UINT32)(half + 1) || a[SMultipliers].length < (CLR_UINT32)channels ||
            a[SShifts].length < (CLR_UINT32)channels || a[SFrame].length < (CLR_UINT32)n ||
            a[SRe].length < (CLR_UINT32)(half + 1) || a[SIm].length < (CLR_UINT32)(half + 1) ||
            a[SSums].length < (CLR_UINT32)config.bands || !Fits(0, features, a[SFeatures].length) ||
            !Fits(offset, Times(channels, n), a[SRaw].length) || !Fits(outputOffset, features, output.length))
        {
            NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
        }

        // Bins 1..n/2 each add to one band.
        const int32_t *band = (const int32_t *)a[SBinBand].data;
        for (int32_t k = 1; k <= half; k++)
        {
            if (band[k] < 0 || band[k] >= config.bands)
            {
                NANOCLR_SET_AND_LEAVE(CLR_E_INDEX_OUT_OF_RANGE);
            }
        }

        tml_spectral_scratch scratch;
        scratch.frame = (int32_t *)a[SFrame].data;
        scratch.re = (int32_t *)a[SRe].data;
        scratch.im = (int32_t *)a[SIm].data;
        scratch.sums = (int64_t *)a[SSums].data;
        scratch.features = (int32_t *)a[SFeatures].data;
        tml_spectral(
            &config,
            &fft,
            (const int32_t *)a[SWindow].data,
            band,
            (const int32_t *)a[SMultipliers].data,
            (const int32_t *)a[SShifts].data,
            &scratch,
            (const int16_t *)a[SRaw].data + offset,
            At(output, outputOffset));
    }
    NANOCLR_NOCLEANUP();
}
