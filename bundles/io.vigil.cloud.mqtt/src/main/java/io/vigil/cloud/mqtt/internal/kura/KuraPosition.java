package io.vigil.cloud.mqtt.internal.kura;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A kurapayload position: latitude and longitude (degrees, required by the wire format) and the optional rest.
 * Immutable; build one with {@link #builder(double, double)}.
 */
public final class KuraPosition {

    private final double latitude;
    private final double longitude;
    private final Double altitude;
    private final Double precision;
    private final Double heading;
    private final Double speed;
    private final Long timestampEpochMillis;
    private final Integer satellites;
    private final Integer status;

    private KuraPosition(Builder b) {
        this.latitude = b.latitude;
        this.longitude = b.longitude;
        this.altitude = b.altitude;
        this.precision = b.precision;
        this.heading = b.heading;
        this.speed = b.speed;
        this.timestampEpochMillis = b.timestampEpochMillis;
        this.satellites = b.satellites;
        this.status = b.status;
    }

    public static Builder builder(double latitude, double longitude) {
        return new Builder(latitude, longitude);
    }

    public double latitude() {
        return latitude;
    }

    public double longitude() {
        return longitude;
    }

    /** @return metres */
    public OptionalDouble altitude() {
        return optional(altitude);
    }

    /** @return dilution of precision, as the positioning device reports it */
    public OptionalDouble precision() {
        return optional(precision);
    }

    /** @return degrees */
    public OptionalDouble heading() {
        return optional(heading);
    }

    /** @return metres per second */
    public OptionalDouble speed() {
        return optional(speed);
    }

    public OptionalLong timestampEpochMillis() {
        return timestampEpochMillis == null ? OptionalLong.empty() : OptionalLong.of(timestampEpochMillis);
    }

    public OptionalInt satellites() {
        return satellites == null ? OptionalInt.empty() : OptionalInt.of(satellites);
    }

    /** @return the positioning device's fix status code */
    public OptionalInt status() {
        return status == null ? OptionalInt.empty() : OptionalInt.of(status);
    }

    private static OptionalDouble optional(Double d) {
        return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KuraPosition p && Double.compare(latitude, p.latitude) == 0
                && Double.compare(longitude, p.longitude) == 0 && Objects.equals(altitude, p.altitude)
                && Objects.equals(precision, p.precision) && Objects.equals(heading, p.heading)
                && Objects.equals(speed, p.speed) && Objects.equals(timestampEpochMillis, p.timestampEpochMillis)
                && Objects.equals(satellites, p.satellites) && Objects.equals(status, p.status);
    }

    @Override
    public int hashCode() {
        return Objects.hash(latitude, longitude, altitude, precision, heading, speed, timestampEpochMillis, satellites,
                status);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("KuraPosition[lat=").append(latitude).append(", lon=").append(longitude);
        if (altitude != null) {
            sb.append(", altitude=").append(altitude);
        }
        if (precision != null) {
            sb.append(", precision=").append(precision);
        }
        if (heading != null) {
            sb.append(", heading=").append(heading);
        }
        if (speed != null) {
            sb.append(", speed=").append(speed);
        }
        if (timestampEpochMillis != null) {
            sb.append(", timestamp=").append(timestampEpochMillis);
        }
        if (satellites != null) {
            sb.append(", satellites=").append(satellites);
        }
        if (status != null) {
            sb.append(", status=").append(status);
        }
        return sb.append(']').toString();
    }

    public static final class Builder {
        private final double latitude;
        private final double longitude;
        private Double altitude;
        private Double precision;
        private Double heading;
        private Double speed;
        private Long timestampEpochMillis;
        private Integer satellites;
        private Integer status;

        private Builder(double latitude, double longitude) {
            this.latitude = latitude;
            this.longitude = longitude;
        }

        public Builder altitude(double metres) {
            this.altitude = metres;
            return this;
        }

        public Builder precision(double precision) {
            this.precision = precision;
            return this;
        }

        public Builder heading(double degrees) {
            this.heading = degrees;
            return this;
        }

        public Builder speed(double metresPerSecond) {
            this.speed = metresPerSecond;
            return this;
        }

        public Builder timestampEpochMillis(long epochMillis) {
            this.timestampEpochMillis = epochMillis;
            return this;
        }

        public Builder satellites(int satellites) {
            this.satellites = satellites;
            return this;
        }

        public Builder status(int status) {
            this.status = status;
            return this;
        }

        public KuraPosition build() {
            return new KuraPosition(this);
        }
    }
}
