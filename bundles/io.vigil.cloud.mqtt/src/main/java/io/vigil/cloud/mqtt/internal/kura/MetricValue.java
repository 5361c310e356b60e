package io.vigil.cloud.mqtt.internal.kura;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A typed kurapayload metric value. The seven kinds are exactly kurapayload's value types, so a value keeps
 * its wire type through a round trip: an {@code INT32} 5 stays an {@code INT32}, never becomes an
 * {@code INT64}.
 */
public sealed interface MetricValue {

    /** Kurapayload's metric value types, with their numbers on the wire. */
    enum Type {
        DOUBLE(0), FLOAT(1), INT64(2), INT32(3), BOOL(4), STRING(5), BYTES(6);

        private final int wireNumber;

        Type(int wireNumber) {
            this.wireNumber = wireNumber;
        }

        /** @return the enum number kurapayload uses for this type */
        public int wireNumber() {
            return wireNumber;
        }

        /** @return the type with that wire number, or {@code null} for a number kurapayload does not define */
        static Type ofWireNumber(long number) {
            for (Type t : values()) {
                if (t.wireNumber == number) {
                    return t;
                }
            }
            return null;
        }
    }

    Type type();

    static MetricValue of(double value) {
        return new DoubleValue(value);
    }

    static MetricValue of(float value) {
        return new FloatValue(value);
    }

    static MetricValue of(long value) {
        return new LongValue(value);
    }

    static MetricValue of(int value) {
        return new IntValue(value);
    }

    static MetricValue of(boolean value) {
        return new BoolValue(value);
    }

    static MetricValue of(String value) {
        return new StringValue(value);
    }

    static MetricValue of(byte[] value) {
        return new BytesValue(value);
    }

    record DoubleValue(double value) implements MetricValue {
        @Override
        public Type type() {
            return Type.DOUBLE;
        }
    }

    record FloatValue(float value) implements MetricValue {
        @Override
        public Type type() {
            return Type.FLOAT;
        }
    }

    /** Kurapayload's {@code INT64}. */
    record LongValue(long value) implements MetricValue {
        @Override
        public Type type() {
            return Type.INT64;
        }
    }

    /** Kurapayload's {@code INT32}. */
    record IntValue(int value) implements MetricValue {
        @Override
        public Type type() {
            return Type.INT32;
        }
    }

    record BoolValue(boolean value) implements MetricValue {
        @Override
        public Type type() {
            return Type.BOOL;
        }
    }

    record StringValue(String value) implements MetricValue {
        public StringValue {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public Type type() {
            return Type.STRING;
        }
    }

    /** Bytes, copied in and out so a value can be shared between threads and payloads. */
    final class BytesValue implements MetricValue {
        private final byte[] value;

        public BytesValue(byte[] value) {
            this.value = Objects.requireNonNull(value, "value").clone();
        }

        /** @return a copy of the bytes */
        public byte[] value() {
            return value.clone();
        }

        @Override
        public Type type() {
            return Type.BYTES;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BytesValue other && Arrays.equals(value, other.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return value.length <= 32 ? "BytesValue[" + HexFormat.of().formatHex(value) + "]"
                    : "BytesValue[" + value.length + " bytes]";
        }
    }
}
