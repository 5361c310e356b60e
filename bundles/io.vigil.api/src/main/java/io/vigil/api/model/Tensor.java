package io.vigil.api.model;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor: element type, shape and the elements in row-major order, held in a typed or direct buffer so
 * no element is boxed. Numeric data is a {@link FloatBuffer} (FLOAT), {@link DoubleBuffer} (DOUBLE),
 * {@link LongBuffer} (INT64), {@link IntBuffer} (INT32), {@link ShortBuffer} (INT16, FLOAT16 and BFLOAT16 as raw
 * bits) or a {@link ByteBuffer} (INT8, UINT8, BOOL); STRING data is a {@code String[]}. The tensor does not copy:
 * whoever built it must not change the data while it is in use.
 */
public final class Tensor {

    private final TensorType type;
    private final long[] shape;
    private final Buffer buffer;
    private final String[] strings;

    private Tensor(TensorType type, long[] shape, Buffer buffer, String[] strings) {
        this.type = Objects.requireNonNull(type, "type");
        this.shape = shape.clone();
        this.buffer = buffer;
        this.strings = strings;
        long elements = elementCount(this.shape);
        long actual = buffer != null ? buffer.remaining() : strings.length;
        if (elements != actual) {
            throw new IllegalArgumentException("a " + type + " tensor of shape " + Arrays.toString(shape) + " needs "
                    + elements + " elements, the data holds " + actual);
        }
    }

    /** Wraps a buffer whose class matches {@code type} (see the class comment). */
    public static Tensor of(TensorType type, long[] shape, Buffer data) {
        Objects.requireNonNull(data, "data");
        Class<? extends Buffer> expected = switch (type) {
        case FLOAT -> FloatBuffer.class;
        case DOUBLE -> DoubleBuffer.class;
        case INT64 -> LongBuffer.class;
        case INT32 -> IntBuffer.class;
        case INT16, FLOAT16, BFLOAT16 -> ShortBuffer.class;
        case INT8, UINT8, BOOL -> ByteBuffer.class;
        case STRING -> throw new IllegalArgumentException("STRING tensors hold a String[]: use ofStrings");
        };
        if (!expected.isInstance(data)) {
            throw new IllegalArgumentException("a " + type + " tensor needs a " + expected.getSimpleName()
                    + ", got a " + data.getClass().getSimpleName());
        }
        return new Tensor(type, shape, data, null);
    }

    public static Tensor ofFloats(long[] shape, float... values) {
        return of(TensorType.FLOAT, shape, FloatBuffer.wrap(values));
    }

    public static Tensor ofDoubles(long[] shape, double... values) {
        return of(TensorType.DOUBLE, shape, DoubleBuffer.wrap(values));
    }

    public static Tensor ofLongs(long[] shape, long... values) {
        return of(TensorType.INT64, shape, LongBuffer.wrap(values));
    }

    public static Tensor ofStrings(long[] shape, String... values) {
        return new Tensor(TensorType.STRING, shape, null, values.clone());
    }

    /** A direct buffer in native order, for the 1-byte types (INT8, UINT8, BOOL). */
    public static ByteBuffer directBytes(int count) {
        return ByteBuffer.allocateDirect(count).order(ByteOrder.nativeOrder());
    }

    public TensorType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** @return a read-only view of the data from its first element; null for STRING */
    public Buffer data() {
        if (buffer == null) {
            return null;
        }
        if (buffer instanceof FloatBuffer b) {
            return b.asReadOnlyBuffer();
        } else if (buffer instanceof DoubleBuffer b) {
            return b.asReadOnlyBuffer();
        } else if (buffer instanceof LongBuffer b) {
            return b.asReadOnlyBuffer();
        } else if (buffer instanceof IntBuffer b) {
            return b.asReadOnlyBuffer();
        } else if (buffer instanceof ShortBuffer b) {
            return b.asReadOnlyBuffer();
        }
        ByteBuffer b = (ByteBuffer) buffer;
        return b.asReadOnlyBuffer().order(b.order());
    }

    /** @return the strings of a STRING tensor, a copy */
    public String[] strings() {
        if (strings == null) {
            throw new IllegalStateException("a " + type + " tensor holds no strings");
        }
        return strings.clone();
    }

    public long elementCount() {
        return elementCount(shape);
    }

    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("a tensor's shape must be concrete, got " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return type + Arrays.toString(shape);
    }
}
